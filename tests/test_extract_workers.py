"""ARCHIVE_EXTRACT_WORKERS: extraction in worker processes stores what one process stores,
survives a killed worker, and leaves no process behind (end of crawl, Ctrl-C)."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path

from crawler.archive.schema import ARTICLE_COLUMNS
from crawler.extract.article import extract_page
from crawler.extract_pool import ExtractPool, PageJob, extract_workers
from tests.conftest import run_cli
from tests.generated_site import generated_site
from tests.test_faults import count, wait_for

NOW = "2026-03-02T09:00:00+00:00"
MARK = "NEWSARCHIVE_TEST_MARK"


def articles(db: Path) -> dict[str, dict]:
    """Every stored column of every article, by URL."""
    with sqlite3.connect(db) as conn:
        conn.row_factory = sqlite3.Row
        rows = conn.execute("select * from articles").fetchall()
    return {row["url"]: {name: row[name] for name in row.keys()} for row in rows}  # noqa: SIM118


def signatures(db: Path) -> dict[str, tuple[str, bytes]]:
    """Each signed article's content hash and MinHash signature, by URL."""
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "select articles.url, article_signatures.content_hash, article_signatures.signature "
            "from article_signatures join articles on articles.id = article_signatures.article_id"
        ).fetchall()
    return {url: (content_hash, signature) for url, content_hash, signature in rows}


def raw_pages(db: Path) -> dict[str, bytes]:
    """Each stored raw page's compressed body, by URL."""
    with sqlite3.connect(db) as conn:
        return dict(conn.execute("select url, html_gzip from pages").fetchall())


def marked_processes(mark: str) -> list[int]:
    """Processes (other than this one) whose environment carries ``mark``."""
    found = []
    needle = f"{MARK}={mark}".encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            environ = (entry / "environ").read_bytes()
            state = (entry / "stat").read_text().split(")")[-1].split()[0]
        except OSError:
            continue
        if needle in environ.split(b"\0") and state != "Z":
            found.append(int(entry.name))
    return found


def crawl_with_workers(
    sites_file: Path, db: Path, workers: int, env: dict[str, str], *options: str
) -> str:
    """``newsarchive crawl`` with ``workers`` extraction workers, which must succeed."""
    result = run_cli(
        "crawl",
        "--sites",
        str(sites_file),
        "--db",
        str(db),
        "-s",
        "CLOSESPIDER_TIMEOUT=60",
        "-s",
        f"ARCHIVE_EXTRACT_WORKERS={workers}",
        *options,
        env=env,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout + result.stderr


def test_two_workers_store_every_column_as_one_process_does(fixture_sites, tmp_path):
    env = {"NEWSARCHIVE_NOW": NOW}
    alone, pooled = tmp_path / "alone.db", tmp_path / "pooled.db"
    crawl_with_workers(fixture_sites.sites_file, alone, 0, env)
    stats = tmp_path / "pooled.stats.json"
    crawl_with_workers(
        fixture_sites.sites_file, pooled, 2, env, "-s", f"ARCHIVE_STATS_FILE={stats}"
    )
    one, two = articles(alone), articles(pooled)
    assert len(one) >= 10
    assert one.keys() == two.keys()
    for url, row in one.items():
        for column in ARTICLE_COLUMNS:
            if column == "id":  # assigned in arrival order, which concurrency shuffles
                continue
            assert two[url][column] == row[column], (url, column)
    # The workers signed the bodies for the near-duplicate index and compressed the raw pages
    # as the write would have.
    signed = signatures(alone)
    assert len(signed) >= 5
    assert signatures(pooled) == signed
    pages = raw_pages(alone)
    assert len(pages) >= len(one)
    assert raw_pages(pooled) == pages
    last_site = json.loads(stats.read_text())  # the stats of the crawl's last site
    assert last_site["archive/packed_by_workers"] == last_site["archive/articles/new"] > 0


def test_a_killed_worker_is_replaced_and_its_page_extracted_again(fixture_sites):
    page = min((fixture_sites.root / "wp" / "2018").rglob("index.html"))
    html = page.read_text(encoding="utf-8")
    url = "http://127.0.0.1/a/"
    expected = extract_page(html, url)
    job = PageJob(html, url)
    pool = ExtractPool(1)
    try:
        first = asyncio.run(pool.run(job))
        (worker,) = pool.pids()
        os.kill(worker, signal.SIGKILL)
        wait_for(lambda: not Path(f"/proc/{worker}").exists() or _zombie(worker), timeout=10)
        again = asyncio.run(pool.run(job))
        assert pool.restarts == 1
        assert pool.pids() != [worker]
    finally:
        pool.shutdown()
    assert first == expected
    assert again == expected
    assert expected.record["body"]


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] == "Z"
    except OSError:
        return True


