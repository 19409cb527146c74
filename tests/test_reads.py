"""Tests for crawler/archive/reads.py: the health and per-site totals queries, and that the
``stats`` command and Datasette's ``health`` canned query, which share the SQL, agree.

The archive is a real file written with the archive's own write functions: two sites, articles
first seen on three days, with some bodies, dates and authors missing on purpose.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import pytest

from crawler.archive import finish_crawl, open_archive, start_crawl, store_articles
from crawler.archive.reads import site_health, site_totals
from crawler.datasette import database_name
from tests.conftest import run_cli
from tests.test_datasette import get

if TYPE_CHECKING:
    from pathlib import Path

NOW = "2026-11-20T12:00:00+00:00"
TODAY, YESTERDAY, WEEKS_AGO = "2026-11-20", "2026-11-19", "2026-11-01"

# (site, day first seen, body length (0: empty), published?, authors, access)
ARTICLES = [
    ("wp", TODAY, 100, True, ["Ann Lee"], "truncated"),
    ("wp", TODAY, 0, True, [], "open"),
    ("wp", TODAY, 300, False, ["Bo Park"], "open"),
    ("wp", YESTERDAY, 200, True, ["Ann Lee"], "open"),
    ("wp", YESTERDAY, 400, True, ["Ann Lee"], "open"),
    ("paper", TODAY, 500, True, [], "open"),
    ("paper", YESTERDAY, 10, True, ["Cy Diaz"], "open"),
    ("paper", YESTERDAY, 20, True, ["Cy Diaz"], "open"),
    ("paper", YESTERDAY, 30, False, ["Cy Diaz"], "open"),
    ("paper", YESTERDAY, 40, True, ["Cy Diaz"], "open"),
    ("paper", WEEKS_AGO, 50, True, ["Cy Diaz"], "open"),
]
EXPECTED_HEALTH = [
    {
        "site": "paper",
        "day": TODAY,
        "articles": 1,
        "empty_body": 0.0,
        "no_date": 0.0,
        "no_author": 1.0,
        "truncated": 0.0,
        "median_body_chars": 500.0,
    },
    {
        "site": "wp",
        "day": TODAY,
        "articles": 3,
        "empty_body": 0.33,
        "no_date": 0.33,
        "no_author": 0.33,
        "truncated": 0.33,
        "median_body_chars": 100.0,
    },
    {
        "site": "paper",
        "day": YESTERDAY,
        "articles": 4,
        "empty_body": 0.0,
        "no_date": 0.25,
        "no_author": 0.0,
        "truncated": 0.0,
        "median_body_chars": 25.0,  # the mean of the two middle lengths, 20 and 30
    },
    {
        "site": "wp",
        "day": YESTERDAY,
        "articles": 2,
        "empty_body": 0.0,
        "no_date": 0.0,
        "no_author": 0.0,
        "truncated": 0.0,
        "median_body_chars": 300.0,
    },
]


def record(number: int, site: str, day: str, length: int, dated: bool, authors, access):
    fetched_at = f"{day}T0{number % 10}:00:00+00:00"
    url = f"http://{site}.example/story-{number}/"
    return {
        "url": url,
        "site": site,
        "title": f"Story {number}",
        "body": "x" * length,
        "published": f"{day}T00:00:00+00:00" if dated else None,
        "authors": authors,
        "access": access,
        "content_hash": f"hash-{number}",
        "page": {
            "url": url,
            "status": 200,
            "headers": {},
            "body": f"<p>{number}</p>".encode(),
            "fetched_at": fetched_at,
        },
    }


@pytest.fixture
def health_archive(tmp_path) -> Path:
    path = tmp_path / "health.db"
    db = open_archive(path)
    store_articles(db, [record(n, *article) for n, article in enumerate(ARTICLES)])
    for site, started in (("wp", "2026-11-19T06:00:00+00:00"), ("wp", "2026-11-20T06:00:00+00:00")):
        crawl_id = start_crawl(db, site=site, command="crawl", started_at=started)
        finish_crawl(db, crawl_id, finished_at=started.replace("06:00", "06:05"))
    start_crawl(db, site="(urls)", command="archive", started_at="2026-11-20T07:00:00+00:00")
    db.close()
    return path


def stats_json(db: Path, *args: str) -> Any:
    result = run_cli(
        "stats", "--db", str(db), "--format", "json", *args, env={"NEWSARCHIVE_NOW": NOW}
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def health_path(db: Path, **params: str) -> str:
    """The canned query's JSON URL; ``now`` is encoded, or its ``+`` would become a space."""
    query = urlencode({"_shape": "array", "now": NOW, **params})
    return f"/{database_name(db)}/health.json?{query}"


