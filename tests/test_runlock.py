"""One run per archive, however started; Ctrl-C that stops promptly and resumes (RELIABILITY 21)."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import time
from typing import TYPE_CHECKING

import pytest

from crawler.jobdir import MARKER
from tests.conftest import run_cli
from tests.test_faults import BLOG_ARTICLES, count, slow_blog_sites, start_crawl, wait_for

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

MESSAGE = "interrupted, stopping after the pages in flight"


def bare_scrapy(sites: Path, db: Path, *settings: str, **popen: object) -> subprocess.Popen[str]:
    """``scrapy crawl`` as Scrapyd runs it: no ``newsarchive`` command around it."""
    args = [sys.executable, "-m", "scrapy", "crawl", "news", "-a", "site=blog"]
    for setting in (f"ARCHIVE_PATH={db}", f"ARCHIVE_SITES={sites}", *settings):
        args += ["-s", setting]
    return subprocess.Popen(
        args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **popen
    )


def post_hits(server) -> list[str]:
    return [hit.path for hit in server.requests if hit.path.startswith("/posts/")]


def test_a_second_run_either_way_exits_4_with_one_line(fixture_sites, tmp_path, archive_path):
    sites = slow_blog_sites(fixture_sites, tmp_path, delay=1.0)
    blog = fixture_sites.servers["blog"]
    first = start_crawl(sites, archive_path)
    wait_for(lambda: len(blog.requests) >= 1)

    second = run_cli("crawl", "--sites", str(sites), "--db", str(archive_path), timeout=30)
    bare = bare_scrapy(sites, archive_path)
    _, bare_err = bare.communicate(timeout=30)
    assert first.poll() is None  # the first run still held the lock throughout

    assert second.returncode == 4
    assert second.stderr.count("locked by another run") == 1
    assert bare.returncode == 4, bare_err
    assert bare_err.count("locked by another run") == 1
    first.send_signal(signal.SIGINT)
    first.communicate(timeout=30)
    with sqlite3.connect(archive_path) as conn:  # the refused runs wrote nothing
        assert conn.execute("select count(*) from crawls").fetchone() == (1,)


def test_bare_scrapy_crawl_takes_the_lock_and_records_its_exit_code(
    fixture_sites, tmp_path, archive_path
):
    sites = slow_blog_sites(fixture_sites, tmp_path, delay=0)
    crawl = bare_scrapy(sites, archive_path, "AUTOTHROTTLE_START_DELAY=0")
    _, stderr = crawl.communicate(timeout=60)
    assert crawl.returncode == 0, stderr
    with sqlite3.connect(archive_path) as conn:
        assert conn.execute("select finish_reason, exit_code from crawls").fetchall() == [
            ("finished", 0)
        ]
    assert count(archive_path, "select count(*) from articles") == BLOG_ARTICLES
    assert not (tmp_path / "archive.db.jobs").exists()  # a finished run leaves no job folder

    # An error page makes the same command partly done, and says so in crawls.
    fixture_sites.servers["blog"].statuses["/posts/tomatoes-again/"] = 500
    archive_path.unlink()
    crawl = bare_scrapy(sites, archive_path, "AUTOTHROTTLE_START_DELAY=0", "RETRY_TIMES=0")
    _, stderr = crawl.communicate(timeout=60)
    assert crawl.returncode == 3, stderr
    with sqlite3.connect(archive_path) as conn:
        assert conn.execute("select exit_code from crawls").fetchall() == [(3,)]


def ctrl_c(
    tmp_path: Path, sites: Path, db: Path, ready: Callable[[], bool], *settings: str
) -> tuple[subprocess.Popen[str], str, float, float]:
    """Crawl, Ctrl-C once ``ready()``: (process, its output, seconds to message, to exit)."""
    stderr_file = tmp_path / "stderr.txt"
    args = [sys.executable, "-m", "crawler.cli", "crawl", "--sites", str(sites), "--db", str(db)]
    for setting in settings:
        args += ["-s", setting]
    with stderr_file.open("w") as err:
        crawl = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=err, text=True)
        wait_for(ready)
        interrupted = time.monotonic()
        crawl.send_signal(signal.SIGINT)
        try:
            wait_for(lambda: MESSAGE in stderr_file.read_text(), timeout=1)
            said = time.monotonic() - interrupted
        except AssertionError:
            said = float("inf")
        stdout, _ = crawl.communicate(timeout=60)
    return crawl, stdout + stderr_file.read_text(), said, time.monotonic() - interrupted


def interrupt_slow_crawl(
    fixture_sites, tmp_path: Path, db: Path, *settings: str
) -> tuple[subprocess.Popen[str], str, float, float]:
    """Crawl a slow blog, Ctrl-C after two article pages: (process, stdout, to message, to exit)."""
    sites = slow_blog_sites(fixture_sites, tmp_path, delay=0.5)
    blog = fixture_sites.servers["blog"]
    for post in (fixture_sites.root / "blog" / "posts").iterdir():
        blog.delays[f"/posts/{post.name}/"] = 1.0  # a slow site: pages stay in flight
    return ctrl_c(tmp_path, sites, db, lambda: len(post_hits(blog)) >= 2, *settings)


def test_ctrl_c_says_so_at_once_stops_in_5_s_and_the_next_run_resumes(
    fixture_sites, tmp_path, archive_path
):
    blog = fixture_sites.servers["blog"]
    crawl, output, said, seconds = interrupt_slow_crawl(fixture_sites, tmp_path, archive_path)
    sites = tmp_path / "slow.toml"

    assert said < 1
    assert seconds < 5
    assert crawl.returncode == 3, output
    first = post_hits(blog)
    assert count(archive_path, "select count(*) from articles") == len(first) < BLOG_ARTICLES
    job = tmp_path / "archive.db.jobs" / "blog"
    assert (job / "requests.seen").is_file()
    assert not (job / MARKER).exists()  # stopped cleanly: the next run may trust it

    blog.delays.clear()
    rerun = start_crawl(sites, archive_path, "DOWNLOAD_DELAY=0", "AUTOTHROTTLE_START_DELAY=0")
    stdout, stderr = rerun.communicate(timeout=60)
    assert rerun.returncode == 0, stdout + stderr
    hits = post_hits(blog)
    assert all(hits.count(path) == 1 for path in first)  # resumed: nothing fetched twice
    assert sorted(set(hits)) == sorted(hits)
    assert f"blog: {BLOG_ARTICLES - len(first)} new, 0 changed, 0 unchanged" in stdout
    assert count(archive_path, "select count(*) from articles") == BLOG_ARTICLES
    assert not job.exists()  # finished: requests.seen must not hide pages from revisits


def test_after_a_kill_the_next_run_discards_the_job_folder(fixture_sites, tmp_path, archive_path):
    sites = slow_blog_sites(fixture_sites, tmp_path, delay=0.3)
    blog = fixture_sites.servers["blog"]
    crawl = start_crawl(sites, archive_path, "ARCHIVE_BATCH_SIZE=1")
    wait_for(lambda: len(post_hits(blog)) >= 2)
    crawl.kill()
    crawl.communicate(timeout=30)
    job = tmp_path / "archive.db.jobs" / "blog"
    assert (job / MARKER).exists()  # the run did not stop cleanly
    killed_hits = len(post_hits(blog))

    rerun = start_crawl(sites, archive_path, "DOWNLOAD_DELAY=0", "AUTOTHROTTLE_START_DELAY=0")
    stdout, stderr = rerun.communicate(timeout=60)
    assert rerun.returncode == 0, stdout + stderr
    assert "did not stop cleanly" in stderr
    # Discarded, not resumed: the archive and its schedule decide what to fetch. What the
    # killed run stored is not due, so each page is fetched at most once more, and every
    # page at least once in all.
    hits = post_hits(blog)
    assert len(set(hits)) == BLOG_ARTICLES
    assert all(hits.count(path) <= 2 for path in hits)
    assert len(hits) <= killed_hits + BLOG_ARTICLES
    assert count(archive_path, "select count(*) from articles") == BLOG_ARTICLES
    assert count(archive_path, "select count(distinct url) from articles") == BLOG_ARTICLES
    with sqlite3.connect(archive_path) as conn:
        assert conn.execute("pragma integrity_check").fetchone() == ("ok",)
    assert not job.exists()


@pytest.mark.slow  # about 13 s: Scrapy alone fetches four slow pages after the signal
def test_without_the_extension_scrapy_fetches_the_queued_pages_after_ctrl_c(
    fixture_sites, tmp_path, archive_path
):
    """Negative control: Scrapy alone says nothing and fetches what waits in the downloader."""
    without = 'EXTENSIONS={"crawler.extensions.interrupt.InterruptPromptly": null}'
    crawl, output, said, seconds = interrupt_slow_crawl(
        fixture_sites, tmp_path, archive_path, without
    )
    assert crawl.returncode == 3, output
    assert said == float("inf")
    assert count(archive_path, "select count(*) from articles") == BLOG_ARTICLES, output
    assert seconds > 3  # four more slow pages, one at a time