def test_one_core_ignores_the_workers_with_one_warning(caplog):
    with caplog.at_level(logging.WARNING):
        assert extract_workers(2, cores=1) == 0
    assert [r.getMessage() for r in caplog.records] == [
        "ARCHIVE_EXTRACT_WORKERS = 2 ignored: this machine has one core"
    ]
    assert extract_workers(2, cores=2) == 2
    assert extract_workers(0, cores=8) == 0


def start_pooled_crawl(sites_file: Path, db: Path, mark: str) -> subprocess.Popen[str]:
    """``newsarchive crawl`` with two workers, in a session of its own, its processes marked."""
    args = [sys.executable, "-m", "crawler.cli", "crawl", "--sites", str(sites_file)]
    args += ["--db", str(db), "-s", "ARCHIVE_EXTRACT_WORKERS=2"]
    args += ["-s", "ARCHIVE_BATCH_SIZE=1", "-s", "CLOSESPIDER_TIMEOUT=60"]
    return subprocess.Popen(
        args,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, MARK: mark},
        start_new_session=True,
    )


def test_the_sites_of_a_crawl_share_the_workers_and_none_outlives_it(fixture_sites, tmp_path):
    mark = uuid.uuid4().hex
    crawl = start_pooled_crawl(fixture_sites.sites_file, tmp_path / "archive.db", mark)
    most = 0
    while crawl.poll() is None:
        most = max(most, len(marked_processes(mark)))
        time.sleep(0.05)
    stdout, stderr = crawl.communicate(timeout=60)
    assert crawl.returncode == 0, stdout + stderr
    # Three sites, one pool: the crawl, multiprocessing's fork server and resource tracker,
    # two workers (a pool per site would have started six).
    assert 3 <= most <= 5
    assert marked_processes(mark) == []


def interrupt_pooled_crawl(tmp_path: Path, how: signal.Signals) -> tuple[int, str]:
    """Send ``how`` to a crawl with two workers once it has stored a few articles.

    Returns the crawl's exit code and output, once none of its processes is left (or 5 s
    after it ended, which fails the caller's check).
    """
    site = generated_site(tmp_path / "gen", pages=300, delay=0.05, concurrency=2)
    mark = uuid.uuid4().hex
    db = tmp_path / "gen.db"
    try:
        crawl = start_pooled_crawl(site.sites_file, db, mark)
        wait_for(lambda: count(db, "select count(*) from articles") >= 3)
        # The crawl, its fork server and two workers.
        assert len(marked_processes(mark)) >= 4
        if how == signal.SIGINT:  # Ctrl-C reaches the whole process group
            os.killpg(crawl.pid, how)
        else:
            crawl.send_signal(how)
        stdout, stderr = crawl.communicate(timeout=60)
        deadline = time.monotonic() + 5
        while marked_processes(mark) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert marked_processes(mark) == []
        return crawl.returncode, stdout + stderr
    finally:
        site.stop()


def test_ctrl_c_stops_the_workers_with_the_crawl(tmp_path):
    code, output = interrupt_pooled_crawl(tmp_path, signal.SIGINT)
    assert code == 3, output
    assert "Traceback" not in output


def test_workers_of_a_killed_crawl_exit_on_their_own(tmp_path):
    code, _ = interrupt_pooled_crawl(tmp_path, signal.SIGKILL)
    assert code == -signal.SIGKILL
