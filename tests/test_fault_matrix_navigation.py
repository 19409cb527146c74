"""Rows 9-11 of the fault matrix: redirect loops, escapes off the site, and spider traps.

Run like the other network rows (``tests.fault_runs``): the real command line against the
fault routes of the loopback ``SiteServer``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

import pytest

from crawler.demo.server import SiteServer
from crawler.urls import identity_url
from tests.fault_runs import (
    archive,
    crawl,
    fault_hits,
    rows,
)

if TYPE_CHECKING:
    from collections.abc import Iterator


def test_redirect_loops_chains_and_meta_refresh_loops_end(server, tmp_path, archive_path):
    """Row 9: A->B->A stops at the second A; an endless 302 chain and a meta refresh loop stop
    after 5 redirects (REDIRECT_MAX_TIMES)."""
    loop, chain, meta = (server.url(f"/fault/{r}") for r in ("loop/a", "chain/0", "meta/0"))
    run = archive(tmp_path, archive_path, [loop, chain, meta])

    assert run.code == 1, run
    for url, prefix in ((chain, "/fault/chain/"), (meta, "/fault/meta/")):
        assert fault_hits(server, prefix) == 6, server.requests  # REDIRECT_MAX_TIMES = 5
        assert f"error     {url}: max redirections reached" in run.out
    assert fault_hits(server, "/fault/loop/") == 2  # the duplicate filter stops the second A
    assert f"error     {loop}: redirect loop: back to {loop}" in run.out
    assert rows(archive_path, "select count(*) from articles") == [(0,)]


def test_a_crawl_cuts_a_redirect_loop_at_the_first_repeat(server, tmp_path, archive_path):
    """Row 9: in a crawl, A->B->A ends at the second A (the duplicate filter), exit 0."""
    run = crawl(tmp_path, archive_path, [server.url("/fault/loop/a")])

    assert run.code == 0, run
    assert [hit.path for hit in server.requests if hit.path.startswith("/fault/")] == [
        "/fault/loop/a",
        "/fault/loop/b",
    ]
    assert run.stats["dupefilter/filtered"] == 1, run
    assert run.stats["finish_reason"] == "finished"


@pytest.fixture
def other_hosts(tmp_path: Path) -> Iterator[tuple[SiteServer, SiteServer]]:
    """Another site (127.0.0.2) and an internal service (127.0.0.3), each with a page."""
    servers = []
    for name, host in (("other", "127.0.0.2"), ("internal", "127.0.0.3")):
        root = tmp_path / name
        (root / "story").mkdir(parents=True)
        (root / "story" / "index.html").write_text(FAULT_PAGE.format(host=host))
        servers.append(SiteServer(root, host=host).start())
    yield servers[0], servers[1]
    for started in servers:
        started.stop()


FAULT_PAGE = (
    "<html><head><title>Page on {host}</title><meta property='og:type' content='article'>"
    "</head><body><article><h1>Page on {host}</h1>" + "<p>Text of a page.</p>" * 40 + "</article>"
    "</body></html>"
)


def escaping_redirects(server: SiteServer, other: SiteServer, internal: SiteServer) -> list[str]:
    targets = ["file:///etc/hostname", other.url("/story/"), internal.url("/story/")]
    return [server.url(f"/fault/to?url={quote(target, safe='')}") for target in targets]


def assert_nothing_escaped(db: Path, other: SiteServer, internal: SiteServer) -> None:
    assert other.requests == []
    assert internal.requests == []
    hostname = Path("/etc/hostname").read_text().strip() if Path("/etc/hostname").exists() else ""
    dump = "\n".join(map(str, rows(db, "select * from articles")))
    dump += "\n".join(map(str, rows(db, "select * from revisions")))
    assert "Page on" not in dump
    assert not hostname or hostname not in dump
    assert rows(db, "select count(*) from articles") in ([], [(0,)])


def test_a_crawl_follows_no_redirect_to_a_file_another_host_or_a_private_address(
    server, other_hosts, tmp_path, archive_path
):
    """Row 10: 302 to file://, to another site and to an internal address: none followed."""
    other, internal = other_hosts
    urls = escaping_redirects(server, other, internal)
    run = crawl(tmp_path, archive_path, urls)

    assert run.code == 1, run  # nothing archived, one page failed
    assert f"error {urls[0]}: HTTP 302, redirect not followed: file:///etc/hostname" in run.err
    assert server.hits("/fault/to") == 3
    assert run.stats["offsite/filtered"] == 2, run
    assert_nothing_escaped(archive_path, other, internal)


