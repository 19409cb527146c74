"""Memory stays flat in crawl size: nothing keeps a page once it is stored.

A crawl of a few hundred pages fits in memory whatever it keeps; a crawl of a large site does
not if every stored item (with its raw page) stays alive until the run ends. The test crawls a
generated site of N and of 4N pages and compares the crawls' peak resident memory.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from typing import TYPE_CHECKING

import pytest

from tests.generated_site import generated_site
from tests.peak_rss import measured, peak_kib

if TYPE_CHECKING:
    from pathlib import Path

SMALL, LARGE = 300, 1200
MAX_GROWTH = 1.3


def crawl_peak_rss_mb(folder: Path, pages: int) -> float:
    """Crawl a generated site of ``pages`` articles; the crawl's peak RSS in MB."""
    folder.mkdir()
    site = generated_site(folder, pages)
    db = folder / "archive.db"
    peak_file = folder / "peak.txt"
    try:
        crawl = [
            sys.executable,
            "-m",
            "crawler.cli",
            "crawl",
            "--sites",
            str(site.sites_file),
            "--db",
            str(db),
            "-s",
            "CLOSESPIDER_TIMEOUT=150",
        ]
        done = subprocess.run(
            measured(crawl, peak_file),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            timeout=170,
            check=False,
        )
    finally:
        site.stop()
    assert done.returncode == 0, done.stderr
    with sqlite3.connect(db) as conn:
        assert conn.execute("select count(*) from articles").fetchone() == (pages,)
    return peak_kib(peak_file) / 1024


@pytest.mark.slow
def test_peak_memory_does_not_grow_with_the_number_of_pages_crawled(tmp_path):
    """Row 16 (memory bounded), at scale: a crawl of 4N pages peaks under 1.3x one of N."""
    small = crawl_peak_rss_mb(tmp_path / "small", SMALL)
    large = crawl_peak_rss_mb(tmp_path / "large", LARGE)
    print(f"peak RSS: {SMALL} pages {small:.0f} MB, {LARGE} pages {large:.0f} MB")
    assert large <= MAX_GROWTH * small, (small, large)
