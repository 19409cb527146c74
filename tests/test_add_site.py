"""``newsarchive add-site``: real loopback sites built in tmp_path, the real command line."""

from __future__ import annotations

import shutil
import socket
import sqlite3
from typing import TYPE_CHECKING

import pytest

from crawler.demo.server import SiteServer
from crawler.sites import load_sites, read_toml
from crawler.sites_file import site_domains, slug_for, toml_string
from tests.conftest import SITE_DIR, run_cli

if TYPE_CHECKING:
    from pathlib import Path

ARTICLES = (
    "/2018/06/19/portvale-council-approves-twinning-pact-with-israeli-town/",
    "/2018/06/20/oakridge-county-expands-summer-camp-scholarships/",
)
RSS_LINK = '<link rel="alternate" type="application/rss+xml" title="Feed" href="{href}">'
DEFAULTS = """# Sites we archive. Keep this comment.
[defaults]
user_agent = "newsarchive-tests/1.0 (+http://127.0.0.1/)"
download_delay = 0   # loopback: no need to wait
concurrency = 4
"""
EXISTING = (
    DEFAULTS
    + """
# The ledger: checked by hand.
[sites.ledger]
name = "The Ledger"
start_urls = ["https://ledger.example/"]

[sites.ledger.selectors]
body = "div.story"   # its markup is odd"""  # no final newline: the append must add one
)


