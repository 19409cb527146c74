"""The ``newsarchive`` command. Thin wrappers: the work lives in the modules they call."""

from __future__ import annotations

import errno
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn
from urllib.parse import urlparse

import click

from crawler import jobdir
from crawler.archive import ArchiveError, ArchiveLocked, open_archive
from crawler.archive.lock import run_lock
from crawler.runner import (
    EXIT_DONE,
    EXIT_FAILED,
    EXIT_LOCKED,
    EXIT_PARTLY,
    EXIT_USAGE,
    project_settings,
    record_outcome,
    run_spiders,
)
from crawler.sites import SitesError, load_sites

if TYPE_CHECKING:
    from collections.abc import Iterator

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
VERBOSE_OPTION = click.option(
    "-v", "--verbose", is_flag=True, help="Show Scrapy's log, tracebacks included."
)


@click.group()
@click.version_option(package_name="newsarchive")
def cli() -> None:
    """Crawl news sites into a clean, searchable, versioned SQLite archive."""


@cli.command()
@click.argument("site_slugs", nargs=-1, metavar="[SITE]...")
@SITES_OPTION
@DB_OPTION
@SET_OPTION
@VERBOSE_OPTION
def crawl(
    site_slugs: tuple[str, ...],
    sites_path: Path,
    db_path: Path,
    overrides: tuple[str, ...],
    verbose: bool,
) -> None:
    """Crawl the named sites of the sites file (all of them when none is named).

    Example: newsarchive crawl harbor --sites sites.toml --db archive.db
    """
    sites = _load_sites_or_exit(sites_path)
    unknown = [slug for slug in site_slugs if slug not in sites]
    if unknown:
        _fail(
            EXIT_USAGE, f"{sites_path}: no site {unknown[0]!r} (known: {', '.join(sorted(sites))})"
        )
    chosen = [sites[slug] for slug in (site_slugs or sites)]
    sys.exit(crawl_sites(chosen, db_path, settings_for(db_path, sites_path, overrides, verbose)))


def crawl_sites(sites: list[Any], db_path: Path, settings: Any) -> int:
    """Crawl ``sites`` into the archive, print the summary, return the exit code."""
    from spiders.news import NewsSpider

    with _archive_run(db_path):
        for site in sites:
            if jobdir.crashed(jobdir.job_dir(db_path, site.slug)):
                click.echo(
                    f"note: the previous run of {site.slug} did not stop cleanly: starting afresh",
                    err=True,
                )
        report = run_spiders([(NewsSpider, {"site": site}) for site in sites], settings)
    click.echo(report.summary())
    for site in report.sites:
        for line in site.failures:
            click.echo(f"error {line}", err=True)
    click.echo(f"Browse it: newsarchive serve --db {db_path}")
    record_outcome(db_path, report, report.exit_code)
    return report.exit_code


