"""``newsarchive reextract``: run the current extractor over the pages the archive keeps."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

import click

from crawler.archive import open_archive
from crawler.archive.stored_pages import archived_sites, latest_pages
from crawler.cli.common import (
    DB_OPTION,
    PROGRESS_OPTION,
    SET_OPTION,
    SITES_OPTION,
    VERBOSE_OPTION,
    archive_run,
    fail,
    load_sites_or_exit,
    set_progress,
    settings_for,
)
from crawler.middlewares.stored_responses import use_stored_responses
from crawler.runner import EXIT_FAILED, EXIT_USAGE, record_outcome, run_spiders
from crawler.stored_pages import parse_since, stored_responses

if TYPE_CHECKING:
    from pathlib import Path


@click.command()
@click.option("--site", "site_slug", metavar="SITE", help="Only this site's articles.")
@click.option(
    "--since",
    metavar="DATE",
    help="Only pages fetched at or after DATE (ISO 8601 date or time; UTC unless it says).",
)
@SITES_OPTION
@DB_OPTION
@SET_OPTION
@VERBOSE_OPTION
@PROGRESS_OPTION
def reextract(
    site_slug: str | None,
    since: str | None,
    sites_path: Path,
    db_path: Path,
    overrides: tuple[str, ...],
    verbose: bool,
    progress: bool | None,
) -> None:
    """Re-extract stored pages with the current extractor, without crawling again.

    For each article, its newest stored page answered 200 goes through the same pipeline as a
    crawl (extraction with the site's selectors from the sites file, normalize, validate,
    dedupe, store). A changed result becomes a new version with reason "reextract"; an
    unchanged one writes nothing. Last seen, the revisit schedule and the stored pages stay
    as they are: nothing is fetched. Pages the pipeline drops now are listed; nothing is
    deleted. A site of the archive missing from the sites file (or no sites file at all) is
    re-extracted without selectors, as `newsarchive archive` extracts pages of unknown
    sites. Ctrl-C keeps what was stored; running it again finishes the rest.

    Example: newsarchive reextract --site harbor --since 2026-11-01 --db archive.db
    """
    from crawler.stored_spiders import ReextractSpider

    since_at = None
    if since is not None:
        try:
            since_at = parse_since(since)
        except ValueError as error:
            fail(EXIT_USAGE, str(error))
    if not db_path.is_file():
        fail(EXIT_FAILED, f"{db_path}: no archive there yet (run newsarchive crawl first)")
    sites, settings = stored_run(db_path, sites_path, overrides, verbose, progress)
    with archive_run(db_path):
        db = open_archive(db_path)
        try:
            known = archived_sites(db)
            refs = latest_pages(db, site=site_slug, since=since_at)
        finally:
            db.close()
        if site_slug is not None and site_slug not in known and site_slug not in sites:
            fail(
                EXIT_USAGE,
                f"--site {site_slug!r}: no such site in {db_path} "
                f"(it has: {', '.join(known) or 'no articles'})",
            )
        for slug in sorted({ref.site for ref in refs} - set(sites)):
            click.echo(
                f"note: {slug} is not in {sites_path}: re-extracted without site selectors",
                err=True,
            )
        spider_args: dict[str, Any] = {
            "pages": stored_responses(db_path, refs),
            "sites": sites,
            "archive_label": site_slug or "(all)",
            "expected_pages": len(refs),  # for the progress display
        }
        report = run_spiders([(ReextractSpider, spider_args)], settings)
    code = report.exit_code
    echo_summary(report, len(refs))
    record_outcome(db_path, report, code)
    sys.exit(code)


def stored_run(
    db_path: Path,
    sites_path: Path,
    overrides: tuple[str, ...],
    verbose: bool,
    progress: bool | None,
) -> tuple[dict[str, Any], Any]:
    """The sites (the sites file is optional) and settings of a run over stored pages."""
    sites = load_sites_or_exit(sites_path) if sites_path.exists() else {}
    settings = settings_for(db_path, sites_path, overrides, verbose)
    use_stored_responses(settings)
    set_progress(settings, progress, verbose)
    return sites, settings


def echo_problems(report: Any) -> None:
    """Each page a stage dropped, and what stopped the run early, on stderr."""
    site = report.sites[0]
    spider: Any = report.spiders[0] if report.spiders else None
    for line in getattr(spider, "dropped", []):
        click.echo(f"dropped {line}", err=True)
    if site.problem:
        click.echo(f"Error: {site.problem}", err=True)
    elif site.finish_reason != "finished":
        click.echo(
            f"stopped before the end ({site.finish_reason}): what was stored stays; "
            "run it again to finish",
            err=True,
        )


def echo_summary(report: Any, pages: int) -> None:
    """The summary line on stdout; each dropped page and any problem on stderr."""
    site = report.sites[0]
    read = site.new + site.changed + site.unchanged + site.dropped + site.skipped
    click.echo(
        f"reextract: {pages} pages"
        + (f" ({read} read before the stop)" if read < pages else "")
        + f", {site.changed} changed, {site.unchanged} unchanged, "
        f"{site.dropped + site.skipped} dropped"
        + (f", {site.new} new" if site.new else "")
        + (f", {site.errors} errors" if site.errors else "")
        + f"; seconds: {report.seconds:.1f}"
    )
    echo_problems(report)
