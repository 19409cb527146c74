"""Tests for crawler/extract/selectors.py: per-site selectors alone, in extraction, in a crawl."""

from __future__ import annotations

import json
import pickle
import shutil
import sqlite3
from typing import TYPE_CHECKING

import pytest

from crawler.demo.server import SiteServer
from crawler.extract.article import extract_article
from crawler.extract.selectors import (
    SOURCE,
    SelectorConfigError,
    SiteSelectors,
    compile_selectors,
    is_xpath,
)
from tests.conftest import SITE_DIR, run_cli

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

PAGE = """<!DOCTYPE html><html lang="en"><head>
<title>Site title | Example</title>
<meta property="og:title" content="Social headline">
<meta name="author" content="Desk">
<script type="application/ld+json">
{"@type": "NewsArticle", "headline": "Machine headline", "datePublished": "2020-01-01T00:00:00Z"}
</script>
</head><body>
<h1>Page headline</h1>
<span class="hed">Selected headline</span>
<div class="credits"><span class="name">Ada Brennan</span>
<span class="name">Luis Ortega</span></div>
<time class="stamp" datetime="2026-11-24T09:15:00-06:00">Nov. 24</time>
<meta itemprop="dateModified" content="2026-11-25T00:00:00Z">
<div class="text">
<p>First paragraph with <em>inline</em> words and a <a href="/x">link</a>.</p>
<div class="promo"><p>Sign up for the newsletter</p></div>
<h3>A subhead</h3>
<p>Second&nbsp;paragraph.<br>After a break.</p>
<script>var tracking = 1;</script>
</div>
</body></html>"""


def full() -> SiteSelectors:
    return compile_selectors(
        {
            "body": "div.text",
            "title": "//span[@class='hed']",
            "published": "time.stamp",
            "authors": ".credits .name",
            "remove": [".promo"],
        }
    )


# --- the expression rule and validation ----------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "xpath"),
    [
        ("//div", True),
        ("(//p)[1]", True),
        ("./div", True),
        ("  //div", True),
        ("div.text", False),
        ("#main > p", False),
        ("article p::text", False),
    ],
)
def test_xpath_is_told_from_css_by_its_first_characters(expression: str, xpath: bool) -> None:
    assert is_xpath(expression) is xpath


@pytest.mark.parametrize(
    ("table", "key", "words"),
    [
        ({"bdy": "div"}, "bdy", "unknown selector"),
        ({"body": "div[", "title": "h1"}, "body", "not a valid CSS selector"),
        ({"title": "//h1["}, "title", "not a valid XPath"),
        ({"published": "//time[nosuch(1)]"}, "published", "not a valid XPath"),
        ({"authors": "//x:author"}, "authors", "not a valid XPath"),
        ({"body": ["div"]}, "body", "must be a CSS or XPath string"),
        ({"body": "  "}, "body", "is empty"),
        ({"remove": [".ad", "p:nosuch-pseudo"]}, "remove", "not a valid CSS selector"),
        ({"remove": 3}, "remove", "must be a list"),
    ],
)
def test_bad_selectors_are_refused_naming_the_key(
    table: dict[str, object], key: str, words: str
) -> None:
    with pytest.raises(SelectorConfigError) as caught:
        compile_selectors(table)
    assert caught.value.key == key
    assert words in caught.value.problem
    assert "\n" not in caught.value.problem


def test_selectors_are_a_value_that_pickles_and_turns_into_json() -> None:
    selectors = full()
    assert pickle.loads(pickle.dumps(selectors)) == selectors
    data = json.loads(json.dumps(selectors.to_json()))
    assert SiteSelectors.from_json(data) == selectors
    assert selectors.title == "//span[@class='hed']"  # XPath is kept as written
    assert selectors.body is not None
    assert selectors.body.startswith("descendant-or-self::div")  # CSS becomes XPath
    assert not SiteSelectors()
    assert selectors


# --- in extraction ---------------------------------------------------------------------------


def test_selectors_win_over_every_heuristic() -> None:
    record = extract_article(PAGE, "https://example.com/a", selectors=full())
    assert record["title"] == "Selected headline"
    assert record["published_raw"] == "2026-11-24T09:15:00-06:00"  # the datetime attribute
    assert record["authors"] == ["Ada Brennan", "Luis Ortega"]
    assert record["body"] == (
        "First paragraph with inline words and a link.\n\n"
        "A subhead\n\n"
        "Second\xa0paragraph.\n\n"
        "After a break."
    )
    sources = record["field_sources"]
    for name in ("title", "published", "authors", "body"):
        assert sources[name] == SOURCE, name
    assert "selector_missed" not in sources


def test_without_selectors_the_heuristics_decide() -> None:
    # Negative control for the test above: the same page, no selectors.
    record = extract_article(PAGE, "https://example.com/a")
    assert record["title"] == "Machine headline"
    assert record["published_raw"] == "2020-01-01T00:00:00Z"
    assert record["field_sources"]["title"] == "json-ld"
    assert "Sign up for the newsletter" in record["body"]


def test_remove_deletes_elements_before_metadata_and_body_are_read() -> None:
    selectors = compile_selectors({"remove": ["h1", "//script[@type='application/ld+json']"]})
    record = extract_article(PAGE, "https://example.com/a", selectors=selectors)
    # Neither the JSON-LD headline nor the <h1> is there to be read any more.
    assert record["title"] == "Social headline"
    assert record["field_sources"]["title"] == "meta:og:title"


