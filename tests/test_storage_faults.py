"""The archive under stress: backups while a crawl writes, readers during a crawl, a full disk.

Real ``newsarchive`` subprocesses against loopback fixture sites and real archive files; the
numbers each test checks are read from the files SQLite writes.
"""

from __future__ import annotations

import random
import sqlite3
import subprocess
import sys
import time
from typing import TYPE_CHECKING

import httpx
import pytest

from crawler.archive import open_archive
from crawler.demo.server import SiteServer
from tests.conftest import run_cli
from tests.test_faults import BLOG_ARTICLES, count, slow_blog_sites, start_crawl, wait_for
from tests.test_serve_auth import serving

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

ARTICLES_SQL = "select count(*) from articles"
# An article row without all of its parts would be half a batch.
INCOMPLETE_SQL = (
    "select count(*) from articles a where not exists "
    "(select 1 from revisions r where r.article_id = a.id and r.version = a.version) "
    "or not exists (select 1 from pages p where p.article_id = a.id) "
    "or not exists (select 1 from article_urls u where u.article_id = a.id)"
)
# Paragraphs are drawn from these words, each page its own.
WORD_LIST = """
harbor council river bridge market levee school budget storm ferry mayor library orchard
festival railway museum clinic quarry garden bakery tunnel lantern meadow election
hospital freight canal tower parade vineyard airport rowing choir
"""
WORDS = WORD_LIST.split()


def integrity(db: Path) -> str:
    with sqlite3.connect(db) as conn:
        return str(conn.execute("pragma integrity_check").fetchone()[0])


@pytest.mark.slow  # about 18 s: a crawl slow enough to be surely mid-write during the backup
def test_backup_during_a_crawl_is_one_committed_snapshot(fixture_sites, tmp_path, archive_path):
    """Row 30: ``newsarchive backup`` while a crawl writes: a sound copy, between two counts."""
    sites = slow_blog_sites(fixture_sites, tmp_path, delay=1.0)
    crawl = start_crawl(sites, archive_path, "ARCHIVE_BATCH_SIZE=1")
    try:
        wait_for(lambda: count(archive_path, ARTICLES_SQL) >= 1 or crawl.poll() is not None)
        before = count(archive_path, ARTICLES_SQL)
        copy = tmp_path / "backups" / "copy.db"
        copy.parent.mkdir()
        result = run_cli("backup", str(copy), "--db", str(archive_path), timeout=60)
        after = count(archive_path, ARTICLES_SQL)
        assert crawl.poll() is None, "the crawl ended before the backup: no write to race"
    finally:
        stdout, stderr = crawl.communicate(timeout=60)
    assert crawl.returncode == 0, stdout + stderr
    assert result.returncode == 0, result.stderr

    assert integrity(copy) == "ok"
    copied = count(copy, ARTICLES_SQL)
    assert 1 <= before <= copied <= after < BLOG_ARTICLES
    assert count(copy, INCOMPLETE_SQL) == 0
    line = result.stdout.strip()
    assert line.startswith(f"Backed up {archive_path} to {copy}: {copied} articles, ")
    assert line.endswith(" KB, integrity ok")
    assert [path.name for path in copy.parent.iterdir()] == ["copy.db"]  # no temporary left

    # An existing backup is kept unless --force; with it, the copy is the finished crawl.
    kept = copy.read_bytes()
    refused = run_cli("backup", str(copy), "--db", str(archive_path), timeout=60)
    assert refused.returncode == 2
    assert refused.stderr.strip() == f"Error: {copy}: already exists (--force replaces it)"
    assert copy.read_bytes() == kept
    forced = run_cli("backup", str(copy), "--db", str(archive_path), "--force", timeout=60)
    assert forced.returncode == 0, forced.stderr
    assert count(copy, ARTICLES_SQL) == BLOG_ARTICLES


