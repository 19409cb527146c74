"""Short read-only questions about the archive, for the CLI and tests.

Reads stay short on purpose: a long-lived read transaction stops WAL checkpoints and lets the
``-wal`` file grow without bound while a crawl writes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import sqlite_utils


def archive_counts(db: sqlite_utils.Database) -> dict[str, int]:
    """Row counts of the main tables."""
    return {
        table: int(db.execute(f"SELECT count(*) FROM [{table}]").fetchone()[0])  # noqa: S608
        for table in ("articles", "article_urls", "revisions", "pages", "crawls")
    }


def articles_by_site(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Articles per site, newest publication first."""
    return list(
        db.query(
            "SELECT site, count(*) AS articles, max(published) AS newest, "
            "max(last_seen) AS last_seen FROM articles GROUP BY site ORDER BY site"
        )
    )
