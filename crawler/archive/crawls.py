"""The ``crawls`` table: one row per run and site, opened when it starts, closed when it ends.

Kept apart from the article writes: a run's record is written at its start and end, in
transactions of its own, and the exit code only once the whole command is done.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from crawler.archive.connection import insert_row, write_transaction

if TYPE_CHECKING:
    from collections.abc import Iterable

    import sqlite_utils


def start_crawl(db: sqlite_utils.Database, *, site: str, command: str, started_at: str) -> int:
    """Record the start of one run over one site; returns the ``crawls.id``."""
    with write_transaction(db):
        return insert_row(
            db, "crawls", {"site": site, "command": command, "started_at": started_at}
        )


def finish_crawl(db: sqlite_utils.Database, crawl_id: int, **counts: Any) -> None:
    """Record how a run ended: ``finished_at``, counts, ``finish_reason``."""
    with write_transaction(db):
        db.table("crawls").update(crawl_id, counts)


def record_exit_code(db: sqlite_utils.Database, crawl_ids: Iterable[int], exit_code: int) -> None:
    """Record the exit code of the command that ran these crawls (known only at its end)."""
    with write_transaction(db):
        for crawl_id in crawl_ids:
            db.execute("UPDATE crawls SET exit_code = ? WHERE id = ?", [exit_code, crawl_id])