def test_a_full_disk_rolls_back_the_batch_and_stops_the_crawl(fixture_sites, tmp_path):
    """Row 24: SQLITE_FULL mid-crawl: one line, exit 1, earlier batches intact, file sound."""
    db = tmp_path / "full.db"
    open_archive(db).close()
    empty_pages = count(db, "pragma page_count")
    sites = slow_blog_sites(fixture_sites, tmp_path, delay=0)
    crawl = start_crawl(
        sites,
        db,
        "ARCHIVE_BATCH_SIZE=1",
        "AUTOTHROTTLE_START_DELAY=0",
        f"ARCHIVE_MAX_PAGE_COUNT={empty_pages + 4}",  # room for a few articles, not six
    )
    stdout, stderr = crawl.communicate(timeout=60)

    assert crawl.returncode == 1, stdout + stderr
    full = [line for line in stdout.splitlines() if "disk is full" in line]
    assert len(full) == 1, stdout
    assert f"{db}: the archive's disk is full (database or disk is full)" in full[0]
    stored = count(db, ARTICLES_SQL)
    assert 1 <= stored < BLOG_ARTICLES
    assert f"blog: {stored} new," in full[0]  # every batch reported stored is there
    assert integrity(db) == "ok"
    assert count(db, INCOMPLETE_SQL) == 0
    # The batch in flight left nothing behind: no page, revision or URL without its article.
    assert count(db, "select count(*) from pages") == stored
    assert count(db, "select count(*) from revisions") == stored
    assert count(db, "select count(distinct article_id) from article_urls") == stored
    with sqlite3.connect(db) as conn:
        assert conn.execute("select finish_reason from crawls").fetchall() == [
            ("archive_write_failed",)
        ]


def write_big_site(root: Path, articles: int) -> None:
    """A blog of ``articles`` posts of unique text (~6 KB each), all linked from its front page.

    Every paragraph differs, so neither near-duplicate detection nor template learning
    removes any of it: each post is one more article and several pages of writes.
    """
    rng = random.Random(23)
    links = []
    for number in range(articles):
        title = f"Post {number}: the {rng.choice(WORDS)} and the {rng.choice(WORDS)}"
        paragraphs = "".join(
            "<p>" + " ".join(rng.choice(WORDS) for _ in range(90)) + f" ({number}.{part})</p>"
            for part in range(8)
        )
        page = root / "posts" / f"p{number}" / "index.html"
        page.parent.mkdir(parents=True)
        page.write_text(
            f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{title}</title>"
            f"<meta name='author' content='Writer {number % 7}'></head><body><main><article>"
            f"<h1>{title}</h1><p class='date'>Posted April {1 + number % 28}, 2026</p>"
            f"{paragraphs}</article></main></body></html>"
        )
        links.append(f"<li><a href='/posts/p{number}/'>{title}</a></li>")
    (root / "index.html").write_text(
        "<!DOCTYPE html><html><head><title>Big blog</title></head><body><ul>"
        + "".join(links)
        + "</ul></body></html>"
    )
    (root / "robots.txt").write_text("User-agent: *\nAllow: /\n")


@pytest.fixture
def big_site(tmp_path: Path) -> Iterator[SiteServer]:
    write_big_site(tmp_path / "big", articles=BIG_SITE_ARTICLES)
    with SiteServer(tmp_path / "big", host="127.0.0.3") as server:
        yield server


BIG_SITE_ARTICLES = 300
WAL_BOUND = 8 * 1024 * 1024  # the 1000-page autocheckpoint (4 MiB) plus a batch, with room


def wal_size(db: Path) -> int:
    wal = db.with_name(db.name + "-wal")
    return wal.stat().st_size if wal.exists() else 0


