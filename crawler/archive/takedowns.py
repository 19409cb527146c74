"""Forgetting an article: removing it from every table, and refusing it from then on.

A takedown (a court order, a retraction, a person's request) has to remove the article, not
hide it: its row, its revisions, its raw pages, its URLs, its schedule, and the rows of any
table added later that point at it, found by looking for an ``article_id`` column rather than
by a list that would go stale. The full-text index follows through its triggers.

What stays is the SHA-256 of each URL the article was known by (in ``crawler.urls`` identity
form, the form the store records), so ``store_articles`` can refuse the article when a crawl or
an import meets it again, without the archive still naming it.

Deleted rows linger in a SQLite file (free pages, unused cell space, the ``-wal`` file, the
full-text index's old segments) until something overwrites them. So the deletion runs with
``PRAGMA secure_delete`` on, which zeroes what it frees; the full-text index is merged
(``optimize``), so its segments no longer hold the article's words; and a ``TRUNCATE``
checkpoint then empties the ``-wal`` file, which held copies of the pages from before. A
``VACUUM`` would do no more for the deleted text and would rewrite the whole file while
holding the write lock, so it is not run. The checkpoint cannot complete while another
reader holds an older snapshot (a Datasette query); ``Forgotten.wal_cleared`` says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from crawler.archive.connection import ArchiveError, write_transaction
from crawler.urls import identity_url, url_hash

if TYPE_CHECKING:
    from collections.abc import Iterable

    import sqlite_utils

FTS_TABLE = "articles_fts"
# FTS5's merge of all its segments: entries deleted since are dropped from the index itself.
OPTIMIZE_FTS_SQL = "INSERT INTO articles_fts (articles_fts) VALUES ('optimize')"


class UnknownArticle(ArchiveError):
    """The URL names no article in the archive (perhaps one forgotten already)."""


@dataclass(frozen=True)
class Forgotten:
    """What ``forget_article`` did."""

    article_id: int
    url_hashes: tuple[str, ...]  # the takedowns recorded, one per URL the article was known by
    rows: dict[str, int]  # table -> rows deleted
    duplicates_moved: int  # near-duplicates that pointed at it, now at the next earliest copy
    wal_cleared: bool  # the -wal file was emptied (no reader held an older snapshot)


def taken_down_hashes(db: sqlite_utils.Database) -> frozenset[str]:
    """Every URL hash taken down: what a spider needs to leave those URLs unfetched."""
    return frozenset(row[0] for row in db.execute("SELECT url_hash FROM takedowns"))


def taken_down(db: sqlite_utils.Database, urls: Iterable[str]) -> str | None:
    """The hash of the first of ``urls`` that was taken down, or None."""
    hashes = sorted({url_hash(url) for url in urls if url})
    if not hashes:
        return None
    marks = ", ".join("?" for _ in hashes)
    row = db.execute(
        f"SELECT url_hash FROM takedowns WHERE url_hash IN ({marks}) LIMIT 1",  # noqa: S608
        hashes,
    ).fetchone()
    return str(row[0]) if row else None


def forget_article(
    db: sqlite_utils.Database, url: str, *, reason: str, forgotten_at: str
) -> Forgotten:
    """Remove the article known by ``url`` everywhere, in one transaction; record the takedown.

    ``UnknownArticle`` if no article is known by ``url``.
    """
    previous = db.execute("PRAGMA secure_delete").fetchone()[0]
    db.execute("PRAGMA secure_delete = ON")
    try:
        with write_transaction(db):
            # Rows of several tables point at each other (revisions -> pages -> articles):
            # checked once, at commit, whatever order they are deleted in.
            db.execute("PRAGMA defer_foreign_keys = ON")
            article_id = _find_article(db, url)
            hashes = tuple(sorted({url_hash(known) for known in _known_urls(db, article_id, url)}))
            moved = _repoint_duplicates(db, article_id)
            # Another article's revision may name one of its pages (the same body fetched for
            # both): that revision keeps its text and loses only the link to the raw page.
            db.execute(
                "UPDATE revisions SET page_id = NULL WHERE article_id != :id "
                "AND page_id IN (SELECT id FROM pages WHERE article_id = :id)",
                {"id": article_id},
            )
            rows = {
                table: db.execute(
                    f"DELETE FROM [{table}] WHERE article_id = ?",  # noqa: S608
                    [article_id],
                ).rowcount
                for table in article_tables(db)
            }
            rows["articles"] = db.execute(
                "DELETE FROM articles WHERE id = ?", [article_id]
            ).rowcount
            db.conn.executemany(
                "INSERT INTO takedowns (url_hash, forgotten_at, reason) VALUES (?, ?, ?) "
                "ON CONFLICT (url_hash) DO NOTHING",
                [(digest, forgotten_at, reason) for digest in hashes],
            )
            if FTS_TABLE in db.table_names():
                db.execute(OPTIMIZE_FTS_SQL)
    finally:
        db.execute(f"PRAGMA secure_delete = {int(previous)}")
    busy = db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
    return Forgotten(
        article_id=article_id,
        url_hashes=hashes,
        rows=rows,
        duplicates_moved=moved,
        wal_cleared=busy == 0,
    )


def article_tables(db: sqlite_utils.Database) -> list[str]:
    """Every table (not view) with an ``article_id`` column, by name."""
    return sorted(
        table.name
        for table in db.tables
        if table.name != "articles" and "article_id" in table.columns_dict
    )


def _find_article(db: sqlite_utils.Database, url: str) -> int:
    for candidate in dict.fromkeys((url, identity_url(url))):
        row = db.execute(
            "SELECT article_id FROM article_urls WHERE url = ? UNION ALL "
            "SELECT id FROM articles WHERE url = ? OR canonical_url = ? LIMIT 1",
            [candidate, candidate, candidate],
        ).fetchone()
        if row:
            return int(row[0])
    if taken_down(db, [url]):
        raise UnknownArticle(f"{url}: already forgotten (newsarchive forget); nothing to remove")
    raise UnknownArticle(f"{url}: no article in the archive is known by this URL")


def _known_urls(db: sqlite_utils.Database, article_id: int, asked: str) -> set[str]:
    """Every URL the archive knows the article by: its aliases, fetches and revisits."""
    rows = db.execute(
        """
        SELECT url FROM article_urls WHERE article_id = :id
        UNION SELECT url FROM articles WHERE id = :id
        UNION SELECT canonical_url FROM articles WHERE id = :id
        UNION SELECT url FROM revisions WHERE article_id = :id
        UNION SELECT url FROM pages WHERE article_id = :id
        UNION SELECT url FROM schedule WHERE article_id = :id
        """,
        {"id": article_id},
    ).fetchall()
    return {asked, *(row[0] for row in rows if row[0])}


def _repoint_duplicates(db: sqlite_utils.Database, article_id: int) -> int:
    """Near-duplicates of the article now point at the earliest of them, which points nowhere.

    The cluster stays a cluster: its earliest remaining copy becomes the one the others copy,
    as if the forgotten article had never been archived.
    """
    copies = [
        int(row[0])
        for row in db.execute(
            "SELECT id FROM articles WHERE duplicate_of = ? ORDER BY first_seen, id", [article_id]
        ).fetchall()
    ]
    if not copies:
        return 0
    earliest = copies[0]
    db.execute("UPDATE articles SET duplicate_of = NULL WHERE id = ?", [earliest])
    db.execute(
        "UPDATE articles SET duplicate_of = ? WHERE duplicate_of = ?", [earliest, article_id]
    )
    return len(copies)
