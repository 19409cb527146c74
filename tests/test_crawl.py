"""End to end: crawl the three fixture sites through the real CLI into a real archive."""

from __future__ import annotations

import itertools
import json
import sqlite3
import subprocess
import sys
from typing import TYPE_CHECKING

import pytest

from tests.conftest import (
    CLI_TIMEOUT,
    ROOT,
    SEED_PATH,
    FixtureSites,
    crawl_fixture_sites,
    run_cli,
)

if TYPE_CHECKING:
    from pathlib import Path

EXPECTED_ARTICLES = {"wp": 7, "paper": 8, "blog": 6}
NON_ARTICLE_PATHS = ("/tag/", "/author/", "/category/", "/section/", "/page/", "/about/")


# Past every fixture article's next check: a crawl then revisits them all (conditionally).
ALL_DUE = {"NEWSARCHIVE_NOW": "2030-01-01T00:00:00+00:00"}


def crawl(sites: FixtureSites, db: Path, *slugs: str, env: dict[str, str] | None = None):
    return crawl_fixture_sites(sites, db, *slugs, env=env)


def rows(db: Path, sql: str, *params) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql, params).fetchall()


@pytest.fixture
def crawled(fixture_sites: FixtureSites, archive_path: Path) -> FixtureSites:
    crawl(fixture_sites, archive_path)
    return fixture_sites


def test_crawl_archives_every_article_of_each_site_once(crawled, archive_path):
    counts = dict(rows(archive_path, "select site, count(*) from articles group by site"))
    assert counts == EXPECTED_ARTICLES
    assert rows(archive_path, "select count(*) from revisions") == [(21,)]
    assert rows(archive_path, "select count(distinct url) from pages") == [(21,)]
    assert rows(archive_path, "pragma integrity_check") == [("ok",)]
    assert rows(
        archive_path, "select site, finish_reason, exit_code, errors from crawls order by site"
    ) == [("blog", "finished", 0, 0), ("paper", "finished", 0, 0), ("wp", "finished", 0, 0)]


def test_crawl_skips_index_tag_and_author_pages(crawled, archive_path):
    urls = [url for (url,) in rows(archive_path, "select url from articles")]
    assert not [url for url in urls if any(part in url for part in NON_ARTICLE_PATHS)]
    # They were fetched and followed (the blog is reachable only through them), not archived.
    assert crawled.servers["blog"].hits("/page/2/") == 1
    assert crawled.servers["wp"].hits("/tag/israel/") == 0  # a feed-only site follows no links


def test_crawl_finds_articles_only_listed_in_a_sitemap(crawled, archive_path):
    path = "/news/2026/11/transit-adds-late-night-bus-route-to-east-side.html"
    url = crawled.servers["paper"].url(path)
    assert rows(archive_path, "select count(*) from articles where url = ?", url) == [(1,)]


def test_crawl_never_requests_what_robots_txt_disallows(crawled):
    assert crawled.servers["paper"].hits("/private/") == 0
    assert crawled.servers["paper"].hits("/robots.txt") >= 1


def test_robots_txt_holds_for_every_first_request_to_a_host(fixture_sites, archive_path, tmp_path):
    """Requests that wait together for a host's robots.txt are each checked against it."""
    paper = fixture_sites.servers["paper"]
    sites = tmp_path / "first-requests.toml"
    pages = ["/", "/section/city/", "/section/sports/", *(f"/private/?page={n}" for n in range(8))]
    start_urls = ", ".join(f'"{paper.url(path)}"' for path in pages)
    sites.write_text(
        f"[defaults]\ndownload_delay = 0\n[sites.paper]\nstart_urls = [{start_urls}]\n"
    )
    result = run_cli("crawl", "--sites", str(sites), "--db", str(archive_path))
    assert result.returncode == 0, result.stderr
    assert paper.hits("/section/sports/") == 1
    assert [hit.path for hit in paper.requests if hit.path.startswith("/private/")] == []


def test_crawl_summary_reports_counts(fixture_sites, archive_path):
    result = crawl(fixture_sites, archive_path, "blog")
    assert "blog: 6 new, 0 changed, 0 unchanged" in result.stdout
    assert "errors: 0" in result.stdout
    assert "newsarchive serve --db" in result.stdout


