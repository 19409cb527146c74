"""Tests for crawler/extract/access.py: paywalls, consent walls, scripts, cut texts."""

from __future__ import annotations

import json
import shutil
import sqlite3
from typing import TYPE_CHECKING

import pytest
from scrapy.utils.test import get_crawler

from crawler.demo.server import SiteServer
from crawler.extract.access import AccessSignals, decide_access, read_signals
from crawler.extract.article import extract_article
from crawler.items import ArticleItem, FetchedPage
from pipelines.boilerplate import StripBoilerplatePipeline
from pipelines.normalize import NormalizeFieldsPipeline
from pipelines.validate import ValidateArticlePipeline
from tests.conftest import SITE_DIR, run_cli

if TYPE_CHECKING:
    from pathlib import Path

URL = "https://example.com/news/a"
SENTENCES = [
    "The harbor commission met on Monday to weigh the dredging plan for the east channel.",
    "Shipping firms argued that deeper water would let grain barges dock at full load.",
    "Anglers said the spoil would cloud the shallows where perch spawn every spring.",
    "The chair promised a decision before the end of the year after two more hearings.",
    "A consultant's report put the cost at eleven million dollars over three seasons.",
    "Residents of the point asked for a noise limit on the dredge during the night.",
]
WHOLE = [" ".join(SENTENCES[i:] + SENTENCES[:i]) for i in range(len(SENTENCES))]


def page(
    paragraphs: list[str],
    *,
    jsonld: dict[str, object] | None = None,
    head: str = "",
    extra: str = "",
) -> str:
    script = ""
    if jsonld is not None:
        data = {"@type": "NewsArticle", "headline": "Harbor plan", **jsonld}
        script = f'<script type="application/ld+json">{json.dumps(data)}</script>'
    text = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f"<html><head><title>Harbor plan</title>{head}{script}</head><body>"
        f"<article><h1>Harbor plan</h1>{text}</article>{extra}</body></html>"
    )


def access(html: str) -> tuple[str, str | None]:
    record = extract_article(html, URL)
    return record["access"], record["field_sources"].get("access")


# --- declared by the page --------------------------------------------------------------------


@pytest.mark.parametrize("flag", [False, "false", "False"])
def test_declared_not_free_is_paywalled_even_with_the_whole_text(flag: object) -> None:
    assert access(page(WHOLE, jsonld={"isAccessibleForFree": flag})) == (
        "paywalled",
        "json-ld:isAccessibleForFree",
    )


def test_a_paywalled_part_is_paywalled() -> None:
    part = {"@type": "WebPageElement", "isAccessibleForFree": False, "cssSelector": ".locked"}
    assert access(page(WHOLE, jsonld={"hasPart": [part]})) == ("paywalled", "json-ld:hasPart")


@pytest.mark.parametrize("tier", ["locked", "metered", "Locked"])
def test_content_tier_locked_or_metered_is_paywalled(tier: str) -> None:
    head = f'<meta property="article:content_tier" content="{tier}">'
    assert access(page(WHOLE, head=head)) == ("paywalled", "meta:article:content_tier")


def test_a_free_page_is_open() -> None:
    # Negative control for the three tests above.
    part = {"@type": "WebPageElement", "isAccessibleForFree": True, "cssSelector": ".body"}
    head = '<meta property="article:content_tier" content="free">'
    html = page(WHOLE, jsonld={"isAccessibleForFree": True, "hasPart": part}, head=head)
    assert access(html) == ("open", None)


# --- markers explain a short body, and never flag a whole one ---------------------------------

TEASER = [SENTENCES[0]]


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ('<div class="article-paywall__box">Subscribe</div>', ("paywalled", "html:paywall")),
        ('<div id="piano-container"></div>', ("paywalled", "html:paywall")),
        ('<div class="tp-modal"></div>', ("paywalled", "html:paywall")),
        ('<div id="onetrust-consent-sdk"></div>', ("consent_wall", "html:consent")),
        ('<div id="sp_message_container_123"></div>', ("consent_wall", "html:consent")),
        ('<div class="qc-cmp2-container"></div>', ("consent_wall", "html:consent")),
    ],
)
def test_a_wall_marker_explains_a_short_body(extra: str, expected: tuple[str, str]) -> None:
    assert access(page(TEASER, extra=extra)) == expected


@pytest.mark.parametrize(
    "extra",
    [
        '<div id="piano-container"></div>',
        '<div id="onetrust-consent-sdk"></div>',
        '<div class="parameter-list"></div>',
    ],
)
def test_a_wall_marker_on_a_whole_article_is_open(extra: str) -> None:
    assert access(page(WHOLE, extra=extra)) == ("open", None)


def test_a_short_body_with_no_marker_is_left_to_the_text_rules() -> None:
    assert access(page(TEASER, extra='<div class="parameter-list"></div>')) == ("open", None)


def test_noscript_asking_for_javascript_with_no_text_is_js_required() -> None:
    html = (
        "<html><head><title>App</title></head><body><div id='root'></div>"
        "<noscript>You need to enable JavaScript to run this app.</noscript></body></html>"
    )
    assert access(html) == ("js_required", "html:noscript")


