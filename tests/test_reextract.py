"""``newsarchive reextract``: stored pages through today's extractor, on real crawls and files.

The fixture sites are crawled for real; then what the extractor is given changes without a
crawl (a per-site selector added to the sites file), and the re-extraction must record what
changed as revisions with reason ``reextract`` while leaving the fetch bookkeeping (schedule,
``last_seen``, pages) and the network alone.
"""

from __future__ import annotations

import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import replace
from typing import TYPE_CHECKING

import pytest

from crawler.archive.lock import run_lock
from crawler.demo.server import SiteServer
from tests.conftest import (
    SITE_DIR,
    SITE_HOSTS,
    FixtureSites,
    crawl_fixture_sites,
    run_cli,
    sites_toml,
)
from tests.generated_site import generated_site

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

GONE_POST = "/posts/tomatoes-again/"
BLOG_TITLE_SUFFIX = " – Notes from the Valley"  # the blog's <title> is "<headline> – <blog>"


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[FixtureSites, Path]]:
    """The fixture sites, served, and one archive of two of them, crawled once per module.

    The paper is crawled on 2026-10-01, the blog on 2026-11-10 (``NEWSARCHIVE_NOW``), so
    ``--since`` has two fetch times to tell apart.
    """
    root = tmp_path_factory.mktemp("reextract")
    shutil.copytree(SITE_DIR, root / "site")
    servers = {
        name: SiteServer(root / "site" / name, host=host).start()
        for name, host in SITE_HOSTS.items()
    }
    sites_file = root / "sites.toml"
    sites_file.write_text(sites_toml(servers), encoding="utf-8")
    sites = FixtureSites(root=root / "site", servers=servers, sites_file=sites_file)
    db = root / "crawled.db"
    crawl_fixture_sites(sites, db, "paper", env={"NEWSARCHIVE_NOW": "2026-10-01T12:00:00Z"})
    crawl_fixture_sites(sites, db, "blog", env={"NEWSARCHIVE_NOW": "2026-11-10T00:00:00Z"})
    # Two days on, a revisit: one post is gone, the others answer 304. Their schedule and
    # last_seen move past their stored pages' fetch time, which a re-extraction must not undo.
    servers["blog"].statuses[GONE_POST] = 404
    crawl_fixture_sites(sites, db, "blog", env={"NEWSARCHIVE_NOW": "2026-11-12T00:00:00Z"})
    servers["blog"].statuses.clear()
    yield sites, db
    for server in servers.values():
        server.stop()


@pytest.fixture
def archive(crawled: tuple[FixtureSites, Path], tmp_path: Path) -> tuple[FixtureSites, Path]:
    """A copy of the crawled archive and of the sites file, for one test to change."""
    sites, db = crawled
    sites_file = tmp_path / "sites.toml"
    shutil.copy(sites.sites_file, sites_file)
    shutil.copy(db, tmp_path / "archive.db")
    for server in sites.servers.values():
        server.requests.clear()
    return replace(sites, sites_file=sites_file), tmp_path / "archive.db"


def reextract(sites: FixtureSites, db: Path, *args: str, env: dict[str, str] | None = None):
    return run_cli("reextract", "--sites", str(sites.sites_file), "--db", str(db), *args, env=env)


def add_selectors(sites: FixtureSites, site: str, lines: str) -> None:
    with sites.sites_file.open("a", encoding="utf-8") as file:
        file.write(f"\n[sites.{site}.selectors]\n{lines}\n")