@pytest.mark.slow  # about 17 s: 300 articles crawled under thousands of reads
def test_datasette_reading_during_a_crawl(big_site, tmp_path):
    """Row 23: Datasette reads in a loop while a crawl writes; the -wal file stays bounded."""
    db = tmp_path / "news.db"
    open_archive(db).close()
    sites = tmp_path / "big.toml"
    sites.write_text(
        f'[sites.big]\ndownload_delay = 0\nconcurrency = 8\nstart_urls = ["{big_site.url("/")}"]\n'
        "allow = ['/posts/p[0-9]+/$']\n"
    )
    snapshot_sql = (
        "select (select count(*) from articles) as articles, "
        "(select count(distinct article_id) from revisions) as revised, "
        "(select count(*) from pages) as pages"
    )
    with serving("--db", str(db)) as (base, _), httpx.Client(base_url=base, timeout=10) as client:
        started = time.monotonic()
        crawl = subprocess.Popen(
            [sys.executable, "-m", "crawler.cli", "crawl", "--sites", str(sites), "--db", str(db)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        statuses, counts, wal_sizes = [], [], []
        while crawl.poll() is None:
            response = client.get("/news.json", params={"sql": snapshot_sql, "_shape": "array"})
            statuses.append(response.status_code)
            if response.status_code == 200:
                row = response.json()[0]
                counts.append(row["articles"])
                # One read is one snapshot: every article it sees has all of its parts.
                assert row["articles"] == row["revised"] == row["pages"], row
            wal_sizes.append(wal_size(db))
        stdout, stderr = crawl.communicate(timeout=10)
        seconds = time.monotonic() - started
        assert crawl.returncode == 0, stdout + stderr  # never locked out past its busy timeout
        assert f"big: {BIG_SITE_ARTICLES} new," in stdout

        print(  # the measured numbers, for `pytest -s`
            f"\n{len(statuses)} reads in {seconds:.1f} s; -wal peak {max(wal_sizes)} bytes, "
            f"final {wal_size(db)} bytes; archive {db.stat().st_size} bytes"
        )
        assert len(statuses) >= 20
        assert set(statuses) == {200}
        assert counts == sorted(counts)  # readers never see a commit undone
        assert counts[-1] <= BIG_SITE_ARTICLES
        assert max(wal_sizes) < WAL_BOUND

        # With serve still running, nothing holds a snapshot between requests: a TRUNCATE
        # checkpoint completes and empties the -wal file.
        with sqlite3.connect(db, timeout=5) as conn:
            busy, _, _ = conn.execute("pragma wal_checkpoint(TRUNCATE)").fetchone()
        assert busy == 0
        assert wal_size(db) == 0
        final = client.get("/news.json", params={"sql": ARTICLES_SQL, "_shape": "array"})
        assert final.json() == [{"count(*)": BIG_SITE_ARTICLES}]


def test_readers_never_see_a_batch_in_part(tmp_path):
    """Row 23: a read during a write transaction sees the archive as of the last commit."""
    db = tmp_path / "a.db"
    writer = open_archive(db)
    reader = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True)
    try:
        writer.execute("BEGIN IMMEDIATE")
        writer.execute(
            "INSERT INTO crawls (site, command, started_at) VALUES ('x', 'crawl', '2026-11-29')"
        )
        assert reader.execute("select count(*) from crawls").fetchone() == (0,)
        writer.execute("COMMIT")
        assert reader.execute("select count(*) from crawls").fetchone() == (1,)
    finally:
        reader.close()
        writer.close()


def grow_wal_under_a_long_read(db: Path, writer: sqlite3.Connection) -> int:
    """Write 24 MiB while a reader holds one snapshot, then a little more once it is gone.

    Returns the -wal file's size after the later writes, which restart it.
    """
    writer.execute("CREATE TABLE IF NOT EXISTS filler (data BLOB)")
    reader = sqlite3.connect(db, isolation_level=None)
    reader.execute("BEGIN")
    reader.execute("select count(*) from sqlite_master").fetchone()  # holds the snapshot
    for _ in range(24):
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("INSERT INTO filler VALUES (zeroblob(1024 * 1024))")
        writer.execute("COMMIT")
    assert wal_size(db) > 24 * 1024 * 1024  # no checkpoint could restart it
    reader.execute("COMMIT")
    reader.close()
    for _ in range(3):  # a checkpoint completes, then a write restarts the -wal file
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("DELETE FROM filler WHERE rowid = (select min(rowid) from filler)")
        writer.execute("COMMIT")
    return wal_size(db)


def test_the_wal_shrinks_back_after_a_long_read(tmp_path):
    """Row 23: a burst of commits under a long read does not leave a 24 MiB -wal behind."""
    from crawler.archive.connection import JOURNAL_SIZE_LIMIT

    db = tmp_path / "a.db"
    archive = open_archive(db)
    try:
        assert grow_wal_under_a_long_read(db, archive.conn) <= JOURNAL_SIZE_LIMIT
    finally:
        archive.close()

    # Without journal_size_limit (SQLite's default) the file stays at its peak.
    plain = tmp_path / "plain.db"
    conn = sqlite3.connect(plain, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    try:
        assert grow_wal_under_a_long_read(plain, conn) > 24 * 1024 * 1024
    finally:
        conn.close()
