"""``newsarchive export-warc``: the stored pages as a WARC 1.1 file, for other web archive tools."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from importlib.metadata import version
from pathlib import Path

import click

from crawler.archive.export import iter_pages
from crawler.cli.common import DB_OPTION, fail
from crawler.cli.export import open_for_export
from crawler.export.output import OutputError, output_file
from crawler.export.warc import DamagedPage, write_warc
from crawler.runner import EXIT_FAILED, EXIT_USAGE


@click.command(name="export-warc")
@click.argument("out", metavar="OUT.warc.gz", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--site", metavar="SLUG", help="Only the pages of this site's articles.")
@DB_OPTION
def export_warc(out: Path, site: str | None, db_path: Path) -> None:
    """Write every stored page as a WARC `response` record to OUT.warc.gz.

    The file starts with a `warcinfo` record. Each page's record has the fetch time as its
    WARC-Date, the URL as WARC-Target-URI, the status line and the headers the crawl kept
    (without Content-Encoding and Transfer-Encoding, which described the bytes on the wire:
    the archive keeps the decoded body), the right Content-Length, and the body's SHA-256 as
    WARC-Payload-Digest. OUT is written under a temporary name and renamed when complete.

    Example: newsarchive export-warc --site wp wp-pages.warc.gz
    """
    if not out.name.endswith(".warc.gz"):
        fail(EXIT_USAGE, f"{out}: a gzipped WARC file's name ends in .warc.gz")
    with closing(open_for_export(db_path, site)) as conn:
        try:
            with output_file(str(out), binary=True) as stream:
                summary = write_warc(
                    iter_pages(conn, site=site),
                    stream,
                    filename=out.name,
                    software=f"newsarchive/{version('newsarchive')}",
                )
        except OutputError as error:
            fail(EXIT_FAILED, str(error))
        except DamagedPage as error:
            fail(EXIT_FAILED, f"{db_path}: {error}; nothing written to {out}")
        except sqlite3.Error as error:
            fail(EXIT_FAILED, f"{db_path}: cannot read the archive: {error}")
        except OSError as error:
            fail(EXIT_FAILED, f"{out}: cannot write: {error.strerror or error}")
    click.echo(
        f"Exported {summary.records} pages ({_mb(summary.bytes_of_payload)} of HTML) to {out}"
    )


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"