def test_remove_with_css_keeps_the_text_after_the_removed_element() -> None:
    html = "<html><body><div class='t'><p>Kept <span class='ad'>AD</span> tail.</p></div></body>"
    selectors = compile_selectors({"body": ".t", "remove": ["span.ad"]})
    assert extract_article(html, "https://example.com/a", selectors=selectors)["body"] == (
        "Kept tail."
    )


def test_a_body_selector_that_matches_nothing_falls_back_and_says_so() -> None:
    selectors = compile_selectors({"body": "div.story-body", "title": "h1"})
    record = extract_article(PAGE, "https://example.com/a", selectors=selectors)
    assert "First paragraph with inline words" in record["body"]
    assert record["field_sources"]["body"] == "trafilatura"
    assert record["field_sources"]["selector_missed"] == ["body"]
    assert record["title"] == "Page headline"
    assert record["field_sources"]["title"] == SOURCE


def test_attribute_and_text_pseudo_elements_select_strings() -> None:
    selectors = compile_selectors(
        {"published": "meta[itemprop=dateModified]::attr(content)", "title": "span.hed::text"}
    )
    record = extract_article(PAGE, "https://example.com/a", selectors=selectors)
    assert record["published_raw"] == "2026-11-25T00:00:00Z"
    assert record["title"] == "Selected headline"


def test_scraped_markup_in_a_selected_body_stays_text() -> None:
    html = (
        "<html><body><div class='t'><p>&lt;script&gt;alert(1)&lt;/script&gt; is text.</p>"
        "<script>alert(2)</script></div></body></html>"
    )
    selectors = compile_selectors({"body": ".t"})
    body = extract_article(html, "https://example.com/a", selectors=selectors)["body"]
    assert body == "<script>alert(1)</script> is text."  # the page's words, not its scripts


# --- in a crawl ------------------------------------------------------------------------------

GAZETTE_SELECTORS = """
[sites.gazette.selectors]
body = "div.story-text"
title = "//h2[@class='hed']"
published = "time.stamp"
authors = ".who"
remove = [".related", "//div[@class='ad-slot']"]
"""


@pytest.fixture
def gazette(tmp_path: Path) -> Iterator[SiteServer]:
    root = tmp_path / "gazette"
    shutil.copytree(SITE_DIR / "gazette", root)
    with SiteServer(root, host="127.0.0.5") as server:
        yield server


def crawl_gazette(tmp_path: Path, server: SiteServer, selectors: str) -> Path:
    sites = tmp_path / "sites.toml"
    sites.write_text(
        "[defaults]\ndownload_delay = 0\nconcurrency = 4\n"
        f'[sites.gazette]\nfeeds = ["{server.url("/feed.xml")}"]\n{selectors}',
        encoding="utf-8",
    )
    db = tmp_path / "archive.db"
    result = run_cli(
        "crawl", "--sites", str(sites), "--db", str(db), "-s", "CLOSESPIDER_TIMEOUT=60"
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return db


def archived(db: Path) -> dict[str, dict[str, object]]:
    with sqlite3.connect(db) as conn:
        conn.row_factory = sqlite3.Row
        found = conn.execute("select * from articles").fetchall()
    return {row["url"].rsplit("/", 1)[-1]: dict(row) for row in found}


def test_crawl_archives_the_fields_the_site_selectors_point_at(
    gazette: SiteServer, tmp_path: Path
) -> None:
    articles = archived(crawl_gazette(tmp_path, gazette, GAZETTE_SELECTORS))
    assert len(articles) == 3
    harbor = articles["harbor-dredging-plan-approved.html"]
    assert harbor["title"] == "Harbor dredging plan approved after two-year review"
    assert json.loads(str(harbor["authors"])) == ["Ada Brennan", "Luis Ortega"]
    assert harbor["published_raw"] == "2026-11-24T09:15:00-06:00"
    assert harbor["published"] == "2026-11-24T15:15:00+00:00"
    body = str(harbor["body"])
    assert body.startswith("The Lakeport Harbor Commission on Monday approved")
    assert "\n\nWhat comes next\n\nDredging is set to start in April" in body
    for removed in ("Related: Anglers rally", "Advertisement", "Reader comments", "thirty years"):
        assert removed not in body
    sources = json.loads(str(harbor["field_sources"]))
    assert {sources[name] for name in ("title", "authors", "published", "body")} == {SOURCE}

    # A page the body selector misses is extracted as usual, and says so.
    ferry = articles["ferry-adds-winter-saturday-crossing.html"]
    assert str(ferry["body"]).startswith("The Lakeport ferry will run a Saturday crossing")
    ferry_sources = json.loads(str(ferry["field_sources"]))
    assert ferry_sources["body"] == "trafilatura"
    assert "body" in ferry_sources["selector_missed"]


def test_crawl_without_selectors_archives_what_the_heuristics_find(
    gazette: SiteServer, tmp_path: Path
) -> None:
    # Negative control for the test above: the same site, no selectors table.
    harbor = archived(crawl_gazette(tmp_path, gazette, ""))["harbor-dredging-plan-approved.html"]
    assert harbor["title"] == "Council to vote on harbor dredging"
    assert harbor["published_raw"] == "2026-10-01T08:00:00-05:00"
    assert json.loads(str(harbor["field_sources"]))["body"] != SOURCE
