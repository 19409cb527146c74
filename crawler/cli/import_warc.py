"""``newsarchive import-warc``: archive the pages of a WARC made elsewhere."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from crawler.cli.common import (
    DB_OPTION,
    PROGRESS_OPTION,
    SET_OPTION,
    SITES_OPTION,
    VERBOSE_OPTION,
    archive_run,
    fail,
)
from crawler.cli.reextract import echo_problems, stored_run
from crawler.runner import EXIT_FAILED, EXIT_PARTLY, record_outcome, run_spiders
from crawler.warc_pages import NotAWarc, WarcPages, check_warc


@click.command("import-warc")
@click.argument("warc", type=click.Path(dir_okay=False, path_type=Path))
@SITES_OPTION
@DB_OPTION
@SET_OPTION
@VERBOSE_OPTION
@PROGRESS_OPTION
def import_warc(
    warc: Path,
    sites_path: Path,
    db_path: Path,
    overrides: tuple[str, ...],
    verbose: bool,
    progress: bool | None,
) -> None:
    """Archive the pages of WARC (.warc or .warc.gz), through the same pipeline as a crawl.

    Each response record of an HTML page answered 200 is a fetch: its HTTP headers and
    payload are the stored page, its WARC-Date the fetch time, and the article test of a crawl
    decides whether it is an article (home, tag and author pages are skipped). New versions
    are recorded with reason "import". Request, revisit, warcinfo and metadata records are
    skipped and counted. A page belongs to the site of the sites file that holds its host,
    else to a site named by its host. A file that is not a WARC changes nothing (exit 1); a
    damaged one has what was read before the damage imported (exit 3).

    Example: newsarchive import-warc capture.warc.gz --sites sites.toml --db archive.db
    """
    from crawler.stored_spiders import WarcImportSpider

    try:
        check_warc(warc)
    except NotAWarc as error:
        fail(EXIT_FAILED, str(error))
    sites, settings = stored_run(db_path, sites_path, overrides, verbose, progress)
    pages = WarcPages(warc, sites)
    spider_args: dict[str, Any] = {
        "pages": pages,
        "sites": sites,
        "archive_label": warc.name,
    }
    with archive_run(db_path):
        report = run_spiders([(WarcImportSpider, spider_args)], settings)
    code = report.exit_code
    if pages.damage is not None and code != EXIT_FAILED:
        code = EXIT_PARTLY
    echo_summary(report, pages, warc)
    record_outcome(db_path, report, code)
    sys.exit(code)


def echo_summary(report: Any, pages: WarcPages, warc: Path) -> None:
    """What was imported on stdout; notes, drops and damage on stderr."""
    site = report.sites[0]
    passed_over = ", ".join(f"{count} {kind}" for kind, count in sorted(pages.skipped.items()))
    click.echo(
        f"import-warc: {pages.records} records, {pages.pages} pages; articles: {site.new} new, "
        f"{site.changed} changed, {site.unchanged} unchanged; {site.skipped} skipped as "
        f"non-articles, {site.dropped} dropped"
        + (f", {site.errors} errors" if site.errors else "")
        + (f"; records passed over: {passed_over}" if passed_over else "")
    )
    for host, count in sorted(pages.hosts.items()):
        click.echo(
            f"note: {host} is in no site of the sites file: its {count} page(s) were taken "
            f"as site {host}",
            err=True,
        )
    echo_problems(report)
    if pages.damage is not None:
        click.echo(
            f"Error: {warc}: damaged, {pages.damage}; the pages before it were imported",
            err=True,
        )
