"""Running ``newsarchive`` against the fault routes, for the fault-matrix tests.

Each run is the real command line in its own process, with timeouts, retries and size limits
shrunk (``FAST``) so a test takes seconds, its final stats written to a file and its own peak
memory measured (``tests.peak_rss``).
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from crawler.demo.server import SiteServer
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


def fault_hits(server: SiteServer, prefix: str) -> int:
    return sum(hit.path.startswith(prefix) for hit in server.requests)


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
