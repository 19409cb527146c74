"""Opening the archive: path checks, pragmas, schema migration, write transactions.

Connections run in SQLite's autocommit mode (``isolation_level=None``) so that every write
transaction is opened here with ``BEGIN IMMEDIATE``: it takes the write lock up front, so
``busy_timeout`` applies and a deferred read-then-write can never fail with SQLITE_BUSY halfway.
sqlite-utils' own ``atomic()`` opens a deferred ``BEGIN``; inside our transaction it falls back
to savepoints, so its table helpers are safe to use within ``write_transaction``.
"""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlite_utils

from crawler.archive.schema import SCHEMA_VERSION, migrate, schema_version

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping

BUSY_TIMEOUT_MS = 5000
# While any reader holds an old snapshot (a long Datasette query, a backup), checkpoints cannot
# restart the -wal file and it grows with every commit. Afterwards SQLite reuses the file but
# never shrinks it: a burst under one long read would keep it at its peak size for good. Above
# this size it is truncated back when the next checkpoint restarts it; 4x the 1000-page
# autocheckpoint, so a normal crawl never pays for re-growing it.
JOURNAL_SIZE_LIMIT = 16 * 1024 * 1024
# SQLITE_FULL: the disk (or PRAGMA max_page_count) leaves no room for the transaction.
SQLITE_FULL = 13


def is_disk_full(error: BaseException) -> bool:
    """Whether ``error`` is SQLite saying the database or its disk is full."""
    return (
        isinstance(error, sqlite3.Error) and getattr(error, "sqlite_errorcode", None) == SQLITE_FULL
    )


class ArchiveError(RuntimeError):
    """The archive cannot be opened or written; the message is one line for the user."""


class ArchiveLocked(ArchiveError):
    """Another process held the write lock for longer than the busy timeout."""


def open_archive(
    path: Path | str,
    *,
    busy_timeout_ms: int = BUSY_TIMEOUT_MS,
    synchronous: str = "NORMAL",
    max_page_count: int = 0,
) -> sqlite_utils.Database:
    """Open (creating if needed) and migrate the archive at ``path``.

    WAL lets Datasette read while a crawl writes. ``synchronous=NORMAL`` may lose the last
    commits on power loss (never on an application crash, never corruption): the archive can
    always be re-crawled, so speed wins; pass ``"FULL"`` where it cannot. ``max_page_count``
    (0: no limit) caps the file's size in pages, so a full disk can be met on purpose: a write
    past it fails with SQLITE_FULL, as on a disk with no room left.
    """
    path = Path(path)
    _check_path(path)
    try:
        conn = sqlite3.connect(str(path), isolation_level=None, timeout=busy_timeout_ms / 1000)
    except sqlite3.Error as error:
        raise ArchiveError(f"{path}: cannot open the archive: {error}") from error
    db = sqlite_utils.Database(conn)
    try:
        conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute(f"PRAGMA synchronous = {synchronous}")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute(f"PRAGMA journal_size_limit = {JOURNAL_SIZE_LIMIT}")
        if max_page_count > 0:
            conn.execute(f"PRAGMA max_page_count = {int(max_page_count)}")
        if schema_version(db) != SCHEMA_VERSION:  # only a migration needs the write lock
            with write_transaction(db):
                migrate(db)
    except ArchiveLocked as error:
        conn.close()
        raise ArchiveLocked(f"{path}: {error}") from error
    except sqlite3.DatabaseError as error:
        conn.close()
        if is_disk_full(error):
            raise ArchiveError(f"{path}: the archive's disk is full ({error})") from error
        raise ArchiveError(f"{path}: not a newsarchive SQLite archive: {error}") from error
    except ValueError as error:  # a newer schema
        conn.close()
        raise ArchiveError(f"{path}: {error}") from error
    return db


def _check_path(path: Path) -> None:
    if path.is_dir():
        raise ArchiveError(f"{path}: is a directory, not an archive file")
    parent = path.parent
    if parent.exists() and not parent.is_dir():
        raise ArchiveError(f"{path}: its parent {parent} is a file, not a folder")
    if not parent.exists():
        raise ArchiveError(f"{path}: the folder {parent} does not exist")


@contextmanager
def write_transaction(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    """One ``BEGIN IMMEDIATE`` transaction: all of it is committed, or none of it."""
    try:
        db.conn.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as error:
        if "locked" in str(error) or "busy" in str(error):
            raise ArchiveLocked(f"the archive is locked by another process: {error}") from error
        raise
    try:
        yield db
    except BaseException:
        if db.conn.in_transaction:
            db.conn.execute("ROLLBACK")
        raise
    else:
        db.conn.execute("COMMIT")


def insert_row(db: sqlite_utils.Database, table: str, row: Mapping[str, Any]) -> int:
    """Insert ``row`` (keys are column names of ours, never input) and return its rowid.

    Plain SQL: sqlite-utils' ``insert`` reads the table's schema on every call, a cost the
    article writes paid for each article, revision and page.
    """
    names = ", ".join(row)
    marks = ", ".join("?" for _ in row)
    cursor = db.execute(f"INSERT INTO {table} ({names}) VALUES ({marks})", list(row.values()))  # noqa: S608
    if cursor.lastrowid is None:
        raise RuntimeError(f"insert into {table} returned no row id")
    return int(cursor.lastrowid)
