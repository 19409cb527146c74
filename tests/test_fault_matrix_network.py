"""The network rows of the fault matrix (RELIABILITY.md, section D): hostile and broken sites.

Every test runs the real command line in its own process against the fault routes of the
loopback ``SiteServer`` (``/fault/...``, see ``crawler/demo/server.py``) and asserts what the
matrix's "System must" column says: hits in the server's log, rows in the archive, the
crawl's final stats (``ARCHIVE_STATS_FILE``), exit codes and the one-line error messages.
Timeouts, retries and size limits are shrunk with ``-s`` so each test takes seconds.
"""

from __future__ import annotations

import json
import resource
import socket
import sqlite3
from typing import TYPE_CHECKING, Any

import pytest

from crawler.demo.server import SiteServer
from tests.conftest import run_cli

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

FAST = ("DOWNLOAD_TIMEOUT=2", "RETRY_TIMES=1", "CLOSESPIDER_TIMEOUT=60")


class Run:
    """One finished ``newsarchive`` run: exit code, output and its final stats."""

    def __init__(self, result: Any, stats_file: Path) -> None:
        self.code: int = result.returncode
        self.out: str = result.stdout
        self.err: str = result.stderr
        self.stats: dict[str, Any] = (
            json.loads(stats_file.read_text()) if stats_file.exists() else {}
        )

    def __repr__(self) -> str:  # shown by a failing assert
        return f"exit {self.code}\n{self.out}\n{self.err}\n{json.dumps(self.stats, indent=1)}"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[SiteServer]:
    root = tmp_path / "root"
    root.mkdir()
    with SiteServer(root) as site:
        yield site


def archive(tmp_path: Path, db: Path, urls: list[str], *settings: str) -> Run:
    """``newsarchive archive URL...`` with the FAST limits and ``settings`` on top."""
    stats = tmp_path / "stats.json"
    stats.unlink(missing_ok=True)
    overrides = [arg for setting in (*FAST, *settings) for arg in ("-s", setting)]
    result = run_cli(
        "archive",
        *urls,
        "--sites",
        str(tmp_path / "no-sites.toml"),
        "--db",
        str(db),
        *overrides,
        "-s",
        f"ARCHIVE_STATS_FILE={stats}",
        "-v",
        timeout=90,
    )
    return Run(result, stats)


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
    """Row 6: 404/410 and a 200 with an empty body are not archived; an earlier copy stays."""
    gone = server.url("/fault/flaky/gone?status=410")
    assert archive(tmp_path, archive_path, [gone]).code == 0
    before = rows(archive_path, "select * from articles")
    server.faults.fail_next["/fault/flaky/gone"] = 100
    missing, empty = server.url("/fault/status/404"), server.url("/fault/empty")
    run = archive(tmp_path, archive_path, [gone, missing, empty])

    assert run.code == 1, run
    assert f"error     {gone}: HTTP 410" in run.out
    assert f"error     {missing}: HTTP 404" in run.out
    assert f"error     {empty}: empty" in run.out
    assert run.stats["archive/errors/HttpError"] == 2, run
    assert run.stats["archive/dropped/empty"] == 1, run
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
    # Memory stayed far below the expanded size: the peak of every child process so far.
    assert resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024 < MAX_RSS_BYTES
