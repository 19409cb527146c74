"""``newsarchive history``: the versions of one article, and what changed between them."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from crawler.archive.history import Version, article, article_id_for, diffs, versions
from crawler.cli.common import DB_OPTION, existing_archive, fail
from crawler.runner import EXIT_FAILED
from crawler.urls import identity_url

if TYPE_CHECKING:
    import sqlite3
    from pathlib import Path


@click.command()
@click.argument("article_ref", metavar="URL|ID")
@DB_OPTION
@click.option(
    "--context",
    default=1,
    show_default=True,
    type=click.IntRange(min=0),
    help="Unchanged lines shown around each change.",
)
def history(article_ref: str, db_path: Path, context: int) -> None:
    """Print the versions of one article, with a unified diff between consecutive ones.

    The article is named by its id or by any URL it was seen at (tracking parameters and
    fragments are ignored, as the crawl ignores them). Each version has a header line:
    version, when it was fetched, why it was written (crawl, reextract, import), its change
    class and the fields that changed; then the diff from the version before, over the
    title, standfirst, authors, dates and one line per body paragraph. Read-only: it may
    run while a crawl writes.

    Example: newsarchive history https://example.com/2026/11/03/story/ --db archive.db
    """
    db = existing_archive(db_path)
    try:
        article_id = find_article(db.conn, article_ref)
        row = None if article_id is None else article(db.conn, article_id)
        if article_id is None or row is None:
            fail(EXIT_FAILED, f"{article_ref}: no such article in {db_path}")
        found = versions(db.conn, article_id)
    finally:
        db.close()
    click.echo(f"Article {article_id}: {row['title'] or '(no headline)'}")
    click.echo(f"URL: {row['url']}")
    for version, lines in zip(found, diffs(found, context), strict=True):
        click.echo("")
        click.echo(header(version))
        for line in lines:
            click.echo(line)


def find_article(conn: sqlite3.Connection, ref: str) -> int | None:
    """The article ``ref`` names: an id that exists, or a URL it was seen at."""
    if ref.isdigit():
        return int(ref) if article(conn, int(ref)) is not None else None
    return article_id_for(conn, dict.fromkeys([ref, identity_url(ref)]))


def header(version: Version) -> str:
    """``v2  2026-11-02T08:00:00+00:00  crawl  substantive  changed: title, body``."""
    parts = [f"v{version.version}", version.fetched_at, version.reason]
    parts.append(version.change_class or ("first version" if version.version == 1 else "-"))
    if version.changed_fields:
        parts.append("changed: " + ", ".join(version.changed_fields))
    line = "  ".join(parts)
    for note in version.corrections:
        line += f"\n    correction: {note}"
    return line
