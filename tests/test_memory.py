"""Memory stays flat in crawl size: nothing keeps a page once it is stored.

A crawl of a few hundred pages fits in memory whatever it keeps; a crawl of a large site does
not if every stored item (with its raw page) stays alive until the run ends. The slow test
crawls a generated site of N and of 4N pages and compares the crawls' peak resident memory.

That comparison cannot see a cost of a few KB per page at a few hundred pages (start-up alone
is ~170 MB), so each part found holding something per page also gets a test of its own that
measures that part alone with ``tracemalloc``: exact, and fast.
"""

from __future__ import annotations

import random
import sqlite3
import subprocess
import sys
import tracemalloc
from typing import TYPE_CHECKING

import pytest

from bench.site_gen import sentence
from crawler.archive import open_archive, store_articles
from pipelines.boilerplate import StripBoilerplatePipeline
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


# A generated article's body is 10 to 20 KB; these are a little shorter, to keep the test fast.
BODY_CHARS = 8000
# On every page of the site: template, removed from every stored body at the crawl's end.
PROMPT = "Sign up for our morning newsletter."


def stored_record(index: int, rng: random.Random) -> dict:
    """An article of ``BODY_CHARS`` of text, as the store stage hands it to the archive."""
    body = ""
    while len(body) < BODY_CHARS:
        body += sentence(rng) + ("\n\n" if rng.random() < 0.2 else " ")
    body += "\n\n" + PROMPT
    url = f"http://news.test/{index}/"
    return {
        "url": url,
        "site": "news",
        "title": f"Story {index}",
        "body": body,
        "content_hash": f"hash-{index}",
        "page": {
            "url": url,
            "status": 200,
            "headers": {},
            "body": b"<html></html>",
            "fetched_at": "2026-11-01T00:00:00+00:00",
        },
    }


def closing_peak(folder: Path, articles: int) -> int:
    """Peak bytes allocated while the boilerplate stage closes a crawl that stored ``articles``.

    At its close the stage saves the site's template and cleans the bodies stored before the
    template was learned: it reads back every article of the run, and here cleans each one.
    """
    folder.mkdir()
    db_path = folder / "archive.db"
    rng = random.Random(articles)
    db = open_archive(db_path)
    outcomes = []
    for first in range(0, articles, 50):  # batches, as the store stage writes them
        batch = [stored_record(index, rng) for index in range(first, first + 50)]
        outcomes += store_articles(db, batch)
    db.close()
    pipeline = StripBoilerplatePipeline(path=str(db_path))
    pipeline.open_spider()
    pipeline.template_for("news")  # learned from the archive before tracing: bounded (WINDOW)
    for outcome in outcomes:
        pipeline.article_stored(outcome, {"site": "news"})
    tracemalloc.start()
    try:
        pipeline.spider_closed("finished")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    with sqlite3.connect(db_path) as conn:
        left = conn.execute("select count(*) from articles where body like ?", [f"%{PROMPT}"])
        assert left.fetchone() == (0,)  # every body was cleaned
    return peak


def test_closing_the_boilerplate_stage_does_not_hold_every_stored_body(tmp_path):
    """A crawl's end reads back what it stored one article at a time, not all at once.

    The bodies of 150 more articles are 1.2 MB; a peak that grows by a quarter of that holds
    them (or their cleaned copies) together.
    """
    small = closing_peak(tmp_path / "small", 50)
    large = closing_peak(tmp_path / "large", 200)
    print(f"peak while closing: 50 articles {small / 1e6:.2f} MB, 200 {large / 1e6:.2f} MB")
    assert large - small < 150 * BODY_CHARS / 4, (small, large)
