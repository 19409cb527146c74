"""``newsarchive backup``: a consistent copy of the archive, safe while a crawl writes."""

from __future__ import annotations

from pathlib import Path

import click

from crawler.archive import ArchiveError
from crawler.archive.backup import backup_archive
from crawler.cli.common import DB_OPTION, fail
from crawler.runner import EXIT_FAILED, EXIT_USAGE


@click.command()
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@DB_OPTION
@click.option("--force", is_flag=True, help="Replace OUT if it exists.")
def backup(out: Path, db_path: Path, force: bool) -> None:
    """Copy the archive to OUT with SQLite's VACUUM INTO, and check the copy.

    Safe during a crawl: the copy is one committed snapshot (copying the .db file alone is
    not: recent commits may sit in its -wal file). The copy is written under a temporary
    name next to OUT and renamed once PRAGMA integrity_check passes.

    Example: newsarchive backup backups/archive-$(date +%F).db --db archive.db
    """
    if out.exists() and not force:
        fail(EXIT_USAGE, f"{out}: already exists (--force replaces it)")
    try:
        done = backup_archive(db_path, out, overwrite=force)
    except ArchiveError as error:
        fail(EXIT_FAILED, str(error))
    click.echo(
        f"Backed up {db_path} to {done.path}: {done.articles} articles, "
        f"{_size(done.size)}, integrity ok"
    )


def _size(size: int) -> str:
    """A byte count as a person reads it: 812 KB, 3.4 MB."""
    if size < 1024 * 1024:
        return f"{max(1, round(size / 1024))} KB"
    return f"{size / (1024 * 1024):.1f} MB"
