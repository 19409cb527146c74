"""``newsarchive crawl`` and ``newsarchive archive``: run the spiders, print what they did."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

import click

from crawler import jobdir
from crawler.cli.common import (
    DB_OPTION,
    IDLE_EXIT_OPTION,
    PROGRESS_OPTION,
    REDIS_OPTION,
    SET_OPTION,
    SITES_OPTION,
    VERBOSE_OPTION,
    archive_run,
    chosen_sites,
    fail,
    load_sites_or_exit,
    set_progress,
    settings_for,
    worker_mode,
)
from crawler.runner import (
    EXIT_DONE,
    EXIT_FAILED,
    EXIT_LOCKED,
    EXIT_PARTLY,
    EXIT_USAGE,
    record_outcome,
    run_spiders,
)

if TYPE_CHECKING:
    from pathlib import Path


@click.command()
@click.argument("site_slugs", nargs=-1, metavar="[SITE]...")
@SITES_OPTION
@DB_OPTION
@REDIS_OPTION
@IDLE_EXIT_OPTION
@SET_OPTION
@VERBOSE_OPTION
@PROGRESS_OPTION
def crawl(
    site_slugs: tuple[str, ...],
    sites_path: Path,
    db_path: Path,
    redis_url: str | None,
    idle_exit: float,
    overrides: tuple[str, ...],
    verbose: bool,
    progress: bool | None,
) -> None:
    """Crawl the named sites of the sites file (all of them when none is named).

    On a terminal a live table shows each site's progress while the crawl runs; it is erased
    at the end, when the summary is printed. Cron and pipes get only the summary.

    With --redis, run as a worker of a distributed crawl: fetch and extract what the shared
    frontier holds and hand the articles to `newsarchive ingest`, which owns the archive
    (--db is not used).

    Example: newsarchive crawl harbor --sites sites.toml --db archive.db
    """
    chosen = chosen_sites(sites_path, site_slugs)
    if redis_url:
        from crawler.cli.distributed import crawl_as_worker

        mode = worker_mode(redis_url, idle_exit)
        settings = settings_for(db_path, sites_path, overrides, verbose, mode)
        sys.exit(crawl_as_worker(chosen, settings))
    settings = settings_for(db_path, sites_path, overrides, verbose)
    set_progress(settings, progress, verbose)
    sys.exit(crawl_sites(chosen, db_path, settings))


def crawl_sites(sites: list[Any], db_path: Path, settings: Any) -> int:
    """Crawl ``sites`` into the archive, print the summary, return the exit code."""
    from spiders.news import NewsSpider

    with archive_run(db_path):
        for site in sites:
            if jobdir.crashed(jobdir.job_dir(db_path, site.slug)):
                click.echo(
                    f"note: the previous run of {site.slug} did not stop cleanly: starting afresh",
                    err=True,
                )
        report = run_spiders([(NewsSpider, {"site": site}) for site in sites], settings)
    echo_report(report)
    click.echo(f"Browse it: newsarchive serve --db {db_path}")
    record_outcome(db_path, report, report.exit_code)
    return report.exit_code


def echo_report(report: Any) -> None:
    """A crawl's summary on stdout, then one line per failure (URL: reason) on stderr."""
    click.echo(report.summary())
    for site in report.sites:
        for line in site.failures:
            click.echo(f"error {line}", err=True)


@click.command()
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
            fail(EXIT_USAGE, f"{url!r}: not an http(s) URL")
    sites = load_sites_or_exit(sites_path) if sites_path.exists() else {}
    settings = settings_for(db_path, sites_path, overrides, verbose)
    settings.set("DOWNLOAD_DELAY", 0, priority="cmdline")  # the user asked for these pages
    settings.set("AUTOTHROTTLE_START_DELAY", 0, priority="cmdline")
    with archive_run(db_path):
        report = run_spiders(
            [(UrlsSpider, {"urls": list(urls), "sites": sites})], settings, keep_outcomes=True
        )
    spider: Any = report.spiders[0] if report.spiders else None
    failures: dict[str, str] = getattr(spider, "failures", {})
    stored = {article.requested_url: article for article in report.stored}
    dropped = {  # validation names the URL in its reason; the line names it already
        item.requested_url: item.reason.removesuffix(f": {item.url}") for item in report.dropped
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


def _site_problem(report: Any) -> str:
    return next((site.problem for site in report.sites if site.problem), "")
