"""An article's versions and diffs: ``crawler.archive.history`` and ``newsarchive history``.

The archive is a real SQLite file written by ``store_articles``, as a crawl writes it; the
command runs in its own process, as a user runs it.
"""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING, Any

from crawler.archive import history as archive_history
from crawler.archive import open_archive, store_articles
from tests.conftest import run_cli

if TYPE_CHECKING:
    from pathlib import Path

URL = "http://news.test/2026/11/01/harbour-bridge/"
FIRST_BODY = (
    "The harbour bridge will close for repairs on Monday.\n\n"
    "Engineers found cracks in two of its cables last month.\n\n"
    "Ferries will run every ten minutes while it is shut."
)
SECOND_BODY = (
    "The harbour bridge will close for repairs on Monday.\n\n"
    "Engineers found cracks in three of its cables last month.\n\n"
    "Ferries will run every ten minutes while it is shut.\n\n"
    "Correction: an earlier version of this article gave the wrong number of cables."
)


def record(body: str, fetched_at: str, **fields: Any) -> dict[str, Any]:
    """One article as the store pipeline hands it to the archive."""
    url = fields.pop("url", URL)
    page_html = fields.pop("page_html", f"<html><body><p>{body}</p></body></html>".encode())
    return {
        "url": url,
        "site": "news",
        "site_name": "The Test Times",
        "title": fields.pop("title", "Harbour bridge to close for repairs"),
        "description": "Two weeks of works on the city's busiest crossing.",
        "authors": fields.pop("authors", ["Ada Lovelace", "Grace Hopper"]),
        "published": "2026-11-01T07:30:00+00:00",
        "body": body,
        "content_hash": fields.pop("content_hash", str(abs(hash((body, fetched_at))))),
        "page": {
            "url": url,
            "status": 200,
            "headers": fields.pop("headers", {"content-type": "text/html; charset=utf-8"}),
            "body": page_html,
            "fetched_at": fetched_at,
        },
        **fields,
    }


def write_versions(db_path: Path) -> int:
    """An article with three versions: crawled, edited (classified), re-extracted."""
    db = open_archive(db_path)
    (first,) = store_articles(db, [record(FIRST_BODY, "2026-11-01T08:00:00+00:00")])
    store_articles(
        db,
        [
            record(
                SECOND_BODY,
                "2026-11-02T09:15:00+00:00",
                title="Harbour bridge to close for three weeks",
            )
        ],
    )
    store_articles(
        db,
        [
            record(
                SECOND_BODY + "\n\nThe works cost 4 million.",
                "2026-11-03T10:00:00+00:00",
                title="Harbour bridge to close for three weeks",
                revision_reason="reextract",
            )
        ],
    )
    db.close()
    # What the write path records for an edit (filled there, in parallel); v3 keeps NULLs.
    with sqlite3.connect(db_path) as conn:
        conn.execute(
            "update revisions set change_class = 'substantive', "
            'changed_fields = \'["title", "body"]\', '
            "corrections = '[\"Correction: an earlier version of this article gave the wrong "
            "number of cables.\"]' where version = 2"
        )
    return first.article_id


def test_versions_come_oldest_first_and_null_classes_are_tolerated(archive_path):
    article_id = write_versions(archive_path)
    db = open_archive(archive_path)
    versions = archive_history.versions(db.conn, article_id)
    db.close()
    assert [v.version for v in versions] == [1, 2, 3]
    assert [v.reason for v in versions] == ["crawl", "crawl", "reextract"]
    assert versions[0].change_class is None
    assert versions[0].changed_fields == []
    assert versions[1].change_class == "substantive"
    assert versions[1].changed_fields == ["title", "body"]
    assert versions[1].corrections[0].startswith("Correction: an earlier version")
    assert versions[2].changed_fields == []
    assert versions[0].authors == ["Ada Lovelace", "Grace Hopper"]


def test_diff_has_a_line_per_paragraph_and_names_the_versions(archive_path):
    article_id = write_versions(archive_path)
    db = open_archive(archive_path)
    versions = archive_history.versions(db.conn, article_id)
    db.close()
    first, second, third = archive_history.diffs(versions)
    assert first == []
    assert second[0] == "--- v1 2026-11-01T08:00:00+00:00"
    assert second[1] == "+++ v2 2026-11-02T09:15:00+00:00"
    assert "-Title: Harbour bridge to close for repairs" in second
    assert "+Title: Harbour bridge to close for three weeks" in second
    assert "-Engineers found cracks in two of its cables last month." in second
    assert "+Engineers found cracks in three of its cables last month." in second
    # An unchanged paragraph is context at most, never removed and added again.
    assert not any(
        line[1:].startswith("The harbour bridge will close") for line in second if line[0] in "+-"
    )
    assert [line for line in third if line.startswith(("+", "-"))][2:] == [
        "+The works cost 4 million."
    ]


def test_history_command_prints_versions_and_diffs_by_url_with_tracking(archive_path):
    write_versions(archive_path)
    result = run_cli(
        "history", URL + "?utm_source=newsletter&fbclid=abc#comments", "--db", str(archive_path)
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "Article 1: Harbour bridge to close for three weeks"
    assert "v1  2026-11-01T08:00:00+00:00  crawl  first version" in lines
    assert (
        "v2  2026-11-02T09:15:00+00:00  crawl  substantive  changed: title, body" in result.stdout
    )
    assert "    correction: Correction: an earlier version" in result.stdout
    assert "v3  2026-11-03T10:00:00+00:00  reextract  -" in lines
    assert "--- v1 2026-11-01T08:00:00+00:00" in lines
    assert "+++ v2 2026-11-02T09:15:00+00:00" in lines
    assert "--- v2 2026-11-02T09:15:00+00:00" in lines
    assert "+Engineers found cracks in three of its cables last month." in lines
    # Headers come before the diff into them.
    assert lines.index("--- v1 2026-11-01T08:00:00+00:00") > next(
        i for i, line in enumerate(lines) if line.startswith("v2  ")
    )


def test_history_command_by_id_matches_by_url(archive_path):
    article_id = write_versions(archive_path)
    by_id = run_cli("history", str(article_id), "--db", str(archive_path))
    by_url = run_cli("history", URL, "--db", str(archive_path))
    assert by_id.returncode == 0, by_id.stderr
    assert by_id.stdout == by_url.stdout
    assert by_id.stdout.count("\n+++ ") == 2


def test_history_command_unknown_article_is_one_line_and_exit_1(archive_path):
    write_versions(archive_path)
    for ref in ("http://news.test/never-seen/", "999"):
        result = run_cli("history", ref, "--db", str(archive_path))
        assert result.returncode == 1
        assert result.stdout == ""
        assert result.stderr.splitlines() == [f"Error: {ref}: no such article in {archive_path}"]


def test_history_command_without_an_archive_creates_none(tmp_path):
    db = tmp_path / "missing.db"
    result = run_cli("history", "1", "--db", str(db))
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"Error: {db}: no archive there yet (run newsarchive crawl first)"
    ]
    assert not db.exists()