def test_second_crawl_writes_no_new_revision(crawled, archive_path):
    before = rows(archive_path, "select id, version, content_hash from articles order by id")
    result = crawl(crawled, archive_path, env=ALL_DUE)
    assert "articles: 0 new, 0 changed, 21 unchanged" in result.stdout
    assert rows(archive_path, "select id, version, content_hash from articles order by id") == (
        before
    )
    assert rows(archive_path, "select count(*) from revisions") == [(21,)]
    assert rows(
        archive_path,
        "select count(*), sum(articles_unchanged) from crawls where finished_at is not null",
    ) == [(6, 21)]


def test_changed_page_writes_exactly_one_new_revision(crawled, archive_path):
    page = crawled.page("blog", "/posts/tomatoes-again/")
    html = page.read_text(encoding="utf-8")
    assert "<p>" in html
    page.write_text(
        html.replace("<p>", "<p>Correction: seven plants, not six. ", 1), encoding="utf-8"
    )

    result = crawl(crawled, archive_path, "blog", env=ALL_DUE)

    assert "blog: 0 new, 1 changed, 5 unchanged" in result.stdout
    url = crawled.servers["blog"].url("/posts/tomatoes-again/")
    ((article_id, version, body),) = rows(
        archive_path, "select id, version, body from articles where url = ?", url
    )
    assert version == 2
    assert body.startswith("Correction: seven plants, not six.")
    revisions = rows(
        archive_path,
        "select version, body from revisions where article_id = ? order by version",
        article_id,
    )
    assert [v for v, _ in revisions] == [1, 2]
    assert not revisions[0][1].startswith("Correction")
    assert rows(archive_path, "select count(*) from revisions") == [(22,)]


def test_seed_article_comes_out_clean(crawled, archive_path, seed_expected):
    url = crawled.servers["wp"].url(SEED_PATH)
    conn = sqlite3.connect(archive_path)
    conn.row_factory = sqlite3.Row
    article = dict(conn.execute("select * from articles where url = ?", [url]).fetchone())
    for field in ("title", "site_name", "published", "description", "source", "language"):
        assert article[field] == seed_expected[field], field
    assert article["body"] == seed_expected["body"]
    for fragment in seed_expected["body_must_not_contain"]:
        assert fragment not in article["body"]
    image = json.loads(article["lead_image"])
    assert image["caption"] == seed_expected["lead_image"]["caption"]
    assert image["credit"] == seed_expected["lead_image"]["credit"]
    assert json.loads(article["field_sources"])["published"] == "html:date-line"


def test_newspaper_metadata_is_normalized(crawled, archive_path):
    path = "/news/2026/11/marathon-draws-record-field-despite-cold-snap.html"
    url = crawled.servers["paper"].url(path)
    conn = sqlite3.connect(archive_path)
    conn.row_factory = sqlite3.Row
    article = conn.execute("select * from articles where url = ?", [url]).fetchone()
    assert json.loads(article["authors"]) == ["Theo Okafor", "Hanna Vesterberg"]
    assert article["published_raw"].endswith("-05:00")
    assert article["published"].endswith("+00:00")
    assert article["site_name"] == "The Riverton Ledger"
    assert article["canonical_url"] == url
    assert "We use cookies" not in article["body"]
    assert "Share this" not in article["body"]


def test_site_given_only_a_sitemap(fixture_sites, archive_path, tmp_path):
    paper = fixture_sites.servers["paper"]
    sites = tmp_path / "only-sitemap.toml"
    sitemap = paper.url("/sitemap.xml")
    sites.write_text(f'[defaults]\ndownload_delay = 0\n[sites.paper]\nsitemaps = ["{sitemap}"]\n')
    result = run_cli("crawl", "--sites", str(sites), "--db", str(archive_path))
    assert result.returncode == 0, result.stderr
    assert rows(archive_path, "select count(*) from articles") == [(8,)]
    assert paper.hits("/sitemap-news.xml") == 1
    assert paper.hits("/section/city/") == 0  # nothing told it to follow links
    news_dated = rows(
        archive_path,
        "select count(*) from articles where json_extract(field_sources, '$.published') "
        "= 'json-ld'",
    )
    assert news_dated == [(8,)]


def request_gaps(server) -> list[float]:
    times = sorted(hit.at for hit in server.requests if hit.path != "/robots.txt")
    return [later - earlier for earlier, later in itertools.pairwise(times)]


