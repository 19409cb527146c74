"""The network rows of the fault matrix (RELIABILITY.md, section D): hostile and broken sites.

Every test runs the real command line in its own process against the fault routes of the
loopback ``SiteServer`` (``/fault/...``, see ``crawler/demo/server.py``) and asserts what the
matrix's "System must" column says: hits in the server's log, rows in the archive, the
crawl's final stats (``ARCHIVE_STATS_FILE``), exit codes and the one-line error messages.
Timeouts, retries and size limits are shrunk with ``-s`` so each test takes seconds.
"""

from __future__ import annotations

import json
import random
import shutil
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import pytest

from crawler.demo.server import SiteServer
from crawler.urls import identity_url
from pipelines.validate import drop_reason
from tests.peak_rss import measured, peak_kib

if TYPE_CHECKING:
    from collections.abc import Iterator

BLOG_SITE = Path(__file__).parent / "site" / "blog"
FAST = ("DOWNLOAD_TIMEOUT=2", "RETRY_TIMES=1", "CLOSESPIDER_TIMEOUT=60")
RUN_TIMEOUT = 90


class Run:
    """One finished ``newsarchive`` run: exit code, output, final stats and peak memory."""

    def __init__(self, code: int, folder: Path, max_rss_kib: int) -> None:
        self.code = code
        self.out = (folder / "stdout.txt").read_text(encoding="utf-8")
        self.err = (folder / "stderr.txt").read_text(encoding="utf-8")
        stats_file = folder / "stats.json"
        self.stats: dict[str, Any] = (
            json.loads(stats_file.read_text()) if stats_file.exists() else {}
        )
        self.max_rss_kib = max_rss_kib  # of this process alone (tests.peak_rss)

    @property
    def finish_reason(self) -> str:
        return str(self.stats.get("finish_reason", ""))

    def __repr__(self) -> str:  # shown by a failing assert
        return f"exit {self.code}\n{self.out}\n{self.err}\n{json.dumps(self.stats, indent=1)}"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[SiteServer]:
    root = tmp_path / "root"
    root.mkdir()
    with SiteServer(root) as site:
        yield site


def newsarchive(tmp_path: Path, db: Path, *args: str, settings: tuple[str, ...] = ()) -> Run:
    """A ``newsarchive`` command on ``db`` with the FAST limits and ``settings`` on top.

    Run like ``conftest.run_cli``, under ``tests.peak_rss`` so that its own peak memory is
    known: a forked child's peak as pytest sees it includes pytest's own memory.
    """
    stats = tmp_path / "stats.json"
    stats.unlink(missing_ok=True)
    peak_file = tmp_path / "peak.txt"
    peak_file.unlink(missing_ok=True)
    overrides = [arg for setting in (*FAST, *settings) for arg in ("-s", setting)]
    command = [sys.executable, "-m", "crawler.cli", *args, "--db", str(db), *overrides]
    command += ["-s", f"ARCHIVE_STATS_FILE={stats}", "-v"]
    with (
        (tmp_path / "stdout.txt").open("w") as stdout,
        (tmp_path / "stderr.txt").open("w") as stderr,
    ):
        process = subprocess.run(
            measured(command, peak_file),
            stdout=stdout,
            stderr=stderr,
            timeout=RUN_TIMEOUT,  # a hung run fails, not hangs
            check=False,
        )
    return Run(process.returncode, tmp_path, peak_kib(peak_file))


def archive(tmp_path: Path, db: Path, urls: list[str], *settings: str) -> Run:
    """``newsarchive archive URL...`` with no sites file."""
    sites = str(tmp_path / "no-sites.toml")
    return newsarchive(tmp_path, db, "archive", *urls, "--sites", sites, settings=settings)