def test_health_rows_per_site_and_day_newest_first(health_archive):
    db = open_archive(health_archive)
    try:
        assert site_health(db, now=NOW) == EXPECTED_HEALTH
    finally:
        db.close()


def test_health_window_counts_back_from_the_clock(health_archive):
    db = open_archive(health_archive)
    try:
        assert {row["day"] for row in site_health(db, days=1, now=NOW)} == {TODAY}
        assert {row["day"] for row in site_health(db, days=30, now=NOW)} == {
            TODAY,
            YESTERDAY,
            WEEKS_AGO,
        }
        # Moved a day forward, "today" holds nothing and the window still reaches yesterday.
        later = site_health(db, days=2, now="2026-11-21T12:00:00+00:00")
        assert {row["day"] for row in later} == {TODAY}
    finally:
        db.close()


def test_stats_health_command_and_canned_query_agree(health_archive):
    from_command = stats_json(health_archive, "--health")
    assert from_command == EXPECTED_HEALTH
    response = get(health_archive, health_path(health_archive))
    assert response.status_code == 200
    assert response.json() == from_command


def test_stats_health_site_and_days_filters_agree_with_the_canned_query(health_archive):
    from_command = stats_json(health_archive, "--health", "--site", "paper", "--days", "30")
    assert [(row["site"], row["day"]) for row in from_command] == [
        ("paper", TODAY),
        ("paper", YESTERDAY),
        ("paper", WEEKS_AGO),
    ]
    response = get(health_archive, health_path(health_archive, site="paper", days="30"))
    assert response.json() == from_command


def test_stats_health_table(health_archive):
    result = run_cli("stats", "--health", "--db", str(health_archive), env={"NEWSARCHIVE_NOW": NOW})
    assert result.returncode == 0, result.stderr
    header, *lines = result.stdout.splitlines()
    assert header.split() == [
        "site",
        "day",
        "articles",
        "empty_body",
        "no_date",
        "no_author",
        "truncated",
        "median_body_chars",
    ]
    assert lines[1].split() == ["wp", TODAY, "3", "0.33", "0.33", "0.33", "0.33", "100.0"]
    assert len(lines) == 4


def test_stats_totals_per_site(health_archive):
    # Crawls recorded without a request count give no error rate; 5 of paper's 6 articles and
    # all 5 of wp's were first archived in the last 7 days.
    assert stats_json(health_archive) == [
        {
            "site": "paper",
            "articles": 6,
            "gone": 0,
            "articles_per_day": 0.71,
            "errors": 0,
            "requests": 0,
            "error_rate": None,
            "last_crawl": None,
            "last_exit_code": None,
            "latest_published": f"{TODAY}T00:00:00+00:00",
        },
        {
            "site": "wp",
            "articles": 5,
            "gone": 0,
            "articles_per_day": 0.71,
            "errors": 0,
            "requests": 0,
            "error_rate": None,
            "last_crawl": "2026-11-20T06:00:00+00:00",
            "last_exit_code": None,
            "latest_published": f"{TODAY}T00:00:00+00:00",
        },
    ]
    db = open_archive(health_archive)
    try:
        assert [row["site"] for row in site_totals(db, site="wp")] == ["wp"]
    finally:
        db.close()


def test_health_canned_query_is_listed_with_a_title(health_archive):
    response = get(health_archive, f"/{database_name(health_archive)}.json")
    queries = {query["name"]: query for query in response.json()["queries"]}
    assert queries["health"]["title"] == "Extraction health by site and day"


def test_stats_without_an_archive_is_one_line_and_exit_1(tmp_path):
    missing = tmp_path / "none.db"
    result = run_cli("stats", "--health", "--db", str(missing))
    assert result.returncode == 1
    assert (
        result.stderr.strip()
        == f"Error: {missing}: no archive there yet (run newsarchive crawl first)"
    )
    assert not missing.exists()


def test_stats_rejects_a_bad_days_value(health_archive):
    result = run_cli("stats", "--health", "--days", "0", "--db", str(health_archive))
    assert result.returncode == 2