def home_page(links: str = "", title: str = "Harbor Weekly") -> str:
    teasers = "".join(f'<h2><a href="{{{{BASE}}}}{path}">Story</a></h2>\n' for path in ARTICLES)
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{title}</title>
<meta property="og:site_name" content="Harbor Weekly News">
{links}
</head><body><main>{teasers}</main></body></html>
"""


def rss(*paths: str) -> str:
    items = "".join(
        f"<item><title>Story</title><link>{{{{BASE}}}}{path}</link></item>" for path in paths
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>{items}</channel></rss>'
    )


def atom() -> str:
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        "<title>Harbor</title></feed>"
    )


def urlset(*paths: str) -> str:
    urls = "".join(f"<url><loc>{{{{BASE}}}}{path}</loc></url>" for path in paths)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'
    )


def make_site(root: Path, files: dict[str, str]) -> Path:
    """A site folder: the two fixture articles, plus ``files`` (path -> text)."""
    for path in ARTICLES:
        shutil.copytree(SITE_DIR / "wp" / path.strip("/"), root / path.strip("/"))
    for path, text in files.items():
        file = root / path.strip("/")
        if path.endswith("/"):
            file = file / "index.html"
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text(text, encoding="utf-8")
    return root


@pytest.fixture
def full_site(tmp_path: Path) -> SiteServer:
    """A page declaring an RSS and an Atom feed, a robots.txt naming a sitemap."""
    links = RSS_LINK.format(href="/feed.xml") + (
        '\n<link rel="alternate" type="application/atom+xml" href="{{BASE}}/atom.xml">'
    )
    root = make_site(
        tmp_path / "site",
        {
            "/index.html": home_page(links),
            "/feed.xml": rss(*ARTICLES),
            "/atom.xml": atom(),
            "/robots.txt": "User-agent: *\nDisallow: /private/\nSitemap: {{BASE}}/sitemap.xml\n",
            "/sitemap.xml": urlset(*ARTICLES),
            "/sitemap_index.xml": urlset(*ARTICLES),  # there, but robots.txt names another
            "/rss.xml": rss(*ARTICLES),  # there, but the page declares its feeds
        },
    )
    with SiteServer(root) as server:
        yield server


def add_site(url: str, sites: Path, *args: str):
    return run_cli("add-site", url, "--sites", str(sites), *args)


def test_declared_feeds_and_robots_sitemaps_are_the_new_table(full_site, tmp_path):
    sites = tmp_path / "sites.toml"
    result = add_site(full_site.url("/"), sites, "--slug", "harbor")
    assert result.returncode == 0, result.stderr
    feed, feed2, sitemap = (full_site.url(p) for p in ("/feed.xml", "/atom.xml", "/sitemap.xml"))
    assert result.stdout.splitlines() == [
        f"feed     {feed}",
        f"feed     {feed2}",
        f"sitemap  {sitemap}",
        f"added [sites.harbor] to {sites}",
        f"crawl it: newsarchive crawl harbor --sites {sites}",
    ]
    site = load_sites(sites)["harbor"]
    assert site.name == "Harbor Weekly News"  # og:site_name before <title>
    assert site.feeds == (feed, feed2)
    assert site.sitemaps == (sitemap,)
    assert site.start_urls == (full_site.url("/"),)
    assert site.allowed_domains == ("127.0.0.1",)
    for guessed in ("/rss.xml", "/feed", "/sitemap_index.xml", "/news-sitemap.xml"):
        assert full_site.hits(guessed) == 0, guessed


def test_common_paths_are_probed_when_nothing_is_declared(tmp_path):
    root = make_site(
        tmp_path / "site",
        {"/index.html": home_page(), "/feed.xml": rss(*ARTICLES), "/news-sitemap.xml": urlset()},
    )
    sites = tmp_path / "sites.toml"
    with SiteServer(root) as server:
        result = add_site(server.url("/"), sites, "--slug", "harbor")
        assert result.returncode == 0, result.stderr
        site = load_sites(sites)["harbor"]
        assert site.feeds == (server.url("/feed.xml"),)
        assert site.sitemaps == (server.url("/news-sitemap.xml"),)
        assert server.hits("/feed") == 1  # probed, 404
        assert server.hits("/atom.xml") == 0  # /feed.xml was found first: enough
        assert server.hits("/sitemap.xml") == 1


def test_a_declared_link_that_is_not_a_feed_is_not_kept(tmp_path):
    links = "\n".join(
        (
            RSS_LINK.format(href="/news.html"),
            RSS_LINK.format(href="/gone.xml"),
            RSS_LINK.format(href="/feed.xml"),
            (
                '<link rel="alternate" type="application/rss+xml" title="Comments Feed"'
                ' href="/comments/feed/">'
            ),
        )
    )
    root = make_site(
        tmp_path / "site",
        {
            "/index.html": home_page(links),
            "/news.html": home_page(),
            "/feed.xml": rss(*ARTICLES),
            "/comments/feed/index.html": rss(),
        },
    )
    sites = tmp_path / "sites.toml"
    with SiteServer(root) as server:
        result = add_site(server.url("/"), sites, "--slug", "harbor")
        assert result.returncode == 0, result.stderr
        assert f"skipped  {server.url('/news.html')}: not a feed (an HTML page)" in result.stdout
        assert f"skipped  {server.url('/gone.xml')}: HTTP 404" in result.stdout
        assert f"skipped  {server.url('/comments/feed/')}: a comments feed" in result.stdout
        assert load_sites(sites)["harbor"].feeds == (server.url("/feed.xml"),)
        assert server.hits("/comments/feed/") == 0
        assert server.hits("/rss.xml") == 0  # a declared feed was one: no guessing


def test_existing_text_and_comments_are_kept_byte_for_byte(full_site, tmp_path):
    sites = tmp_path / "sites.toml"
    sites.write_bytes(EXISTING.encode())
    result = add_site(full_site.url("/"), sites, "--slug", "harbor", "--name", "Harbor")
    assert result.returncode == 0, result.stderr
    text = sites.read_bytes().decode()
    assert text.startswith(EXISTING)
    assert text[len(EXISTING) :] == (
        "\n\n[sites.harbor]\n"
        'name = "Harbor"\n'
        f'feeds = ["{full_site.url("/feed.xml")}", "{full_site.url("/atom.xml")}"]\n'
        f'sitemaps = ["{full_site.url("/sitemap.xml")}"]\n'
        f'start_urls = ["{full_site.url("/")}"]\n'
        'allowed_domains = ["127.0.0.1"]\n'
    )
    assert set(load_sites(sites)) == {"ledger", "harbor"}
    assert full_site.requests[0].user_agent.startswith("newsarchive-tests/1.0")  # [defaults]


def test_windows_line_endings_stay_windows_line_endings(full_site, tmp_path):
    sites = tmp_path / "sites.toml"
    old = DEFAULTS.replace("\n", "\r\n").encode()
    sites.write_bytes(old)
    assert add_site(full_site.url("/"), sites, "--slug", "harbor").returncode == 0
    new = sites.read_bytes()
    assert new.startswith(old + b"\r\n[sites.harbor]\r\n")
    assert b"\n" not in new.replace(b"\r\n", b"")


def test_a_slug_that_exists_is_a_usage_error_and_the_file_is_unchanged(full_site, tmp_path):
    sites = tmp_path / "sites.toml"
    sites.write_bytes(EXISTING.encode())
    result = add_site(full_site.url("/"), sites, "--slug", "ledger")
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"Error: {sites}: site 'ledger' exists already; give another with --slug"
    ]
    assert sites.read_bytes() == EXISTING.encode()
    assert full_site.requests == []  # refused before fetching anything


def test_an_unreachable_host_fails_with_one_line(tmp_path):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sites = tmp_path / "sites.toml"
    result = add_site(f"http://127.0.0.1:{port}/", sites)
    assert result.returncode == 1
    [line] = result.stderr.splitlines()
    assert line.startswith(f"Error: http://127.0.0.1:{port}/: connection refused")
    assert not sites.exists()


def test_robots_txt_disallowing_the_page_fails_and_says_so(tmp_path):
    root = make_site(
        tmp_path / "site",
        {"/index.html": home_page(), "/robots.txt": "User-agent: *\nDisallow: /\n"},
    )
    sites = tmp_path / "sites.toml"
    with SiteServer(root) as server:
        result = add_site(server.url("/"), sites)
    assert result.returncode == 1
    assert result.stderr.startswith(f"Error: {server.url('/')}: robots.txt disallows it")
    assert not sites.exists()


def test_dry_run_prints_the_table_and_writes_nothing(full_site, tmp_path):
    sites = tmp_path / "sites.toml"
    result = add_site(full_site.url("/"), sites, "--slug", "harbor", "--dry-run")
    assert result.returncode == 0, result.stderr
    table = result.stdout.split(f"would add to {sites}:\n\n")[1]
    assert read_toml(table)["sites"]["harbor"]["sitemaps"] == [full_site.url("/sitemap.xml")]
    assert not sites.exists()
    assert not list(tmp_path.glob(".sites.toml.*"))


def test_a_site_without_feeds_or_sitemaps_starts_from_its_page(tmp_path):
    root = make_site(tmp_path / "site", {"/index.html": home_page(title="Plain &amp; Simple")})
    sites = tmp_path / "sites.toml"
    with SiteServer(root) as server:
        result = add_site(server.url("/"), sites)
    assert result.returncode == 0, result.stderr
    assert f"no feed or sitemap found: the crawl starts from {server.url('/')}" in result.stdout
    slug = "127-0-0-1"  # from the host name
    assert f"added [sites.{slug}] to {sites}" in result.stdout
    site = load_sites(sites)[slug]
    assert (site.feeds, site.sitemaps, site.start_urls) == ((), (), (server.url("/"),))


def test_names_with_quotes_and_backslashes_are_escaped(full_site, tmp_path):
    name = 'The "Harbor" \\ Weekly\tÉdition'
    sites = tmp_path / "sites.toml"
    result = add_site(full_site.url("/"), sites, "--slug", "harbor", "--name", name)
    assert result.returncode == 0, result.stderr
    assert load_sites(sites)["harbor"].name == name


def test_a_sites_file_that_does_not_load_is_left_alone(full_site, tmp_path):
    sites = tmp_path / "sites.toml"
    broken = b'[sites.ledger]\nname = "unterminated\n'
    sites.write_bytes(broken)
    result = add_site(full_site.url("/"), sites, "--slug", "harbor")
    assert result.returncode == 2
    [line] = result.stderr.splitlines()
    assert line.startswith(f"Error: {sites}: not valid TOML: ")
    assert sites.read_bytes() == broken
    assert full_site.requests == []


@pytest.mark.parametrize("url", ["example.com", "ftp://example.com/", "file:///etc/passwd"])
def test_a_url_that_is_not_http_is_a_usage_error(url, tmp_path):
    result = add_site(url, tmp_path / "sites.toml")
    assert result.returncode == 2
    assert result.stderr == f"Error: {url!r}: not an http(s) URL\n"


def test_slug_and_domains_come_from_the_host_name():
    assert slug_for("https://www.example.co.uk/news/") == "example"
    assert slug_for("https://the-ledger.example.com/") == "example"
    assert slug_for("http://127.0.0.1:8000/") == "127-0-0-1"
    assert slug_for("https://www.süddeutsche.de/") == "suddeutsche"
    hosts = ["https://www.example.com/", "https://feeds.example.com/rss", "https://cdn.other.net/x"]
    assert site_domains(hosts) == ["cdn.other.net", "example.com"]
    assert toml_string('a "b" \\ c\n\x7f') == '"a \\"b\\" \\\\ c\\n\\u007F"'


def test_a_crawl_of_the_added_site_archives_its_articles(full_site, tmp_path):
    sites = tmp_path / "sites.toml"
    sites.write_text(DEFAULTS, encoding="utf-8")  # [defaults] only: nothing to crawl yet
    assert run_cli("crawl", "--sites", str(sites)).returncode == 2
    added = add_site(full_site.url("/"), sites, "--slug", "harbor")
    assert added.returncode == 0, added.stderr
    db = tmp_path / "archive.db"
    crawl = run_cli(
        "crawl", "harbor", "--sites", str(sites), "--db", str(db), "-s", "CLOSESPIDER_TIMEOUT=60"
    )
    assert crawl.returncode == 0, crawl.stdout + crawl.stderr
    with sqlite3.connect(db) as conn:
        rows = conn.execute("select url, site, site_name from articles order by url").fetchall()
    assert rows == [(full_site.url(path), "harbor", "Harbor Weekly News") for path in ARTICLES]


def test_a_linked_sites_file_is_changed_where_it_is_with_its_permissions(full_site, tmp_path):
    real = tmp_path / "etc" / "sites.toml"
    real.parent.mkdir()
    real.write_text(DEFAULTS, encoding="utf-8")
    real.chmod(0o640)
    link = tmp_path / "sites.toml"
    link.symlink_to(real)
    assert add_site(full_site.url("/"), link, "--slug", "harbor").returncode == 0
    assert link.is_symlink()
    assert "[sites.harbor]" in real.read_text(encoding="utf-8")
    assert real.stat().st_mode & 0o777 == 0o640
    assert sorted(p.name for p in real.parent.iterdir()) == ["sites.toml"]  # no temp file left