def test_a_crawl_follows_no_link_to_a_file_another_host_or_a_private_address(
    server, other_hosts, tmp_path, archive_path
):
    """Row 10: links to file://, to another site and to an internal address: none followed."""
    other, internal = other_hosts
    targets = ["file:///etc/hostname", other.url("/story/"), internal.url("/story/")]
    targets.append(server.url("/fault/home"))  # the control: a link on the site is followed
    query = "&".join(f"href={quote(target, safe='')}" for target in targets)
    run = crawl(tmp_path, archive_path, [server.url(f"/fault/links?{query}")])

    assert run.code == 0, run
    assert server.hits("/fault/links") == 1
    assert server.hits("/fault/home") == 1
    assert "log_count/ERROR" not in run.stats, run
    assert_nothing_escaped(archive_path, other, internal)


def test_archive_follows_no_redirect_to_a_file_another_host_or_a_private_address(
    server, other_hosts, tmp_path, archive_path
):
    """Row 10: ``newsarchive archive`` of URLs that redirect away: none followed, each an error."""
    other, internal = other_hosts
    urls = escaping_redirects(server, other, internal)
    run = archive(tmp_path, archive_path, urls)

    assert run.code == 1, run
    assert f"error     {urls[0]}: HTTP 302, redirect not followed: file:///etc/hostname" in run.out
    for url in urls[1:]:
        assert f"error     {url}: redirected to another host" in run.out
    assert_nothing_escaped(archive_path, other, internal)


def test_session_ids_are_not_part_of_a_pages_identity():
    """Row 11: the same page behind fresh session ids is one URL."""
    assert identity_url("http://a.test/p?id=3&PHPSESSID=9f&utm_source=x") == "http://a.test/p?id=3"
    assert identity_url("http://a.test/p?jsessionid=1&sessionid=2") == "http://a.test/p"
    assert identity_url("http://a.test/article.pl?sid=26/11/29") == (
        "http://a.test/article.pl?sid=26/11/29"  # a story id on some sites, kept
    )


def test_endless_pagination_with_session_ids_stops_at_the_depth_limit(
    server, tmp_path, archive_path
):
    """Row 11: /trap/<n> links to /trap/<n+1>?sessionid=<fresh>: bounded by DEPTH_LIMIT (3);
    the session ids are dropped, so the page every trap page links to is fetched once."""
    run = crawl(tmp_path, archive_path, [server.url("/fault/trap/0")], "DEPTH_STATS_VERBOSE=True")

    assert run.code == 0, run
    trap = [hit.path for hit in server.requests if hit.path.startswith("/fault/trap/")]
    assert trap == [f"/fault/trap/{n}" for n in range(4)]  # depth 0 to 3
    assert server.hits("/fault/home") == 1
    assert run.stats["request_depth_max"] == 3, run
    assert "request_depth_count/4" not in run.stats
    assert run.stats["finish_reason"] == "finished"


def test_endless_calendar_stops_at_the_page_count_limit(server, tmp_path, archive_path):
    """Row 11: a calendar linking to the months before and after, with no depth limit, ends
    at CLOSESPIDER_PAGECOUNT."""
    start = server.url("/fault/calendar/2026/11/")
    run = crawl(tmp_path, archive_path, [start], "DEPTH_LIMIT=0", "CLOSESPIDER_PAGECOUNT=12")

    assert run.finish_reason == "closespider_pagecount", run
    assert run.code == 1, run  # stopped early, and no article among the pages
    # The count includes robots.txt and its 404s; requests in flight when it closes finish.
    assert 8 <= fault_hits(server, "/fault/calendar/") <= 12 + 4


def test_ever_deeper_paths_stop_at_the_url_length_limit(server, tmp_path, archive_path):
    """Row 11: /a/, /a/a/, /a/a/a/... with no depth limit ends at URLLENGTH_LIMIT."""
    start = server.url("/fault/a/")
    run = crawl(tmp_path, archive_path, [start], "DEPTH_LIMIT=0", "URLLENGTH_LIMIT=100")

    assert run.code == 0, run
    assert run.stats["urllength/request_ignored_count"] == 1, run
    deepest = max(hit.path for hit in server.requests if hit.path.startswith("/fault/a/"))
    assert len(server.url(deepest)) <= 100 < len(server.url(deepest + "a/"))