def test_crawl_is_polite_per_site_settings(fixture_sites, archive_path, tmp_path):
    blog = fixture_sites.servers["blog"]
    sites = tmp_path / "polite.toml"
    sites.write_text(
        '[sites.blog]\nuser_agent = "PoliteBot/2.0 (+mailto:ops@example.org)"\n'
        f'download_delay = 0.4\nconcurrency = 1\nstart_urls = ["{blog.url("/")}"]\n'
        "allow = ['/posts/[^/]+/$']\n"
    )
    result = run_cli("crawl", "--sites", str(sites), "--db", str(archive_path))
    assert result.returncode == 0, result.stderr
    assert {hit.user_agent for hit in blog.requests} == {"PoliteBot/2.0 (+mailto:ops@example.org)"}
    gaps = request_gaps(blog)
    assert len(gaps) >= 8
    # Scrapy randomizes the delay between 0.5x and 1.5x; AutoThrottle must not start at 5 s.
    assert min(gaps) >= 0.15
    assert max(gaps) < 2.5


def test_crawl_without_delay_is_not_throttled(fixture_sites, archive_path):
    # Negative control for the test above: the same site with download_delay = 0.
    crawl(fixture_sites, archive_path, "blog")
    assert min(request_gaps(fixture_sites.servers["blog"])) < 0.15


@pytest.mark.parametrize(("status", "articles", "exit_code"), [(503, 0, 1), (404, 7, 0)])
def test_robots_txt_server_error_fails_closed_but_missing_robots_allows(
    fixture_sites, archive_path, status, articles, exit_code
):
    paper = fixture_sites.servers["paper"]
    paper.statuses["/robots.txt"] = status
    result = run_cli(
        "crawl",
        "paper",
        "--sites",
        str(fixture_sites.sites_file),
        "--db",
        str(archive_path),
        "-s",
        "RETRY_TIMES=0",
    )
    assert result.returncode == exit_code, result.stdout + result.stderr
    assert rows(archive_path, "select count(*) from articles") == [(articles,)]
    fetched = {hit.path for hit in paper.requests} - {"/robots.txt"}
    if status == 503:
        assert fetched == set()  # not even the start page
        assert result.stderr == (
            f"error {paper.base_url}/: HTTP 503 (robots.txt could not be fetched)\n"
        )
    else:  # no robots.txt: everything allowed (and no Sitemap: line, so 7 of the 8 articles)
        assert "/private/" in fetched


def test_robots_txt_unreachable_fails_closed(tmp_path, archive_path):
    from crawler.demo.server import SiteServer
    from tests.conftest import SITE_DIR

    with SiteServer(SITE_DIR / "blog") as blog:
        sites = tmp_path / "sites.toml"
        sites.write_text(f'[sites.blog]\ndownload_delay = 0\nstart_urls = ["{blog.url("/")}"]\n')
        blog_url = blog.base_url
    # The server is gone: robots.txt and every page are unreachable.
    result = run_cli(
        "crawl", "--sites", str(sites), "--db", str(archive_path), "-s", "RETRY_TIMES=0"
    )
    assert result.returncode == 1
    assert (
        result.stderr
        == f"error {blog_url}/: connection refused (robots.txt could not be fetched)\n"
    )


def test_tracking_parameters_do_not_make_another_article(fixture_sites, archive_path):
    index = fixture_sites.page("blog", "/")
    html = index.read_text(encoding="utf-8")
    decorated = '<a href="/posts/tomatoes-again/?utm_source=newsletter&amp;fbclid=x1#top">again</a>'
    index.write_text(html.replace("</body>", decorated + "</body>"), encoding="utf-8")
    crawl(fixture_sites, archive_path, "blog")
    blog = fixture_sites.servers["blog"]
    assert rows(archive_path, "select count(*) from articles") == [(6,)]
    assert blog.hits("/posts/tomatoes-again/") == 1  # fetched once, at its clean URL


def test_plain_scrapy_crawl_writes_the_archive_and_a_stats_file(
    fixture_sites, archive_path, tmp_path
):
    stats_file = tmp_path / "stats.json"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "scrapy",
            "crawl",
            "news",
            "-a",
            "site=blog",
            "-s",
            f"ARCHIVE_SITES={fixture_sites.sites_file}",
            "-s",
            f"ARCHIVE_PATH={archive_path}",
            "-s",
            f"ARCHIVE_STATS_FILE={stats_file}",
            "-s",
            "LOG_LEVEL=WARNING",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=CLI_TIMEOUT,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    stats = json.loads(stats_file.read_text())
    assert stats["archive/articles/new"] == 6
    assert stats["archive/skipped/listing_url"] == 3  # /, /page/2/, /tags/gardening/
    assert stats["finish_reason"] == "finished"
    assert rows(archive_path, "select count(*) from articles where site = 'blog'") == [(6,)]