def rows(db: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()


def fetch_state(db: Path) -> dict[str, list[tuple]]:
    """What only a fetch may change: schedule, last_seen and gone_at, the stored pages."""
    return {
        "schedule": rows(db, "SELECT * FROM schedule ORDER BY article_id"),
        "articles": rows(db, "SELECT id, first_seen, last_seen, gone_at FROM articles ORDER BY id"),
        "pages": rows(db, "SELECT id, url, fetched_at, last_fetched_at FROM pages ORDER BY id"),
        "urls": rows(db, "SELECT * FROM article_urls ORDER BY url"),
    }


def request_count(sites: FixtureSites) -> int:
    return sum(len(server.requests) for server in sites.servers.values())


def test_reextract_records_a_changed_extraction_without_fetching(
    archive: tuple[FixtureSites, Path],
) -> None:
    sites, db = archive
    before = fetch_state(db)
    gone = rows(db, "SELECT url FROM articles WHERE gone_at IS NOT NULL")
    assert gone == [(sites.servers["blog"].url(GONE_POST),)]
    assert rows(db, "SELECT count(*) FROM schedule WHERE last_checked > '2026-11-11'") == [(6,)]
    revisions = rows(db, "SELECT count(*) FROM revisions")[0][0]

    # The extractor as the crawl ran it: the same pages give the same articles.
    same = reextract(sites, db)
    assert same.returncode == 0, same.stderr
    assert same.stdout.startswith("reextract: 14 pages, 0 changed, 14 unchanged, 0 dropped")

    add_selectors(sites, "blog", 'title = "title"')
    result = reextract(sites, db)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("reextract: 14 pages, 6 changed, 8 unchanged, 0 dropped")
    assert "\x1b[" not in result.stderr  # no progress display on a pipe

    changed = rows(
        db,
        "SELECT r.version, r.title, r.page_id, a.title, a.version, a.site "
        "FROM revisions r JOIN articles a ON a.id = r.article_id WHERE r.reason = 'reextract'",
    )
    assert len(changed) == 6
    for version, title, page_id, article_title, article_version, site in changed:
        assert site == "blog"
        assert title.endswith(BLOG_TITLE_SUFFIX)
        assert (article_title, article_version) == (title, version)
        assert version == 2
        assert page_id in {page[0] for page in before["pages"]}  # the page it was read from
    assert fetch_state(db) == before
    assert request_count(sites) == 0
    assert rows(db, "SELECT command, site, finish_reason FROM crawls")[-1] == (
        "reextract",
        "(all)",
        "finished",
    )

    rerun = reextract(sites, db)
    assert rerun.returncode == 0, rerun.stderr
    assert rerun.stdout.startswith("reextract: 14 pages, 0 changed, 14 unchanged")
    assert rows(db, "SELECT count(*) FROM revisions")[0][0] == revisions + 6
    assert fetch_state(db) == before
    assert request_count(sites) == 0


def test_reextract_site_and_since_choose_the_pages(archive: tuple[FixtureSites, Path]) -> None:
    sites, db = archive
    add_selectors(sites, "blog", 'title = "title"')
    add_selectors(sites, "paper", 'title = "title"')

    paper_only = reextract(sites, db, "--site", "paper", "--since", "2026-09-01")
    assert paper_only.returncode == 0, paper_only.stderr
    assert paper_only.stdout.startswith("reextract: 8 pages, ")
    assert rows(
        db,
        "SELECT DISTINCT a.site FROM revisions r JOIN articles a ON a.id = r.article_id "
        "WHERE r.reason = 'reextract'",
    ) == [("paper",)]

    too_late = reextract(sites, db, "--since", "2026-11-10T00:00:01")
    assert too_late.stdout.startswith("reextract: 0 pages, 0 changed")
    # The blog's fetch time exactly, written in another zone: "at or after" includes it.
    at_the_instant = reextract(sites, db, "--since", "2026-11-10T01:00+01:00")
    assert at_the_instant.stdout.startswith("reextract: 6 pages, 6 changed, 0 unchanged")


def test_reextract_counts_pages_dropped_now_and_deletes_nothing(
    archive: tuple[FixtureSites, Path],
) -> None:
    sites, db = archive
    articles = rows(db, "SELECT id, title, body, version FROM articles ORDER BY id")
    add_selectors(sites, "blog", 'remove = ["//body", "//head"]')

    result = reextract(sites, db, "--site", "blog")

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("reextract: 6 pages, 0 changed, 0 unchanged, 6 dropped")
    dropped = [line for line in result.stderr.splitlines() if line.startswith("dropped ")]
    assert len(dropped) == 6
    assert all(line.startswith("dropped empty: http://127.0.0.3:") for line in dropped)
    assert rows(db, "SELECT id, title, body, version FROM articles ORDER BY id") == articles


def test_reextract_stopped_early_keeps_its_batches_and_a_rerun_finishes(
    archive: tuple[FixtureSites, Path],
) -> None:
    sites, db = archive
    add_selectors(sites, "blog", 'title = "title"')
    count = "SELECT count(*) FROM revisions WHERE reason = 'reextract'"
    one_at_a_time = ("-s", "ARCHIVE_BATCH_SIZE=1", "-s", "CONCURRENT_REQUESTS=1")

    stopped = reextract(
        sites, db, "--site", "blog", *one_at_a_time, "-s", "CLOSESPIDER_ITEMCOUNT=2"
    )
    assert stopped.returncode == 3, stopped.stdout + stopped.stderr
    assert "stopped before the end (closespider_itemcount)" in stopped.stderr
    kept = rows(db, count)[0][0]
    assert 2 <= kept < 6

    rerun = reextract(sites, db, "--site", "blog")
    assert rerun.returncode == 0, rerun.stderr
    assert rerun.stdout.startswith(f"reextract: 6 pages, {6 - kept} changed, {kept} unchanged")
    assert rows(db, count)[0][0] == 6


def test_reextract_refuses_bad_input_in_one_line(
    archive: tuple[FixtureSites, Path], tmp_path: Path
) -> None:
    sites, db = archive
    missing = reextract(sites, tmp_path / "none.db")
    assert missing.returncode == 1
    assert missing.stderr.strip().splitlines() == [
        f"Error: {tmp_path / 'none.db'}: no archive there yet (run newsarchive crawl first)"
    ]
    assert not (tmp_path / "none.db").exists()

    bad_since = reextract(sites, db, "--since", "last tuesday")
    assert bad_since.returncode == 2
    assert len(bad_since.stderr.strip().splitlines()) == 1
    assert "--since 'last tuesday': not an ISO 8601 date or time" in bad_since.stderr

    unknown = reextract(sites, db, "--site", "gazette")
    assert unknown.returncode == 2
    assert unknown.stderr.strip() == (
        f"Error: --site 'gazette': no such site in {db} (it has: blog, paper)"
    )

    with run_lock(db):
        locked = reextract(sites, db)
    assert locked.returncode == 4
    assert "locked" in locked.stderr
    assert rows(db, "SELECT count(*) FROM crawls WHERE command = 'reextract'") == [(0,)]


def test_reextract_without_a_sites_file_says_what_it_does(
    archive: tuple[FixtureSites, Path], tmp_path: Path
) -> None:
    _, db = archive
    absent = tmp_path / "absent.toml"

    result = run_cli("reextract", "--site", "blog", "--sites", str(absent), "--db", str(db))

    assert result.returncode == 0, result.stderr
    assert f"note: blog is not in {absent}: re-extracted without site selectors" in result.stderr
    assert result.stdout.startswith("reextract: 6 pages, 0 changed, 6 unchanged")


@pytest.mark.slow
def test_ctrl_c_keeps_the_committed_batches_and_a_rerun_finishes(tmp_path: Path) -> None:
    site = generated_site(tmp_path, 150, concurrency=8)
    try:
        db = tmp_path / "archive.db"
        crawl = run_cli("crawl", "--sites", str(site.sites_file), "--db", str(db))
        assert crawl.returncode == 0, crawl.stdout + crawl.stderr
        with site.sites_file.open("a", encoding="utf-8") as file:
            file.write('\n[sites.gazette.selectors]\ntitle = "title"\n')
        site.server.requests.clear()
        count = "SELECT count(*) FROM revisions WHERE reason = 'reextract'"
        args = ["--sites", str(site.sites_file), "--db", str(db), "-s", "ARCHIVE_BATCH_SIZE=5"]
        command = [sys.executable, "-m", "crawler.cli", "reextract", *args]
        running = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        deadline = time.monotonic() + 60
        while rows(db, count)[0][0] == 0 and running.poll() is None:
            assert time.monotonic() < deadline, "no batch committed in 60 s"
            time.sleep(0.02)
        running.send_signal(signal.SIGINT)
        stdout, stderr = running.communicate(timeout=60)

        assert running.returncode == 3, stdout + stderr
        kept = rows(db, count)[0][0]
        assert 5 <= kept < 150
        assert stdout.startswith(f"reextract: 150 pages ({kept} read before the stop), {kept} ")
        assert "stopped before the end (shutdown)" in stderr
        assert rows(db, "PRAGMA integrity_check") == [("ok",)]

        rerun = run_cli("reextract", *args)
        assert rerun.returncode == 0, rerun.stdout + rerun.stderr
        assert rerun.stdout.startswith(
            f"reextract: 150 pages, {150 - kept} changed, {kept} unchanged, 0 dropped"
        )
        assert rows(
            db, "SELECT count(DISTINCT article_id) FROM revisions WHERE reason = 'reextract'"
        ) == [(150,)]
        assert rows(db, count) == [(150,)]
        assert site.server.requests == []
    finally:
        site.stop()
