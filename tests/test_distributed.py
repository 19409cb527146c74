"""A distributed crawl on real processes: a real redis-server, two workers and one writer.

The workers (``newsarchive crawl --redis``) and the writer (``newsarchive ingest``) run as the
user would start them, against the fixture sites on loopback servers. Each worker sends its
own User-Agent (``-s USER_AGENT``) so the servers' logs say who fetched what.
"""

from __future__ import annotations

import json
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
from typing import TYPE_CHECKING
from urllib.parse import urlparse

import pytest
import redis

from tests.conftest import ROOT, run_cli
from tests.test_crawl import EXPECTED_ARTICLES

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from tests.conftest import FixtureSites

pytestmark = pytest.mark.slow
IDLE_EXIT = "3"
RUN_TIMEOUT = 150
WORKERS = ("worker-a", "worker-b")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    """A private redis-server on 127.0.0.1, nothing saved to disk."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed (Debian: apt-get install redis-server)")
    port = free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                redis.Redis.from_url(url).ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def cli_process(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "crawler.cli", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def distributed_crawl(sites: FixtureSites, db: Path, url: str) -> dict[str, tuple[int, str]]:
    """Start two workers, then the writer; wait for all three; their exit codes and output."""
    # A small delay, or the first worker would have fetched everything before the second ran.
    worker_args = ["--redis", url, "--idle-exit", IDLE_EXIT, "-s", "DOWNLOAD_DELAY=0.2"]
    workers = {
        name: cli_process(
            "crawl", "--sites", str(sites.sites_file), *worker_args, "-s", f"USER_AGENT={name}"
        )
        for name in WORKERS
    }
    writer = cli_process(
        "ingest", "--redis", url, "--sites", str(sites.sites_file), "--db", str(db),
        "--idle-exit", IDLE_EXIT,
    )  # fmt: skip
    results = {}
    for name, process in {**workers, "writer": writer}.items():
        out, err = process.communicate(timeout=RUN_TIMEOUT)
        results[name] = (process.returncode, out + err)
    return results


def rows(db: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()


def article_fetches(sites: FixtureSites, db: Path) -> dict[str, list[str]]:
    """Each archived article's URL -> the User-Agents that fetched its page."""
    fetched = {}
    for (url,) in rows(db, "select url from articles"):
        parts = urlparse(url)
        server = next(s for s in sites.servers.values() if s.port == parts.port)
        fetched[url] = [hit.user_agent for hit in server.requests if hit.path == parts.path]
    return fetched


def test_two_workers_and_a_writer_archive_every_article_once(
    fixture_sites: FixtureSites, archive_path: Path, redis_url: str
):
    results = distributed_crawl(fixture_sites, archive_path, redis_url)

    for name, (code, output) in results.items():
        assert code == 0, f"{name}: {output}"
    counts = dict(rows(archive_path, "select site, count(*) from articles group by site"))
    assert counts == EXPECTED_ARTICLES
    assert rows(archive_path, "select count(*) from revisions") == [(21,)]
    fetched = article_fetches(fixture_sites, archive_path)
    assert {url: len(agents) for url, agents in fetched.items() if len(agents) != 1} == {}
    # Robots.txt holds in every worker, for the first requests to a host too.
    assert fixture_sites.servers["paper"].hits("/private/") == 0
    # Both workers took pages from the shared queue.
    by_worker = {name: sum(agents == [name] for agents in fetched.values()) for name in WORKERS}
    assert all(by_worker.values()), by_worker
    # The writer records each site's run as a local crawl does, with its exit code.
    crawls = rows(
        archive_path,
        "select site, command, articles_new, exit_code, finish_reason from crawls order by site",
    )
    assert crawls == [
        (site, "ingest", EXPECTED_ARTICLES[site], 0, "finished") for site in sorted(counts)
    ]
    stats = run_cli("stats", "--db", str(archive_path), "--format", "json")
    assert {
        row["site"]: row["last_exit_code"] for row in json.loads(stats.stdout)
    } == dict.fromkeys(EXPECTED_ARTICLES, 0)
    assert "21 new" not in results["writer"][1]  # per-site lines, not a total
    assert f"wp: {EXPECTED_ARTICLES['wp']} new, 0 changed, 0 unchanged" in results["writer"][1]
    for name in WORKERS:
        assert "handed to the writer" in results[name][1]


