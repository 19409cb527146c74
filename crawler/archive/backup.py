"""A consistent copy of a live archive through SQLite's ``VACUUM INTO``.

Copying ``archive.db`` with ``cp`` is not a backup while the archive is in use: in WAL mode,
committed transactions may still sit in ``archive.db-wal``, and a copy taken while a crawl
writes can mix pages from before and after a commit. ``VACUUM INTO`` reads one snapshot, inside
a read transaction, so it neither blocks the writer nor sees half a batch. The copy is written
under a temporary name in the destination's folder and renamed only once it has passed
``PRAGMA integrity_check``: a reader of ``OUT`` never finds half a file.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from crawler.archive.connection import BUSY_TIMEOUT_MS, ArchiveError, is_disk_full


@dataclass(frozen=True)
class Backup:
    """What a backup wrote: where, how big, how many articles."""

    path: Path
    size: int
    articles: int


def backup_archive(source: Path | str, out: Path | str, *, overwrite: bool = False) -> Backup:
    """Copy the archive at ``source`` to ``out`` as one snapshot; refuse an existing ``out``."""
    source, out = Path(source), Path(out)
    if not source.is_file():
        raise ArchiveError(f"{source}: no archive there")
    if out.is_dir():
        raise ArchiveError(f"{out}: is a directory; give the backup file's name")
    if not out.parent.is_dir():
        raise ArchiveError(f"{out}: the folder {out.parent} does not exist")
    if out.exists() and not overwrite:
        raise ArchiveError(f"{out}: already exists (--force replaces it)")
    if out.resolve() == source.resolve():
        raise ArchiveError(f"{out}: is the archive itself")
    temporary = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    temporary.unlink(missing_ok=True)
    try:
        _vacuum_into(source, temporary)
        articles = _check_copy(temporary)
        temporary.replace(out)
    finally:
        temporary.unlink(missing_ok=True)
    return Backup(path=out, size=out.stat().st_size, articles=articles)


def _vacuum_into(source: Path, target: Path) -> None:
    # Read-only: the backup must never migrate or otherwise change the archive it copies.
    uri = f"{source.resolve().as_uri()}?mode=ro"
    try:
        conn = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
    except sqlite3.Error as error:
        raise ArchiveError(f"{source}: cannot open the archive: {error}") from error
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("VACUUM INTO ?", [str(target)])
    except sqlite3.Error as error:
        if is_disk_full(error):
            raise ArchiveError(f"{target.parent}: no room for the backup ({error})") from error
        raise ArchiveError(f"{source}: cannot back up the archive: {error}") from error
    finally:
        conn.close()


def _check_copy(copy: Path) -> int:
    """The copy's article count, once ``PRAGMA integrity_check`` has found it sound."""
    conn = sqlite3.connect(copy)
    try:
        result = [row[0] for row in conn.execute("PRAGMA integrity_check")]
        if result != ["ok"]:
            raise ArchiveError(f"{copy}: the copy failed its integrity check: {result[0]}")
        try:
            return int(conn.execute("SELECT count(*) FROM articles").fetchone()[0])
        except sqlite3.OperationalError as error:
            raise ArchiveError(f"{copy}: not a newsarchive archive: {error}") from error
    finally:
        conn.close()
