"""Tests for spiders/pages.py: what makes a page an article, and why the others are skipped.

The pages are the fixture sites' own files (``tests/site/``, the demo site), read as a spider
gets them; the end-to-end test crawls them from the loopback server.
"""

from __future__ import annotations

import json
import sqlite3
from typing import TYPE_CHECKING

import pytest
from scrapy.http import HtmlResponse

from crawler.sites import load_sites
from spiders.pages import Verdict, article_verdict, teaser_targets, teasers_without_body
from tests.conftest import ROOT, SITE_DIR, FixtureSites, run_cli

if TYPE_CHECKING:
    from pathlib import Path

BASE = "http://127.0.0.1"
BRIEF = "/briefs/fairhaven-eruv-inspection-moves-to-thursdays/"
DEMO_DIR = ROOT / "crawler" / "demo" / "site"


def page(root: Path, path: str) -> HtmlResponse:
    """The fixture file behind ``path`` as the HTML response a spider would get."""
    file = root / path.lstrip("/")
    if path.endswith("/"):
        file = file / "index.html"
    body = file.read_bytes().replace(b"{{BASE}}", BASE.encode())
    return HtmlResponse(BASE + path, body=body, encoding="utf-8")


@pytest.fixture
def wp_site(tmp_path):
    sites = tmp_path / "sites.toml"
    sites.write_text(
        f'[sites.wp]\nfeeds = ["{BASE}/feed.xml"]\ndeny = ["/briefs/denied-"]\n', encoding="utf-8"
    )
    return load_sites(sites)["wp"]


def test_feed_listed_undated_page_without_markup_is_an_article(wp_site):
    response = page(SITE_DIR / "wp", BRIEF)
    verdict = article_verdict(response, wp_site, "feed")
    assert (verdict.article, verdict.reason) == (True, "listed")
    assert article_verdict(response, wp_site, "news-sitemap").article


@pytest.mark.parametrize("listed_by", [None, "sitemap"])
def test_the_same_page_unlisted_or_in_a_plain_sitemap_is_not(wp_site, listed_by):
    verdict = article_verdict(page(SITE_DIR / "wp", BRIEF), wp_site, listed_by)
    assert (verdict.article, verdict.reason) == (False, "no_article_signal")


@pytest.mark.parametrize(
    ("root", "path", "reason"),
    [
        (SITE_DIR / "wp", "/briefs/", "teasers"),  # no listing URL, no markup: its teasers tell
        (SITE_DIR / "wp", "/tag/israel/", "listing_url"),
        (SITE_DIR / "wp", "/", "listing_url"),  # the home page
        (SITE_DIR / "blog", "/page/2/", "listing_url"),
        (SITE_DIR / "paper", "/tag/flooding/", "listing_markup"),  # CollectionPage
        (SITE_DIR / "paper", "/author/mara-lind/", "listing_markup"),  # ProfilePage
    ],
)
def test_a_listed_page_that_says_it_is_a_listing_is_skipped(wp_site, root, path, reason):
    verdict = article_verdict(page(root, path), wp_site, "feed")
    assert (verdict.article, verdict.reason) == (False, reason)


def test_deny_rule_wins_over_a_feed_listing(wp_site, tmp_path):
    response = page(SITE_DIR / "wp", BRIEF)
    denied = HtmlResponse(BASE + "/briefs/denied-story/", body=response.body, encoding="utf-8")
    assert article_verdict(denied, wp_site, "feed").reason == "denied"


def test_page_markup_decides_before_the_listing(wp_site):
    article = "/news/2026/11/marathon-draws-record-field-despite-cold-snap.html"
    verdict = article_verdict(page(SITE_DIR / "paper", article), wp_site, None)
    assert (verdict.article, verdict.reason) == (True, "og_type")


def fixture_pages(root: Path, pattern: str) -> list[str]:
    return sorted(
        "/" + str(file.parent.relative_to(root)) + "/"
        if file.name == "index.html"
        else "/" + str(file.relative_to(root))
        for file in root.glob(pattern)
    )


ARTICLES = (
    [(SITE_DIR / "wp", path) for path in fixture_pages(SITE_DIR / "wp", "20*/**/index.html")]
    + [(SITE_DIR / "paper", path) for path in fixture_pages(SITE_DIR / "paper", "news/**/*.html")]
    + [(SITE_DIR / "blog", path) for path in fixture_pages(SITE_DIR / "blog", "posts/*/index.html")]
    + [(DEMO_DIR, path) for path in fixture_pages(DEMO_DIR, "20*/**/index.html")]
)


def test_there_are_fixture_articles_to_check():
    assert len(ARTICLES) == 7 + 8 + 6 + 22


@pytest.mark.parametrize(("root", "path"), ARTICLES)
def test_no_fixture_article_has_many_teasers_and_no_body(root, path):
    assert not teasers_without_body(page(root, path))


@pytest.mark.parametrize(
    "path", ["/", "/news/", "/sports/", "/culture/", "/business/", "/author/jane-doe/"]
)
def test_demo_section_fronts_have_many_teasers_and_no_body(path):
    assert teasers_without_body(page(DEMO_DIR, path))


