"""``newsarchive stats`` on archives written by real crawls of the fixture blog.

The request counts are checked against the fixture server's own hit log, and the clock is moved
with NEWSARCHIVE_NOW, so the windows of ``articles_per_day`` and ``error_rate`` are exercised
without waiting.
"""

from __future__ import annotations

import json
import sqlite3
from typing import TYPE_CHECKING, Any

import sqlite_utils

from crawler.archive import open_archive
from crawler.archive.reads import site_totals
from crawler.archive.schema import MIGRATIONS, SCHEMA_VERSION
from crawler.cli.stats import TOTALS_COLUMNS
from crawler.datasette import database_name
from tests.conftest import crawl_fixture_sites, run_cli
from tests.test_datasette import get

if TYPE_CHECKING:
    from pathlib import Path

    from tests.conftest import FixtureSites

T0 = "2026-12-01T12:00:00+00:00"
MONTH_LATER = "2026-12-31T12:00:00+00:00"  # past every fixture article's next check
FAILING = "/posts/tomatoes-again/"
VANISHED = "/posts/my-neighbours-bees/"
BLOG_ARTICLES = 6


def stats_json(db: Path, now: str, *args: str) -> list[dict[str, Any]]:
    result = run_cli(
        "stats", "--db", str(db), "--format", "json", *args, env={"NEWSARCHIVE_NOW": now}
    )
    assert result.returncode == 0, result.stderr
    rows: list[dict[str, Any]] = json.loads(result.stdout)
    return rows


def crawl_blog_with_a_failing_page(sites: FixtureSites, db: Path) -> int:
    """Crawl the blog at T0 with one post answering 500; the requests the server saw."""
    blog = sites.servers["blog"]
    blog.statuses[FAILING] = 500
    result = run_cli(
        "crawl",
        "blog",
        "--sites",
        str(sites.sites_file),
        "--db",
        str(db),
        "-s",
        "RETRY_TIMES=0",
        "-s",
        "CLOSESPIDER_TIMEOUT=60",
        env={"NEWSARCHIVE_NOW": T0},
    )
    assert result.returncode == 3, result.stdout + result.stderr  # partly done
    requests = len(blog.requests)
    blog.statuses.clear()
    blog.requests.clear()
    return requests


def test_one_failing_page_gives_errors_over_requests(fixture_sites, archive_path):
    requests = crawl_blog_with_a_failing_page(fixture_sites, archive_path)
    assert requests > BLOG_ARTICLES  # robots.txt, the front page, listings and the posts

    (row,) = stats_json(archive_path, T0)

    assert row == {
        "site": "blog",
        "articles": BLOG_ARTICLES - 1,
        "gone": 0,
        "articles_per_day": round((BLOG_ARTICLES - 1) / 7, 2),
        "errors": 1,
        "requests": requests,
        "error_rate": round(1 / requests, 4),
        "last_crawl": T0,
        "last_exit_code": 3,
        "latest_published": row["latest_published"],
    }
    assert row["error_rate"] > 0
    with sqlite3.connect(archive_path) as conn:
        assert conn.execute("select errors, requests from crawls").fetchall() == [(1, requests)]


def test_windows_count_back_from_the_clock_and_gone_is_counted(fixture_sites, archive_path):
    first = crawl_blog_with_a_failing_page(fixture_sites, archive_path)
    blog = fixture_sites.servers["blog"]
    blog.statuses[VANISHED] = 410  # the failing post answers again; another one vanished
    crawl_fixture_sites(fixture_sites, archive_path, "blog", env={"NEWSARCHIVE_NOW": MONTH_LATER})
    second = len(blog.requests)

    # The last 7 days hold the second crawl only: no errors, one article first archived.
    (week,) = stats_json(archive_path, MONTH_LATER)
    assert (week["articles"], week["gone"], week["last_crawl"], week["last_exit_code"]) == (
        BLOG_ARTICLES,
        1,
        MONTH_LATER,
        0,
    )
    assert (week["errors"], week["requests"], week["error_rate"]) == (0, second, 0.0)
    assert week["articles_per_day"] == round(1 / 7, 2)

    # 31 days reach back to the first crawl and its failing page.
    (month,) = stats_json(archive_path, MONTH_LATER, "--days", "31")
    assert (month["errors"], month["requests"]) == (1, first + second)
    assert month["error_rate"] == round(1 / (first + second), 4)
    assert month["articles_per_day"] == round(BLOG_ARTICLES / 31, 2)

    # Datasette's `sites` canned query is the same SQL with the same parameters.
    path = f"/{database_name(archive_path)}/sites.json?_shape=array&days=31&now=" + (
        MONTH_LATER.replace("+", "%2B")
    )
    assert get(archive_path, path).json() == [month]


def test_stats_table_shows_the_new_columns(fixture_sites, archive_path):
    requests = crawl_blog_with_a_failing_page(fixture_sites, archive_path)
    result = run_cli("stats", "--db", str(archive_path), env={"NEWSARCHIVE_NOW": T0})
    assert result.returncode == 0, result.stderr
    header, line = result.stdout.splitlines()
    assert tuple(header.split()) == TOTALS_COLUMNS
    assert line.split()[:7] == ["blog", "5", "0", "0.71", str(round(1 / requests, 4)), T0, "3"]


def test_stats_help_names_the_default_window():
    result = run_cli("stats", "--help")
    assert "default 7" in " ".join(result.stdout.split())


def test_schema_3_archive_gains_crawls_requests_and_old_crawls_give_no_rate(archive_path):
    conn = sqlite3.connect(archive_path)
    old = sqlite_utils.Database(conn)
    for migration in MIGRATIONS[:3]:
        migration(old)
    conn.execute("pragma user_version = 3")
    conn.execute(
        "insert into crawls (site, command, started_at, finished_at, errors, exit_code) "
        "values ('blog', 'crawl', ?, ?, 2, 3)",
        [T0, T0],
    )
    conn.commit()
    conn.close()

    db = open_archive(archive_path)
    try:
        assert db.execute("pragma user_version").fetchone()[0] == SCHEMA_VERSION >= 4
        assert db.execute("select errors, requests from crawls").fetchall() == [(2, None)]
        (row,) = site_totals(db, now=T0)
    finally:
        db.close()
    assert (row["errors"], row["requests"], row["error_rate"]) == (0, 0, None)
    assert (row["last_crawl"], row["last_exit_code"]) == (T0, 3)
