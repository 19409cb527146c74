"""The archive benchmark at a tiny size: it writes every record, its bands hold, queries answer.

No timed assertion: the figures depend on the machine and its load. What is checked is that
the run measured what it says: the archive on disk holds every generated article, version and
page, the copies were clustered, each band's words are in the share of articles the band
promises (counted in the archive's own search index), and every timed query found rows.
"""

from __future__ import annotations

import json
import sqlite3
from typing import TYPE_CHECKING

import pytest

from bench.archive import bands, main

if TYPE_CHECKING:
    from pathlib import Path

ARTICLES = 300


@pytest.fixture(scope="module")
def bench_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, Path]:
    folder = tmp_path_factory.mktemp("bench-archive")
    db, out = folder / "bench.db", folder / "bench.json"
    argv = ["--articles", str(ARTICLES), "--batch", "64", "--rounds", "1"]
    assert main([*argv, "--extract-pages", "2", "--db", str(db), "--json", str(out)]) == 0
    return json.loads(out.read_text()), db


def test_every_generated_record_is_in_the_archive(bench_run):
    result, db = bench_run
    conn = sqlite3.connect(db)
    count = lambda sql: conn.execute(sql).fetchone()[0]  # noqa: E731
    assert result["records"] == ARTICLES + result["updates"]
    assert count("select count(*) from articles") == ARTICLES
    # Every record is a new version (new article, or a corrected re-fetch) with its page.
    assert count("select count(*) from revisions") == result["records"]
    assert count("select count(*) from pages") == result["records"]
    assert count("select count(*) from revisions where version > 1") == result["updates"] > 0
    # Each copy of another site's story joined its cluster, and nothing else did.
    assert result["copies"] > 0
    assert (
        count("select count(*) from articles where duplicate_of is not null") == (result["copies"])
    )
    assert result["bytes_per_article"] > 10_000  # ~10 KB of text, in the table and the index


def test_bands_have_their_frequencies_in_the_archive(bench_run):
    result, db = bench_run
    conn = sqlite3.connect(db)
    for band, (low, high) in bands(ARTICLES).items():
        words = result["search"][band]["rows"]
        assert len(words) == 30, band
        for word in words:
            (found,) = conn.execute(
                "select count(*) from articles_fts where articles_fts match ?", [f'"{word}"']
            ).fetchone()
            assert low <= found / ARTICLES <= high, (band, word, found)
    # The bands are apart: a common word is in many times more articles than a middle one.
    assert result["search"]["common"]["share_low"] > 5 * result["search"]["middle"]["share_high"]


def test_every_timed_query_returned_rows(bench_run):
    result, _ = bench_run
    for band, figures in result["search"].items():
        assert figures["min_rows"] >= 1, band
        assert figures["median_ms"] is not None
        assert figures["p95_ms"] is not None
    assert result["extraction"]["pages"] == 2
    assert result["extraction"]["pages_per_second"] > 0
    assert result["write_to_extraction"] > 0