@cli.command()
@click.argument("urls", nargs=-1, required=True, metavar="URL...")
@SITES_OPTION
@DB_OPTION
@SET_OPTION
@VERBOSE_OPTION
def archive(
    urls: tuple[str, ...],
    sites_path: Path,
    db_path: Path,
    overrides: tuple[str, ...],
    verbose: bool,
) -> None:
    """Archive exactly these URLs now, through the same pipeline as a crawl.

    Prints one line per URL: archived, unchanged, or error with the reason. The sites file
    is optional here: when it names the URL's site, its name and settings apply.

    Example: newsarchive archive https://example.com/2026/11/26/story/ --db archive.db
    """
    from spiders.urls import UrlsSpider

    for url in urls:
        parts = urlparse(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            _fail(EXIT_USAGE, f"{url!r}: not an http(s) URL")
    sites = _load_sites_or_exit(sites_path) if sites_path.exists() else {}
    settings = settings_for(db_path, sites_path, overrides, verbose)
    settings.set("DOWNLOAD_DELAY", 0, priority="cmdline")  # the user asked for these pages
    settings.set("AUTOTHROTTLE_START_DELAY", 0, priority="cmdline")
    with _archive_run(db_path):
        report = run_spiders([(UrlsSpider, {"urls": list(urls), "sites": sites})], settings)
    spider: Any = report.spiders[0] if report.spiders else None
    failures: dict[str, str] = getattr(spider, "failures", {})
    stored = {item["page"].requested_url: outcome for outcome, item in report.stored}
    dropped = {  # validation names the URL in its reason; the line names it already
        item["page"].requested_url: reason.removesuffix(f": {item.get('url')}")
        for item, reason in report.dropped
    }
    failed = 0
    for url in urls:
        outcome = stored.get(url)
        if outcome is not None and outcome.outcome == "unchanged":
            click.echo(f"unchanged {url} (article {outcome.article_id})")
        elif outcome is not None:
            click.echo(
                f"archived  {url} ({outcome.outcome}, article {outcome.article_id}, "
                f"version {outcome.version})"
            )
        else:
            failed += 1
            reason = failures.get(url) or dropped.get(url) or _site_problem(report) or "not stored"
            click.echo(f"error     {url}: {reason}")
    if report.exit_code == EXIT_LOCKED:
        code = EXIT_LOCKED
    elif not failed:
        code = EXIT_DONE
    else:
        code = EXIT_FAILED if failed == len(urls) else EXIT_PARTLY
    record_outcome(db_path, report, code)
    sys.exit(code)


@cli.command()
@click.argument("inputs", nargs=-1, required=True, metavar="INPUT...")
@click.option(
    "--url",
    "page_url",
    metavar="URL",
    help="The page's URL (one INPUT only): resolves relative links and checks the canonical URL.",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["json", "text"]),
    default="json",
    show_default=True,
    help="json: one object per input (JSON lines); text: title, blank line, body.",
)
def extract(inputs: tuple[str, ...], page_url: str | None, output_format: str) -> None:
    """Extract the article from saved pages (.html, .html.gz), stdin (-) or URLs; archive nothing.

    Prints the record the archive would hold for each page (dates in UTC beside the page's own
    strings) and one error line on stderr per input that is not a readable HTML page. URLs are
    fetched once, obeying robots.txt. Exit code 0 all done, 3 some failed, 1 all failed.

    Example: newsarchive extract story.html.gz https://example.com/story/
    """
    from crawler.page_records import extract_inputs

    if page_url is not None:
        if len(inputs) > 1:
            raise click.UsageError("--url is allowed with one INPUT only")
        parts = urlparse(page_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise click.BadParameter(f"{page_url!r}: not an http(s) URL", param_hint="--url")
    sys.exit(
        extract_inputs(
            inputs,
            url=page_url,
            output_format=output_format,
            out=sys.stdout,
            err=sys.stderr,
        )
    )


@cli.command()
@DB_OPTION
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on; keep the loopback unless you mean to publish it.",
)
@click.option("--port", default=8001, show_default=True, type=click.IntRange(1, 65535))
def serve(db_path: Path, host: str, port: int) -> None:
    """Serve the archive read-only with Datasette (search, facets, canned queries).

    Example: newsarchive serve --db archive.db --port 8001
    """
    import uvicorn

    from crawler.datasette import build_datasette

    if db_path.is_dir():
        _fail(EXIT_USAGE, f"{db_path}: is a directory, not an archive file (give --db FILE)")
    if not db_path.is_file():
        _fail(EXIT_FAILED, f"{db_path}: no archive there yet (run newsarchive crawl first)")
    try:
        open_archive(db_path).close()  # migrate an older archive before serving it read-only
    except ArchiveError as error:
        _fail(EXIT_FAILED, str(error))
    _check_port_free(host, port)
    datasette = build_datasette(db_path)
    click.echo(f"Serving {db_path} at http://{host}:{port}/ (Ctrl-C to stop)")
    uvicorn.run(datasette.app(), host=host, port=port, log_level="warning")


# --- stats ---------------------------------------------------------------------------------
HEALTH_COLUMNS = (
    "site",
    "day",
    "articles",
    "empty_body",
    "no_date",
    "no_author",
    "truncated",
    "median_body_chars",
)
TOTALS_COLUMNS = ("site", "articles", "latest_published", "last_crawl")


