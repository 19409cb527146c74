"""What the ``newsarchive`` commands share: options, settings, the run lock, one-line errors."""

from __future__ import annotations

import sys
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from crawler.archive import ArchiveError, ArchiveLocked, open_archive
from crawler.archive.lock import run_lock
from crawler.runner import EXIT_FAILED, EXIT_LOCKED, EXIT_USAGE, project_settings
from crawler.sites import SitesError, load_sites

if TYPE_CHECKING:
    from collections.abc import Iterator

    import sqlite_utils

DB_OPTION = click.option(
    "--db",
    "db_path",
    default="archive.db",
    envvar="NEWSARCHIVE_DB",
    show_default=True,
    type=click.Path(dir_okay=True, path_type=Path),
    help="The archive file (NEWSARCHIVE_DB).",
)
SITES_OPTION = click.option(
    "--sites",
    "sites_path",
    default="sites.toml",
    envvar="NEWSARCHIVE_SITES",
    show_default=True,
    type=click.Path(path_type=Path),
    help="The sites file (NEWSARCHIVE_SITES).",
)
SET_OPTION = click.option(
    "-s",
    "--set",
    "overrides",
    multiple=True,
    metavar="NAME=VALUE",
    help="Override a Scrapy setting, as `scrapy crawl -s` does (repeatable).",
)
REDIS_OPTION = click.option(
    "--redis",
    "redis_url",
    envvar="NEWSARCHIVE_REDIS",
    metavar="URL",
    help="A distributed crawl's Redis, e.g. redis://host:6379/0 (NEWSARCHIVE_REDIS).",
)
IDLE_EXIT_OPTION = click.option(
    "--idle-exit",
    default=0.0,
    type=click.FloatRange(min=0),
    metavar="SECONDS",
    help="With --redis: stop after this long with nothing to do (0: wait for work).",
)
VERBOSE_OPTION = click.option(
    "-v", "--verbose", is_flag=True, help="Show Scrapy's log, tracebacks included."
)


PROGRESS_OPTION = click.option(
    "--progress/--no-progress",
    default=None,
    help="Show live progress on stderr (per site pages, articles, errors, pages/s). "
    "Default: when stderr is a terminal and -v is not given.",
)


def set_progress(settings: Any, progress: bool | None, verbose: bool) -> None:
    """``--progress`` into the run's settings; by default on a terminal without ``-v``.

    Scrapy's log (``-v``) shares stderr, where a redrawn table would garble it.
    """
    if progress is None:
        progress = sys.stderr.isatty() and not verbose
    settings.set("ARCHIVE_PROGRESS", progress, priority="cmdline")


def text_table(rows: list[dict[str, Any]], columns: tuple[str, ...]) -> str:
    """Rows as aligned text columns under a header line; an empty cell for NULL."""
    cells = [list(columns)] + [
        ["" if row[name] is None else str(row[name]) for name in columns] for row in rows
    ]
    widths = [max(len(line[i]) for line in cells) for i in range(len(columns))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
        for line in cells
    )


def load_sites_or_exit(path: Path) -> dict[str, Any]:
    try:
        return load_sites(path)
    except SitesError as error:
        fail(EXIT_USAGE, str(error))


def chosen_sites(sites_path: Path, slugs: tuple[str, ...]) -> list[Any]:
    """The sites named (all of them when none is), or exit 2 naming the unknown one."""
    sites = load_sites_or_exit(sites_path)
    unknown = [slug for slug in slugs if slug not in sites]
    if unknown:
        fail(
            EXIT_USAGE, f"{sites_path}: no site {unknown[0]!r} (known: {', '.join(sorted(sites))})"
        )
    return [sites[slug] for slug in (slugs or sites)]


def worker_mode(redis_url: str, idle_exit: float) -> dict[str, Any]:
    """A distributed worker's settings, once its Redis answers (exit 1 with one line if not)."""
    from crawler.distributed.redis_link import RedisUnavailable, connect
    from crawler.distributed.worker import worker_settings

    try:
        connect(redis_url).close()
    except RedisUnavailable as error:
        fail(EXIT_FAILED, str(error))
    return worker_settings(redis_url, idle_exit)


def settings_for(
    db_path: Path,
    sites_path: Path,
    overrides: tuple[str, ...],
    verbose: bool,
    mode: dict[str, Any] | None = None,
) -> Any:
    """The project's settings for a command: ``mode`` (a distributed worker's), then ``-s``."""
    values: dict[str, Any] = {
        "ARCHIVE_PATH": str(db_path),
        "ARCHIVE_SITES": str(sites_path),
        # Without -v the command prints its own one-line reasons; Scrapy's log (tracebacks
        # included) is for -v.
        "LOG_LEVEL": "INFO" if verbose else "CRITICAL",
        "ARCHIVE_LOCK_HELD": True,  # _archive_run holds it for all the sites of the run
        **(mode or {}),
    }
    for override in overrides:
        name, separator, value = override.partition("=")
        if not separator or not name:
            fail(EXIT_USAGE, f"-s {override!r}: expected NAME=VALUE")
        values[name.strip()] = value
    return project_settings(values)


@contextmanager
def archive_run(db_path: Path) -> Iterator[None]:
    """Check the archive opens and hold the run lock; exit 1 or 4 with one line if not."""
    try:
        open_archive(db_path).close()
        with run_lock(db_path):
            yield
    except ArchiveLocked as error:
        fail(EXIT_LOCKED, str(error))
    except ArchiveError as error:
        fail(EXIT_FAILED, str(error))


def existing_archive(db_path: Path) -> sqlite_utils.Database:
    """Open an archive that must already exist, for a command that reads it; exit 1 if not."""
    if not db_path.is_file():
        fail(EXIT_FAILED, f"{db_path}: no archive there yet (run newsarchive crawl first)")
    try:
        return open_archive(db_path)
    except ArchiveError as error:
        fail(EXIT_FAILED, str(error))


def fail(code: int, message: str) -> NoReturn:
    click.echo(f"Error: {message}", err=True)
    sys.exit(code)
