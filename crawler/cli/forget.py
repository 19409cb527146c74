"""``newsarchive forget``: take an article down, everywhere, and keep it out."""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING

import click

from crawler.archive import ArchiveError, ArchiveLocked, open_archive
from crawler.archive.takedowns import UnknownArticle, forget_article
from crawler.cli.common import DB_OPTION, archive_run, fail
from crawler.clock import now_iso
from crawler.runner import EXIT_FAILED, EXIT_LOCKED, EXIT_USAGE

if TYPE_CHECKING:
    from pathlib import Path


@click.command()
@click.argument("url")
@click.option("--reason", required=True, help="Why it is taken down (kept with the takedown).")
@DB_OPTION
def forget(url: str, reason: str, db_path: Path) -> None:
    """Remove the article known by URL from every table of the archive, in one transaction.

    Its row, revisions, raw pages, URLs, schedule and search index entries go; near-duplicates
    of it point at their earliest remaining copy instead. The takedowns table keeps only the
    SHA-256 of each URL it was known by, the time and the reason, so later crawls refuse it
    without the archive naming it. Deleted content is overwritten (secure_delete) and the
    -wal file emptied, so the text does not linger in the file. Takes the run lock: exit 4
    while a crawl runs.

    Example: newsarchive forget https://example.com/2026/11/story/ --reason "court order 12/34"
    """
    if not reason.strip():
        fail(EXIT_USAGE, "--reason: give the reason for the takedown")
    if not db_path.is_file():
        fail(EXIT_FAILED, f"{db_path}: no archive there")
    with archive_run(db_path):
        try:
            db = open_archive(db_path)
        except ArchiveLocked as error:  # a writer outside the run lock (a migration)
            fail(EXIT_LOCKED, str(error))
        except ArchiveError as error:
            fail(EXIT_FAILED, str(error))
        try:
            done = forget_article(db, url, reason=reason.strip(), forgotten_at=now_iso())
        except UnknownArticle as error:
            fail(EXIT_FAILED, str(error))
        except ArchiveLocked as error:
            fail(EXIT_LOCKED, str(error))
        except sqlite3.Error as error:  # rolled back whole: nothing was removed
            fail(EXIT_FAILED, f"{db_path}: cannot forget {url}: {error}; nothing was removed")
        finally:
            db.close()
    deleted = ", ".join(f"{rows} {table}" for table, rows in sorted(done.rows.items()) if rows)
    click.echo(f"Forgot article {done.article_id}: deleted {deleted}")
    click.echo(
        f"Takedown recorded: {_count(len(done.url_hashes), 'URL hash', 'URL hashes')}, "
        "not the URLs; later crawls will not archive it again"
    )
    if done.duplicates_moved:
        copies = _count(done.duplicates_moved, "near-duplicate", "near-duplicates")
        click.echo(f"{copies} of it now point at the earliest remaining copy")
    if not done.wal_cleared:
        click.echo(
            "Note: a reader holds an older snapshot, so the -wal file still has old pages; "
            "they are overwritten at the next checkpoint",
            err=True,
        )


def _count(number: int, one: str, many: str) -> str:
    return f"{number} {one if number == 1 else many}"