@cli.command()
@DB_OPTION
@click.option(
    "--health",
    is_flag=True,
    help="Per site and day first archived: shares of articles with an empty body, no date, "
    "no author or a truncated body, and the median body length.",
)
@click.option(
    "--days",
    default=14,
    show_default=True,
    type=click.IntRange(min=1),
    help="With --health: the last N days, today included.",
)
@click.option("--site", "site_slug", default=None, help="Only this site (its slug).")
@click.option(
    "--format",
    "output_format",
    default="table",
    show_default=True,
    type=click.Choice(["table", "json"]),
)
def stats(
    db_path: Path, health: bool, days: int, site_slug: str | None, output_format: str
) -> None:
    """Show what the archive holds per site, or with --health how well extraction went.

    Plain: per site, articles, the newest publication date and the last crawl. --health: per
    site and day (newest first), the share of articles with an empty body, no date, no author
    or a truncated body, and the median body length: a site redesign that breaks extraction
    shows the next day. Datasette's `health` canned query runs the same SQL.

    Example: newsarchive stats --health --days 7 --db archive.db
    """
    import json

    from crawler.archive.reads import site_health, site_totals
    from crawler.clock import now_iso

    if not db_path.is_file():
        _fail(EXIT_FAILED, f"{db_path}: no archive there yet (run newsarchive crawl first)")
    try:
        db = open_archive(db_path)
    except ArchiveError as error:
        _fail(EXIT_FAILED, str(error))
    try:
        columns: tuple[str, ...]
        if health:
            rows = site_health(db, days=days, site=site_slug, now=now_iso())
            columns = HEALTH_COLUMNS
        else:
            rows = site_totals(db, site=site_slug)
            columns = TOTALS_COLUMNS
    finally:
        db.close()
    if output_format == "json":
        click.echo(json.dumps(rows, indent=1))
    else:
        click.echo(_text_table(rows, columns))


def _text_table(rows: list[dict[str, Any]], columns: tuple[str, ...]) -> str:
    """Rows as aligned text columns under a header line; an empty cell for NULL."""
    cells = [list(columns)] + [
        ["" if row[name] is None else str(row[name]) for name in columns] for row in rows
    ]
    widths = [max(len(line[i]) for line in cells) for i in range(len(columns))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
        for line in cells
    )


def _load_sites_or_exit(path: Path) -> dict[str, Any]:
    try:
        return load_sites(path)
    except SitesError as error:
        _fail(EXIT_USAGE, str(error))


def settings_for(db_path: Path, sites_path: Path, overrides: tuple[str, ...], verbose: bool) -> Any:
    values: dict[str, Any] = {
        "ARCHIVE_PATH": str(db_path),
        "ARCHIVE_SITES": str(sites_path),
        # Without -v the command prints its own one-line reasons; Scrapy's log (tracebacks
        # included) is for -v.
        "LOG_LEVEL": "INFO" if verbose else "CRITICAL",
        "ARCHIVE_LOCK_HELD": True,  # _archive_run holds it for all the sites of the run
    }
    for override in overrides:
        name, separator, value = override.partition("=")
        if not separator or not name:
            _fail(EXIT_USAGE, f"-s {override!r}: expected NAME=VALUE")
        values[name.strip()] = value
    return project_settings(values)


@contextmanager
def _archive_run(db_path: Path) -> Iterator[None]:
    """Check the archive opens and hold the run lock; exit 1 or 4 with one line if not."""
    try:
        open_archive(db_path).close()
        with run_lock(db_path):
            yield
    except ArchiveLocked as error:
        _fail(EXIT_LOCKED, str(error))
    except ArchiveError as error:
        _fail(EXIT_FAILED, str(error))


def _check_port_free(host: str, port: int) -> None:
    """Exit with one line unless ``host:port`` can be listened on.

    uvicorn reports a taken port only after startup, as a log line and a plain exit: checked
    here first, the command never says it serves when it cannot.
    """
    import socket

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except OSError as error:
        _fail(EXIT_USAGE, f"--host {host}: not an address to listen on ({error.strerror})")
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does
        try:
            probe.bind(address)
        except OSError as error:
            why = "already in use" if error.errno == errno.EADDRINUSE else error.strerror
            _fail(EXIT_FAILED, f"{host}:{port}: cannot listen there: {why}")


def _site_problem(report: Any) -> str:
    return next((site.problem for site in report.sites if site.problem), "")


def _fail(code: int, message: str) -> NoReturn:
    click.echo(f"Error: {message}", err=True)
    sys.exit(code)


if __name__ == "__main__":
    cli()
