"""``newsarchive export``: the articles as JSON lines, CSV or schema.org JSON-LD."""

from __future__ import annotations

import os
import sqlite3
import sys
from contextlib import closing
from datetime import timezone
from typing import TYPE_CHECKING, NoReturn

import click
from dateutil.parser import isoparse

from crawler.archive import ArchiveError
from crawler.archive.export import archive_sites, connect_readonly, iter_articles
from crawler.cli.common import DB_OPTION, fail
from crawler.export.jsonld import write_jsonld
from crawler.export.output import STDOUT, OutputError, output_file
from crawler.export.records import write_csv, write_jsonl
from crawler.runner import EXIT_FAILED, EXIT_USAGE

if TYPE_CHECKING:
    from pathlib import Path

FORMATS = {"jsonl": write_jsonl, "csv": write_csv, "jsonld": write_jsonld}


@click.command()
@click.argument("out", metavar="OUT")
@click.option(
    "--format",
    "fmt",
    required=True,
    type=click.Choice(tuple(FORMATS)),
    help="jsonl: one JSON object per line; csv; jsonld: one schema.org NewsArticle graph.",
)
@click.option("--site", metavar="SLUG", help="Only this site's articles.")
@click.option(
    "--since",
    metavar="DATE",
    help="Only articles the archive first saw at or after DATE (their first_seen, not their "
    "published date, which may be missing): YYYY-MM-DD or an ISO 8601 time, UTC if no zone.",
)
@DB_OPTION
def export(out: str, fmt: str, site: str | None, since: str | None, db_path: Path) -> None:
    """Write one record per article (its latest content) to OUT (- for stdout).

    JSON columns (authors, tags, lead_image, field_sources) stay JSON in jsonl and jsonld and
    are JSON text in CSV cells; duplicate_of, gone_at and version are kept. OUT is written
    under a temporary name and renamed when complete: a failed export leaves no half file.
    Articles forgotten with `newsarchive forget` are not in the archive, so not exported.

    Example: newsarchive export --format jsonl --site wp --since 2026-11-01 wp.jsonl
    """
    since_iso = _since(since) if since else None
    with closing(open_for_export(db_path, site)) as conn:
        try:
            with output_file(out) as stream:
                count = FORMATS[fmt](iter_articles(conn, site=site, since=since_iso), stream)
        except BrokenPipeError:
            quiet_broken_pipe()
        except OutputError as error:
            fail(EXIT_FAILED, str(error))
        except sqlite3.Error as error:
            fail(EXIT_FAILED, f"{db_path}: cannot read the archive: {error}")
        except OSError as error:
            fail(EXIT_FAILED, f"{out}: cannot write: {error.strerror or error}")
    where = "stdout" if out == STDOUT else out
    click.echo(f"Exported {count} articles to {where} ({fmt})", err=out == STDOUT)


def open_for_export(db_path: Path, site: str | None) -> sqlite3.Connection:
    """The archive, read-only; exit 1 if it cannot be read, 2 if it has no ``site``."""
    try:
        conn = connect_readonly(db_path)
    except ArchiveError as error:
        fail(EXIT_FAILED, str(error))
    known = archive_sites(conn)
    if site is not None and site not in known:
        conn.close()
        fail(
            EXIT_USAGE,
            f"--site {site!r}: the archive {db_path} has no articles of that site "
            f"(sites: {', '.join(known) or 'none'})",
        )
    return conn


def quiet_broken_pipe() -> NoReturn:
    """Stdout's reader went away (``| head``): stop without a traceback at exit, as cat does.

    Python would otherwise try to flush stdout again when it exits and print an error.
    """
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    sys.exit(EXIT_FAILED)


def _since(text: str) -> str:
    """``--since`` as the archive writes times (UTC, ``+00:00``); exit 2 if it is no date."""
    try:
        moment = isoparse(text.strip())
    except (ValueError, OverflowError):
        fail(EXIT_USAGE, f"--since {text!r}: not a date (YYYY-MM-DD or an ISO 8601 time)")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return str(moment.astimezone(timezone.utc).replace(microsecond=0).isoformat())