def rows(db: Path, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    if not db.exists():
        return []
    with sqlite3.connect(db) as conn:
        return conn.execute(sql, params).fetchall()


def stored(db: Path, url: str) -> int:
    return rows(db, "select count(*) from articles where url = ?", url)[0][0] if db.exists() else 0


def test_hang_and_trickle_give_up_after_the_timeout_and_spare_other_urls(
    server, tmp_path, archive_path
):
    """Row 1: a server that never answers, or trickles, is given up after DOWNLOAD_TIMEOUT."""
    hang, trickle, good = (server.url(f"/fault/{r}") for r in ("hang", "trickle", "flaky/ok"))
    run = archive(tmp_path, archive_path, [hang, trickle, good])

    assert run.code == 3, run  # partly done
    assert server.hits("/fault/hang") == 2  # first try + RETRY_TIMES=1
    assert server.hits("/fault/trickle") == 2
    assert stored(archive_path, hang) == stored(archive_path, trickle) == 0
    assert stored(archive_path, good) == 1
    assert run.stats["retry/max_reached"] == 2, run
    assert f"error     {hang}: timed out" in run.out
    assert f"error     {trickle}: timed out" in run.out


def dead_port() -> int:
    """A loopback port nothing listens on: bound, then closed."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_refused_connection_and_unresolvable_host_are_retried_then_dropped(
    server, tmp_path, archive_path
):
    """Row 2: connection refused and an unresolvable host: retried, dropped, no hang.

    The host is under ``.invalid`` (RFC 2606: never resolves) and the crawl uses a resolver
    that asks no DNS server at all (tests/loopback_resolver.py).
    """
    refused = f"http://127.0.0.1:{dead_port()}/story/"
    unknown = "http://news.invalid/story/"
    good = server.url("/fault/flaky/ok")
    run = archive(
        tmp_path,
        archive_path,
        [refused, unknown, good],
        "TWISTED_DNS_RESOLVER=tests.loopback_resolver.LoopbackOnlyResolver",
        "DNS_TIMEOUT=2",
    )

    assert run.code == 3, run
    assert run.stats["elapsed_time_seconds"] < 10, run  # no wait for a resolver or a timeout
    assert f"error     {refused}: connection refused" in run.out
    assert f"error     {unknown}: DNS lookup failed" in run.out
    assert run.stats["retry/max_reached"] == 2, run  # each retried RETRY_TIMES, then dropped
    assert rows(archive_path, "select url from articles") == [(good,)]


def test_body_cut_short_is_retried_never_archived_and_stored_once_whole(
    server, tmp_path, archive_path
):
    """Row 3: Content-Length 10 000, 5 000 bytes sent, closed: data loss, retried, no row."""
    partial = server.url("/fault/partial")
    run = archive(tmp_path, archive_path, [partial])

    assert run.code == 1, run
    assert server.hits("/fault/partial") == 2
    assert run.stats["retry/max_reached"] == 1, run
    assert "ResponseDataLossError" in json.dumps(run.stats)
    assert f"error     {partial}: the response was cut off" in run.out
    assert stored(archive_path, partial) == 0

    server.faults.healed.add("/fault/partial")
    run = archive(tmp_path, archive_path, [partial])
    assert run.code == 0, run
    assert rows(archive_path, "select url, title from articles") == [
        (partial, "Healthy page at /fault/partial")
    ]


def test_transient_5xx_is_stored_once_after_retries(server, tmp_path, archive_path):
    """Row 4: 503, 503, then 200: stored once, on the third request."""
    url = server.url("/fault/flaky/transient")
    server.faults.fail_next["/fault/flaky/transient"] = 2
    run = archive(tmp_path, archive_path, [url], "RETRY_TIMES=2")

    assert run.code == 0, run
    assert server.hits("/fault/flaky/transient") == 3
    assert run.stats["retry/count"] == 2, run
    assert rows(archive_path, "select count(*) from articles") == [(1,)]


def test_persistent_5xx_is_dropped_and_the_archived_copy_kept(server, tmp_path, archive_path):
    """Row 4: a page archived earlier that now answers 502 every time keeps its row as it was."""
    url = server.url("/fault/flaky/persistent?status=502")
    assert archive(tmp_path, archive_path, [url]).code == 0
    before = rows(archive_path, "select * from articles")
    server.faults.fail_next["/fault/flaky/persistent"] = 100
    run = archive(tmp_path, archive_path, [url])

    assert run.code == 1, run
    assert f"error     {url}: HTTP 502" in run.out
    assert server.hits("/fault/flaky/persistent") == 1 + 2  # the first run, then 1 + 1 retry
    assert run.stats["retry/max_reached"] == 1, run
    assert rows(archive_path, "select * from articles") == before
    assert rows(archive_path, "select count(*) from revisions") == [(1,)]


def test_gone_and_empty_pages_are_not_stored_and_the_archived_copy_kept(
    server, tmp_path, archive_path
):
    """Row 6: 404/410, a 200 with an empty body and a 200 "Page not found" (a soft 404) are
    not archived; an earlier copy stays."""
    gone = server.url("/fault/flaky/gone?status=410")
    assert archive(tmp_path, archive_path, [gone]).code == 0
    before = rows(archive_path, "select * from articles")
    server.faults.fail_next["/fault/flaky/gone"] = 100
    missing, empty = server.url("/fault/status/404"), server.url("/fault/empty")
    soft = server.url("/fault/soft404")
    run = archive(tmp_path, archive_path, [gone, missing, empty, soft])

    assert run.code == 1, run
    assert f"error     {gone}: HTTP 410" in run.out
    assert f"error     {missing}: HTTP 404" in run.out
    assert f"error     {empty}: empty" in run.out
    assert run.stats["archive/errors/HttpError"] == 2, run
    assert run.stats["archive/dropped/empty"] == 1, run
    assert f"error     {soft}: soft_404" in run.out
    assert run.stats["archive/dropped/soft_404"] == 1, run
    assert server.hits("/fault/flaky/gone") == 2  # 4xx are not retried
    assert rows(archive_path, "select * from articles") == before


MAXSIZE = 1_000_000
PAYLOAD = 50_000_000


@pytest.mark.parametrize("length", ["1", "0"], ids=["content-length", "no-content-length"])
def test_oversized_body_is_cancelled_at_the_size_limit(server, tmp_path, archive_path, length):
    """Row 7: a 50 MB page, announced or not, is cut at DOWNLOAD_MAXSIZE, not read whole."""
    url = server.url(f"/fault/payload?size={PAYLOAD}&length={length}")
    run = archive(tmp_path, archive_path, [url], f"DOWNLOAD_MAXSIZE={MAXSIZE}")

    assert run.code == 1, run
    assert f"error     {url}: larger than the size limit (DOWNLOAD_MAXSIZE)" in run.out
    assert server.faults.sent.get("/fault/payload", 0) < PAYLOAD // 5
    assert server.hits("/fault/payload") == 1  # not retried: it would be as big again
    assert "download max size" in run.err  # Scrapy logs the cancel
    assert stored(archive_path, url) == 0


BOMB = 200 * 1024 * 1024  # expands to 200 MiB; sent compressed: 200 KB (gzip) to 40 KB (br)
MAX_RSS_BYTES = 300 * 1024 * 1024


@pytest.mark.parametrize("codec", ["gzip", "deflate", "br"])
def test_decompression_bomb_stops_at_the_size_limit(server, tmp_path, archive_path, codec):
    """Row 8: a compressed body that expands 1000:1 and more is cut at DOWNLOAD_MAXSIZE.

    Brotli is tested because the brotli library is installed with Scrapy here.
    """
    url = server.url(f"/fault/bomb/{codec}?size={BOMB}")
    run = archive(tmp_path, archive_path, [url], f"DOWNLOAD_MAXSIZE={MAXSIZE}")

    assert run.code == 1, run
    assert (
        f"error     {url}: larger than the size limit (DOWNLOAD_MAXSIZE) once decompressed"
        in run.out
    )
    assert "exceeded DOWNLOAD_MAXSIZE (1000000 B) during decompression" in run.err  # logged
    assert run.stats["archive/errors/IgnoreRequest"] == 1, run
    assert stored(archive_path, url) == 0
    assert run.max_rss_kib * 1024 < MAX_RSS_BYTES, run  # far below the expanded size


def fault_hits(server: SiteServer, prefix: str) -> int:
    return sum(hit.path.startswith(prefix) for hit in server.requests)


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


def crawl(tmp_path: Path, db: Path, start: list[str], *settings: str, extra: str = "") -> Run:
    """``newsarchive crawl`` of one site (slug ``faults``) starting at ``start``."""
    sites = tmp_path / "faults.toml"
    urls = ", ".join(f'"{url}"' for url in start)
    sites.write_text(
        f"[defaults]\ndownload_delay = 0\nconcurrency = 4\n[sites.faults]\nstart_urls = [{urls}]\n"
        + extra,
        encoding="utf-8",
    )
    return newsarchive(tmp_path, db, "crawl", "--sites", str(sites), settings=settings)


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


NON_HTML_KINDS = ("pdf", "png", "json", "octet", "none")


def test_a_crawl_skips_non_html_pages_cleanly(server, tmp_path, archive_path):
    """Row 14: PDF, PNG, JSON, octet-stream and no Content-Type: skipped, counted, no error."""
    urls = [server.url(f"/fault/type/{kind}") for kind in NON_HTML_KINDS]
    run = crawl(tmp_path, archive_path, urls)

    assert run.code == 0, run  # nothing to archive, and nothing went wrong
    assert "faults: 0 new, 0 changed, 0 unchanged, 5 skipped as non-articles" in run.out
    assert fault_hits(server, "/fault/type/") == len(NON_HTML_KINDS)
    assert run.stats["archive/skipped/not_html"] == len(NON_HTML_KINDS), run
    assert "log_count/ERROR" not in run.stats, run
    assert "Traceback" not in run.err
    assert rows(archive_path, "select count(*) from articles") == [(0,)]


def test_archive_reports_non_html_pages_by_their_type(server, tmp_path, archive_path):
    """Row 14: ``newsarchive archive`` of non-HTML URLs: one line each naming the type."""
    urls = [server.url(f"/fault/type/{kind}") for kind in NON_HTML_KINDS]
    run = archive(tmp_path, archive_path, urls)

    assert run.code == 1, run
    assert f"error     {urls[0]}: not an HTML page (Content-Type: application/pdf)" in run.out
    assert f"error     {urls[4]}: not an HTML page (Content-Type: none)" in run.out
    assert run.out.count(": not an HTML page (Content-Type: ") == len(NON_HTML_KINDS)
    assert run.stats["archive/skipped/not_html"] == len(NON_HTML_KINDS), run
    assert "log_count/ERROR" not in run.stats, run
    assert rows(archive_path, "select count(*) from articles") == [(0,)]


@pytest.mark.parametrize(
    ("title", "body", "reason"),
    [
        ("Page not found", "Sorry, we could not find that page.", "soft_404"),
        ("404 - Page Not Found", "Go home.", "soft_404"),
        ("Error 404", "Nothing here.", "soft_404"),
        ("404 errors cost retailers millions", "A study finds. " * 30, None),  # an article
        ("Harbor fire", "Sorry, we could not find that page.", None),
    ],
)
def test_a_soft_404_is_told_from_a_short_article(title, body, reason):
    """Row 6: a "not found" title over a sentence or two of text is a soft 404."""
    assert drop_reason(title, body) == reason


def test_a_robots_txt_of_garbage_is_parsed_without_a_crash(server, tmp_path, archive_path):
    """Row 13: 5 MB of binary garbage as robots.txt: read within the size limit, no rules, no crash.

    Garbage holds no ``Disallow`` line, so the host is crawled as if it had no rules (RFC 9309:
    unparsable lines are ignored); what matters is that parsing neither crashes nor hangs.
    """
    root = server.root
    (root / "robots.txt").write_bytes(random.Random(13).randbytes(5 * 1024 * 1024))
    post = "posts/tomatoes-again/index.html"
    (root / post).parent.mkdir(parents=True)
    shutil.copy(BLOG_SITE / post, root / post)
    url = server.url("/posts/tomatoes-again/")

    run = archive(tmp_path, archive_path, [url])

    assert run.code == 0, run
    assert server.hits("/robots.txt") == 1
    assert stored(archive_path, url) == 1
    assert run.stats["robotstxt/response_status_count/200"] == 1, run
    assert "log_count/ERROR" not in run.stats, run
    assert "Traceback" not in run.err
