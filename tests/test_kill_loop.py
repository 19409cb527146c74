"""SIGKILL at random moments of a real crawl, ten times over: the archive stays whole.

One kill tests one moment; SQLite's own crash tests kill many times at random points, since a
torn write shows only when the kill lands inside it. Each kill lands after the run's first
commit, at a random delay (seeded and printed, so a failure can be replayed with the seed),
while pages are still being fetched and stored in batches.
"""

from __future__ import annotations

import os
import random
import sqlite3
import subprocess
import sys
import time
from typing import TYPE_CHECKING

import pytest

from crawler import jobdir
from tests.generated_site import generated_site

if TYPE_CHECKING:
    from pathlib import Path

PAGES = 150
KILLS = 10
SEED = int(os.environ.get("KILL_LOOP_SEED", "20261129"))
INCOMPLETE = (
    "select count(*) from articles a where not exists "
    "(select 1 from revisions r where r.article_id = a.id and r.version = a.version) "
    "or not exists (select 1 from pages p where p.article_id = a.id) "
    "or not exists (select 1 from article_urls u where u.article_id = a.id)"
)


def start_crawl(sites: Path, db: Path, *settings: str) -> subprocess.Popen[str]:
    args = [sys.executable, "-m", "crawler.cli", "crawl", "--sites", str(sites), "--db", str(db)]
    for setting in ("CLOSESPIDER_TIMEOUT=120", *settings):
        args += ["-s", setting]
    return subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def articles(db: Path) -> int:
    try:
        with sqlite3.connect(db, timeout=5) as conn:
            return int(conn.execute("select count(*) from articles").fetchone()[0])
    except sqlite3.OperationalError:  # no archive, or no table yet
        return 0


def wait_for_commit(db: Path, before: int, crawl: subprocess.Popen[str]) -> None:
    """Until the run committed a batch of its own (the kill must land mid-crawl)."""
    deadline = time.monotonic() + 60
    while articles(db) <= before:
        assert crawl.poll() is None, crawl.communicate()
        assert time.monotonic() < deadline, "no commit within 60 s"
        time.sleep(0.02)


def assert_archive_whole(db: Path) -> None:
    with sqlite3.connect(db) as conn:
        assert conn.execute("pragma integrity_check").fetchone() == ("ok",)
        assert conn.execute(INCOMPLETE).fetchone() == (0,)  # all-or-nothing per article
        total, distinct = conn.execute(
            "select count(*), count(distinct url) from articles"
        ).fetchone()
        assert total == distinct  # no article stored twice


@pytest.mark.slow
def test_ten_random_kills_leave_a_whole_archive_and_a_rerun_completes_it(tmp_path):
    """Row 20: ten SIGKILLs at random moments of a crawl of 150 pages, JOBDIR on; after each
    the archive is sound and every article complete; a final run completes the set."""
    rng = random.Random(SEED)
    print(f"kill loop seed: {SEED} (replay with KILL_LOOP_SEED={SEED})")
    site = generated_site(tmp_path, PAGES, delay=0.1, concurrency=1)
    db = tmp_path / "archive.db"
    job = jobdir.job_dir(db, "gazette")
    try:
        for kill in range(KILLS):
            before = articles(db)
            crawl = start_crawl(site.sites_file, db, "ARCHIVE_BATCH_SIZE=5")
            wait_for_commit(db, before, crawl)
            delay = rng.uniform(0, 1.0)
            time.sleep(delay)
            assert crawl.poll() is None, "the crawl ended before the kill"
            crawl.kill()
            _, stderr = crawl.communicate(timeout=30)
            if kill:  # the previous run was killed: its job folder is not trusted
                assert "did not stop cleanly: starting afresh" in stderr
            assert jobdir.crashed(job)  # the killed run left its marker behind
            assert_archive_whole(db)
            print(f"kill {kill + 1}: after {delay:.2f} s, {articles(db)} articles")
        assert articles(db) < PAGES  # every kill landed mid-crawl

        rerun = start_crawl(site.sites_file, db, "DOWNLOAD_DELAY=0", "AUTOTHROTTLE_START_DELAY=0")
        stdout, stderr = rerun.communicate(timeout=120)
    finally:
        site.stop()
    assert rerun.returncode == 0, stdout + stderr
    assert "did not stop cleanly: starting afresh" in stderr
    assert not job.exists()  # a finished run deletes its job folder
    assert_archive_whole(db)
    with sqlite3.connect(db) as conn:
        stored = [url for (url,) in conn.execute("select url from articles")]
        revisions = conn.execute("select count(*) from revisions").fetchone()[0]
    assert sorted(stored) == sorted(site.urls)  # no article lost, none twice
    assert revisions == PAGES  # one revision each: no page was stored again as a change