def test_a_link_to_the_page_itself_is_no_teaser():
    # Every wp article repeats its own headline as a linked <h2>: that is not a teaser.
    article = page(SITE_DIR / "wp", "/2018/06/10/cedarbrook-shul-dedicates-new-library-wing/")
    assert teaser_targets(article) == set()
    assert len(teaser_targets(page(SITE_DIR / "wp", "/briefs/"))) == 6


def test_crawl_archives_a_feed_listed_article_and_counts_why_others_were_skipped(
    fixture_sites: FixtureSites, archive_path, tmp_path
):
    wp = fixture_sites.servers["wp"]
    sites = tmp_path / "briefs.toml"
    sites.write_text(
        f'[defaults]\ndownload_delay = 0\n[sites.wp]\nfeeds = ["{wp.url("/feed-briefs.xml")}"]\n',
        encoding="utf-8",
    )
    stats_file = tmp_path / "stats.json"
    result = run_cli(
        "crawl",
        "--sites",
        str(sites),
        "--db",
        str(archive_path),
        "-s",
        f"ARCHIVE_STATS_FILE={stats_file}",
        "-s",
        "CLOSESPIDER_TIMEOUT=60",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "wp: 1 new, 0 changed, 0 unchanged, 2 skipped as non-articles" in result.stdout
    with sqlite3.connect(archive_path) as conn:
        assert conn.execute("select url, title from articles").fetchall() == [
            (wp.url(BRIEF), "Fairhaven eruv inspection moves to Thursdays")
        ]
        assert conn.execute("select pages_skipped from crawls").fetchall() == [(2,)]
    stats = json.loads(stats_file.read_text(encoding="utf-8"))
    skipped = {name: value for name, value in stats.items() if name.startswith("archive/skipped/")}
    assert skipped == {"archive/skipped/teasers": 1, "archive/skipped/listing_url": 1}
    assert wp.hits("/briefs/") == 1  # fetched and judged, not followed: a feed-only site
    assert wp.hits("/briefs/cedarbrook-library-extends-sunday-hours/") == 0


HEADS = {
    # The head alone settles these two.
    "og_type": '<head><meta property="og:type" content="article"></head><body><h1>x</h1>',
    "json_ld": '<head><meta property="og:type" content="website">'
    '<script type="application/ld+json">{"@type": "NewsArticle"}</script></head><body>',
    # Not these: the page's first og:type is in its body; the head's is not article; a
    # "</head>" inside a script cuts the head short; there is no head.
    "body_og_type": '<head><script type="application/ld+json">{"@type": "NewsArticle"}'
    '</script></head><body><meta property="og:type" content="article"><h1>x</h1>',
    "head_says_website": '<head><meta property="og:type" content="website"></head><body>'
    '<script type="application/ld+json">{"@type": "Article"}</script>',
    "cut_head": '<head><script>var s = "</head>";</script>'
    '<meta property="og:type" content="article"></head><body>',
    "no_head": '<meta property="og:type" content="video.other"><p>Hello</p>',
}


@pytest.mark.parametrize("name", sorted(HEADS))
def test_what_the_head_settles_the_whole_page_would_too(wp_site, name):
    """The head is read first (to spare a whole parse); the verdict is the whole page's."""
    html = f"<!DOCTYPE html><html>{HEADS[name]}</body></html>"
    response = HtmlResponse(f"{BASE}/2026/11/02/a-story/", body=html.encode(), encoding="utf-8")
    # Without "</head>" and "<body>" the head cannot be told apart: the whole page is read.
    unmarked = html.replace("</head>", "").replace("<body>", "")
    whole = HtmlResponse(response.url, body=unmarked.encode(), encoding="utf-8")
    verdict = article_verdict(response, wp_site)
    expected = {
        "og_type": (True, "og_type"),
        "json_ld": (True, "json_ld"),
        "body_og_type": (True, "og_type"),
        "head_says_website": (True, "json_ld"),
        "cut_head": (True, "og_type"),
        "no_head": (False, "non_article_markup"),
    }[name]
    assert (verdict.article, verdict.reason) == expected
    assert article_verdict(whole, wp_site) == verdict


@pytest.mark.parametrize(
    "ld_type", ["NewsArticle", "ReportageNewsArticle", "AnalysisNewsArticle", "BlogPosting"]
)
def test_json_ld_news_article_kinds_make_an_article(wp_site, ld_type):
    """schema.org's NewsArticle subtypes are articles too (a real BBC page says Reportage)."""
    html = (
        '<html><head><meta property="og:type" content="website">'
        f'<script type="application/ld+json">{{"@type":"{ld_type}"}}</script></head>'
        "<body><p>Hello</p></body></html>"
    )
    response = HtmlResponse(f"{BASE}/what-is-nato/", body=html.encode(), encoding="utf-8")
    assert article_verdict(response, wp_site) == Verdict(True, "json_ld")