def test_a_second_round_fetches_no_article_that_is_not_due(
    fixture_sites: FixtureSites, archive_path: Path, redis_url: str
):
    distributed_crawl(fixture_sites, archive_path, redis_url)
    before = {
        url: len(agents) for url, agents in article_fetches(fixture_sites, archive_path).items()
    }

    results = distributed_crawl(fixture_sites, archive_path, redis_url)

    assert all(code == 0 for code, _ in results.values()), results
    after = {
        url: len(agents) for url, agents in article_fetches(fixture_sites, archive_path).items()
    }
    assert after == before  # every article is known and not due: none fetched again
    assert rows(archive_path, "select count(*) from revisions") == [(21,)]
    assert "wp: 0 new, 0 changed, 0 unchanged" in results["writer"][1]


def test_an_article_due_again_is_revisited_once_with_its_validators(
    fixture_sites: FixtureSites, archive_path: Path, redis_url: str
):
    distributed_crawl(fixture_sites, archive_path, redis_url)
    fixture_sites.servers["wp"].requests.clear()
    db = str(archive_path)
    with sqlite3.connect(db) as conn:  # make every wp article due now
        conn.execute(
            "update schedule set next_check = '2000-01-01T00:00:00+00:00' where article_id in "
            "(select id from articles where site = 'wp')"
        )

    distributed_crawl(fixture_sites, archive_path, redis_url)

    wp = fixture_sites.servers["wp"]
    article_paths = {
        urlparse(url).path
        for (url,) in rows(archive_path, "select url from articles where site='wp'")
    }
    revisits = [hit for hit in wp.requests if hit.path in article_paths]
    assert sorted(hit.path for hit in revisits) == sorted(article_paths)  # each once
    assert all(hit.if_none_match for hit in revisits)  # asked with the validator
    assert all(hit.status == 304 for hit in revisits)
    assert rows(archive_path, "select count(*) from revisions") == [(21,)]


def test_a_worker_without_redis_says_so_in_one_line(fixture_sites: FixtureSites):
    url = f"redis://127.0.0.1:{free_port()}/0"
    result = run_cli("crawl", "--sites", str(fixture_sites.sites_file), "--redis", url)
    assert result.returncode == 1
    assert result.stderr.strip() == f"Error: {url}: cannot reach Redis (connection refused)"
    result = run_cli("ingest", "--sites", str(fixture_sites.sites_file), "--redis", url)
    assert result.returncode == 1
    assert result.stderr.strip() == f"Error: {url}: cannot reach Redis (connection refused)"


def test_a_killed_writer_loses_nothing_and_its_successor_fetches_nothing_again(
    fixture_sites: FixtureSites, archive_path: Path, redis_url: str
):
    """SIGKILL the writer as soon as it has seeded: workers go on and queue every article."""
    sites_file = str(fixture_sites.sites_file)
    workers = [
        cli_process("crawl", "--sites", sites_file, "--redis", redis_url, "--idle-exit", "3")
    ]
    writer = cli_process(
        "ingest", "--redis", redis_url, "--sites", sites_file, "--db", str(archive_path)
    )
    assert writer.stdout is not None
    assert writer.stdout.readline().startswith("Seeded ")
    writer.kill()
    writer.wait(timeout=10)
    for worker in workers:
        worker.communicate(timeout=RUN_TIMEOUT)
    queued = redis.Redis.from_url(redis_url).llen("newsarchive:items")
    assert queued == sum(EXPECTED_ARTICLES.values())
    assert rows(archive_path, "select count(*) from articles") == [(0,)]

    results = distributed_crawl(fixture_sites, archive_path, redis_url)

    assert results["writer"][0] == 0, results["writer"][1]
    assert f"Wrote {queued} articles and checks left from an earlier round" in results["writer"][1]
    counts = dict(rows(archive_path, "select site, count(*) from articles group by site"))
    assert counts == EXPECTED_ARTICLES
    assert rows(archive_path, "pragma integrity_check") == [("ok",)]
    fetched = article_fetches(fixture_sites, archive_path)
    assert {url: len(agents) for url, agents in fetched.items() if len(agents) != 1} == {}
