"""Canonical URLs that name the home page, a section or a listing are not an article's identity."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from crawler.archive import open_archive
from crawler.demo.server import SiteServer
from crawler.sites import parse_sites
from pipelines.normalize import names_a_listing, trusted_canonical
from tests.conftest import SITE_DIR
from tests.test_clusters import LOOPBACK_DEFAULTS, crawl

if TYPE_CHECKING:
    from pathlib import Path

PAGE = "https://news.example/news/2026/11/levee-repairs-approved.html"
STORIES = (
    "riverton-council-oks-levee-fix-before-winter",
    "lower-bend-homeowners-could-get-buyout-offers",
    "millrace-shops-back-in-business",
    "flood-insurance-premiums-to-climb-along-cane-river",
    "volunteers-fill-sandbags-as-cane-river-rises",
)


@pytest.mark.parametrize(
    "canonical",
    [
        "https://news.example/",
        "https://news.example",
        "/",
        "https://news.example/index.html",
        "https://news.example/?utm_source=rss",
        "https://news.example/news/",  # the section the page is in
        "https://news.example/news/2026/",
        "https://news.example/category/city/",
        "https://news.example/tag/flooding/",
        "https://news.example/section/city",
        "https://news.example/author/mara-lind/",
        "https://news.example/topics/",
        "https://news.example/city/page/2/",
        "https://other.example/news/2026/11/levee-repairs-approved.html",  # another site
    ],
)
def test_canonical_naming_a_listing_or_another_site_is_not_trusted(canonical: str) -> None:
    assert trusted_canonical(canonical, PAGE, None) is None


@pytest.mark.parametrize(
    "canonical",
    [
        PAGE,
        "https://news.example/news/2026/11/levee-repairs-approved.html?utm_medium=x",
        "https://news.example/2026/11/01/levee-repairs-approved/",  # the article moved
        "https://news.example/levee-repairs-approved/",  # WordPress /%postname%/ permalinks
        "https://news.example/news/2026/11/levee-repairs-approved.html?page=all",
    ],
)
def test_canonical_naming_an_article_is_trusted(canonical: str) -> None:
    assert trusted_canonical(canonical, PAGE, None) == canonical.replace("?utm_medium=x", "")


def test_the_sites_own_start_urls_and_feeds_are_listings() -> None:
    sites = parse_sites(
        {
            "sites": {
                "news": {
                    "start_urls": ["https://news.example/latest"],
                    "feeds": ["https://news.example/rss"],
                }
            }
        }
    )
    site = sites["news"]
    assert names_a_listing("https://news.example/latest", PAGE, site)
    assert names_a_listing("https://news.example/rss?utm_source=x", PAGE, site)
    assert not names_a_listing("https://news.example/latest", PAGE, None)
    assert trusted_canonical("https://news.example/latest", PAGE, site) is None
    assert trusted_canonical("https://news.example/latest-news-story", PAGE, site) == (
        "https://news.example/latest-news-story"
    )


def test_articles_declaring_the_home_page_canonical_stay_apart(
    tmp_path: Path, archive_path: Path
) -> None:
    """Every observer page declares ``{{BASE}}/`` as rel=canonical and og:url."""
    server = SiteServer(SITE_DIR / "observer", host="127.0.0.1").start()
    try:
        crawl(
            tmp_path,
            f'{LOOPBACK_DEFAULTS}\n[sites.observer]\nfeeds = ["{server.url("/feed.xml")}"]\n',
            archive_path,
        )
    finally:
        server.stop()
    db = open_archive(archive_path)
    articles = db.execute("select url, canonical_url, title from articles order by url").fetchall()
    assert sorted(url for url, _, _ in articles) == sorted(
        server.url(f"/stories/{slug}/") for slug in STORIES
    )
    assert len({title for _, _, title in articles}) == len(STORIES)
    assert all(canonical is None for _, canonical, _ in articles)
    home = (server.url("/"), server.base_url)
    placeholders = ", ".join("?" for _ in home)
    query = f"select count(*) from article_urls where url in ({placeholders})"
    assert db.execute(query, home).fetchone() == (0,)
