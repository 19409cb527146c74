"""The network rows of the fault matrix (RELIABILITY.md, section D): hostile and broken sites.

Redirects, escapes and spider traps (rows 9-11) are in ``test_fault_matrix_navigation.py``;
what both run is in ``tests.fault_runs``.

Every test runs the real command line in its own process against the fault routes of the
loopback ``SiteServer`` (``/fault/...``, see ``crawler/demo/faults.py``) and asserts what the
matrix's "System must" column says: hits in the server's log, rows in the archive, the
crawl's final stats (``ARCHIVE_STATS_FILE``), exit codes and the one-line error messages.
Timeouts, retries and size limits are shrunk with ``-s`` so each test takes seconds.
"""

from __future__ import annotations

import json
import random
import shutil
import socket

import pytest

from pipelines.validate import drop_reason
from tests.fault_runs import (
    BLOG_SITE,
    archive,
    crawl,
    fault_hits,
    rows,
    stored,
)


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
