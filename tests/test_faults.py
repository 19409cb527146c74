"""Interrupted crawls: what was committed stays, the archive stays sound, a re-run completes it."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import time
from functools import partial
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

    from tests.conftest import FixtureSites

BLOG_ARTICLES = 6


def slow_blog_sites(fixture_sites: FixtureSites, tmp_path: Path, delay: float) -> Path:
    blog = fixture_sites.servers["blog"]
    sites = tmp_path / "slow.toml"
    start = blog.url("/")
    sites.write_text(
        f'[sites.blog]\ndownload_delay = {delay}\nconcurrency = 1\nstart_urls = ["{start}"]\n'
        "allow = ['/posts/[^/]+/$']\n"
    )
    return sites


def start_crawl(sites: Path, db: Path, *settings: str) -> subprocess.Popen[str]:
    args = [sys.executable, "-m", "crawler.cli", "crawl", "--sites", str(sites), "--db", str(db)]
    for setting in settings:
        args += ["-s", setting]
    return subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def count(db: Path, sql: str) -> int:
    try:
        with sqlite3.connect(db, timeout=5) as conn:
            return int(conn.execute(sql).fetchone()[0])
    except sqlite3.OperationalError:  # not created yet
        return 0


def wait_for(condition, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.05)


def committed_more_or_exited(db: Path, before: int, crawl: subprocess.Popen[str]) -> bool:
    return count(db, "select count(*) from articles") > before or crawl.poll() is not None


def test_ctrl_c_stops_cleanly_keeps_what_was_fetched_and_a_rerun_completes(
    fixture_sites, tmp_path, archive_path
):
    sites = slow_blog_sites(fixture_sites, tmp_path, delay=0.5)
    blog = fixture_sites.servers["blog"]
    crawl = start_crawl(sites, archive_path)
    wait_for(lambda: sum(hit.path.startswith("/posts/") for hit in blog.requests) >= 2)
    crawl.send_signal(signal.SIGINT)
    stdout, stderr = crawl.communicate(timeout=60)

    assert crawl.returncode == 3, stdout + stderr  # stopped early: partly done
    stored = count(archive_path, "select count(*) from articles")
    # Scrapy finishes the downloads already under way; every article it fetched is stored.
    fetched = {hit.path for hit in blog.requests if hit.path.startswith("/posts/")}
    assert stored == len(fetched) >= 2
    assert f"blog: {stored} new" in stdout
    with sqlite3.connect(archive_path) as conn:
        assert conn.execute("select finish_reason, exit_code from crawls").fetchall() == [
            ("shutdown", 3)
        ]

    rerun = start_crawl(sites, archive_path, "DOWNLOAD_DELAY=0", "AUTOTHROTTLE_START_DELAY=0")
    stdout, stderr = rerun.communicate(timeout=60)
    assert rerun.returncode == 0, stdout + stderr
    # It resumes from the job folder, and what the first run stored is not due again: the
    # pages already archived are not fetched again.
    assert f"blog: {BLOG_ARTICLES - stored} new, 0 changed, 0 unchanged" in stdout
    assert count(archive_path, "select count(*) from articles") == BLOG_ARTICLES
    assert count(archive_path, "select count(*) from revisions") == BLOG_ARTICLES


def test_killed_crawl_loses_nothing_committed_and_a_rerun_completes(
    fixture_sites, tmp_path, archive_path
):
    sites = slow_blog_sites(fixture_sites, tmp_path, delay=0.3)
    for attempt in range(3):  # kill at different points of the crawl
        crawl = start_crawl(sites, archive_path, "ARCHIVE_BATCH_SIZE=1")
        before = count(archive_path, "select count(*) from articles")
        wait_for(partial(committed_more_or_exited, archive_path, before, crawl))
        time.sleep(0.1 * attempt)
        crawl.kill()
        crawl.communicate(timeout=30)

        with sqlite3.connect(archive_path) as conn:
            assert conn.execute("pragma integrity_check").fetchone() == ("ok",)
            incomplete = conn.execute(
                "select count(*) from articles a where not exists "
                "(select 1 from revisions r where r.article_id = a.id and r.version = a.version) "
                "or not exists (select 1 from pages p where p.article_id = a.id) "
                "or not exists (select 1 from article_urls u where u.article_id = a.id)"
            ).fetchone()
            assert incomplete == (0,)  # every article row came with all of its parts

    rerun = start_crawl(sites, archive_path, "DOWNLOAD_DELAY=0", "AUTOTHROTTLE_START_DELAY=0")
    stdout, stderr = rerun.communicate(timeout=60)
    assert rerun.returncode == 0, stdout + stderr
    assert count(archive_path, "select count(*) from articles") == BLOG_ARTICLES
    assert count(archive_path, "select count(distinct url) from articles") == BLOG_ARTICLES
    assert count(archive_path, "select count(*) from revisions") == BLOG_ARTICLES