def test_noscript_on_a_whole_article_is_open() -> None:
    assert access(page(WHOLE, extra="<noscript>Please enable JavaScript.</noscript>")) == (
        "open",
        None,
    )


# --- far shorter than the page promises ------------------------------------------------------


def test_body_far_below_the_promised_word_count_is_truncated() -> None:
    html = page(WHOLE[:2], jsonld={"wordCount": 1200})
    assert access(html) == ("truncated", "json-ld:wordCount")


def test_body_near_the_promised_word_count_is_open() -> None:
    assert access(page(WHOLE, jsonld={"wordCount": "120"})) == ("open", None)


def test_truncated_with_a_paywall_marker_is_paywalled() -> None:
    html = page(WHOLE[:2], jsonld={"wordCount": 1200}, extra='<div class="paywall"></div>')
    assert access(html) == ("paywalled", "html:paywall")


def test_body_far_shorter_than_its_article_body_is_truncated() -> None:
    rest = [
        f"Paragraph {n} of the text that only subscribers get to read in full." for n in range(40)
    ]
    full = "\n".join(WHOLE[:2] + rest)
    assert access(page(WHOLE[:2], jsonld={"articleBody": full})) == (
        "truncated",
        "json-ld:articleBody",
    )


def test_another_articles_body_promises_nothing() -> None:
    other = " ".join(f"Unrelated sentence number {n} about the county fair." for n in range(80))
    assert access(page(WHOLE[:2], jsonld={"articleBody": other})) == ("open", None)


def test_decide_access_order() -> None:
    declared = AccessSignals(declared_paywall="json-ld:isAccessibleForFree", consent_marker=True)
    assert decide_access(declared, "x " * 2000) == ("paywalled", "json-ld:isAccessibleForFree")
    both = AccessSignals(paywall_marker=True, consent_marker=True, js_notice=True)
    assert decide_access(both, "short") == ("paywalled", "html:paywall")
    consent = AccessSignals(consent_marker=True, js_notice=True)
    assert decide_access(consent, "") == ("consent_wall", "html:consent")


def test_read_signals_ignores_markers_outside_the_body() -> None:
    from lxml import html as lxml_html

    document = lxml_html.document_fromstring(
        '<html><head><meta name="x" class="paywall"></head><body><p>Text</p></body></html>'
    )
    assert read_signals(document, None) == AccessSignals()


# --- through the pipeline --------------------------------------------------------------------


def test_pipeline_archives_a_walled_page_with_its_flag_and_a_whole_one_open() -> None:
    crawler = get_crawler(settings_dict={"ARCHIVE_MIN_BODY_CHARS": 200})
    stages = [
        StripBoilerplatePipeline(crawler=crawler, min_body_chars=200),
        NormalizeFieldsPipeline(),
        ValidateArticlePipeline(200, crawler),
    ]
    pages = {
        "teaser": page(TEASER, extra='<div id="onetrust-consent-sdk"></div>'),
        "declared": page(WHOLE, jsonld={"isAccessibleForFree": False}),
        "cut": page(WHOLE[:2], jsonld={"wordCount": 1500}),
        "whole": page(WHOLE, extra='<div id="onetrust-consent-sdk"></div>'),
    }
    found = {}
    for name, html in pages.items():
        item = ArticleItem(
            url=URL + name,
            site="example",
            page=FetchedPage(
                url=URL + name,
                status=200,
                headers={},
                body=html.encode(),
                text=html,
                fetched_at="2026-11-20T12:00:00+00:00",
            ),
        )
        for stage in stages:
            item = stage.process_item(item)
        found[name] = (item["access"], item["field_sources"].get("access"))
    assert found == {
        "teaser": ("consent_wall", "html:consent"),
        "declared": ("paywalled", "json-ld:isAccessibleForFree"),
        "cut": ("truncated", "json-ld:wordCount"),
        "whole": ("open", None),
    }


def test_crawl_archives_a_paywalled_teaser_with_its_flag(tmp_path: Path) -> None:
    root = tmp_path / "gazette"
    shutil.copytree(SITE_DIR / "gazette", root)
    with SiteServer(root, host="127.0.0.5") as server:
        sites = tmp_path / "sites.toml"
        feed = server.url("/feed.xml")
        sites.write_text(
            f'[defaults]\ndownload_delay = 0\n[sites.gazette]\nfeeds = ["{feed}"]\n',
            encoding="utf-8",
        )
        db = tmp_path / "archive.db"
        result = run_cli("crawl", "--sites", str(sites), "--db", str(db))
    assert result.returncode == 0, result.stdout + result.stderr
    with sqlite3.connect(db) as conn:
        found = dict(
            conn.execute(
                "select substr(url, instr(url, '/stories/') + 9), access from articles"
            ).fetchall()
        )
    assert found == {
        "harbor-dredging-plan-approved.html": "open",
        "school-budget-property-tax.html": "paywalled",
        "ferry-adds-winter-saturday-crossing.html": "open",
    }
