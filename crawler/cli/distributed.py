"""``newsarchive ingest`` and ``newsarchive crawl --redis``: a crawl spread over machines.

How it works is told in ``crawler.distributed``; these are the command's ends of it: one line
per problem, the same exit codes as a local crawl, a summary a person reads.
"""

from __future__ import annotations

import signal
import sys
from typing import TYPE_CHECKING, Any

import click

from crawler.archive import ArchiveError, ArchiveLocked, open_archive
from crawler.archive.lock import run_lock
from crawler.cli.common import (
    DB_OPTION,
    IDLE_EXIT_OPTION,
    SITES_OPTION,
    chosen_sites,
    fail,
)
from crawler.runner import EXIT_DONE, EXIT_FAILED, EXIT_LOCKED, EXIT_PARTLY, run_spiders

if TYPE_CHECKING:
    from pathlib import Path


def crawl_as_worker(sites: list[Any], settings: Any) -> int:
    """Run the sites' spiders as workers of the distributed crawl; print what they did."""
    from crawler.cli.crawling import echo_report
    from spiders.news import NewsSpider

    report = run_spiders([(NewsSpider, {"site": site}) for site in sites], settings)
    report.writer = str(settings.get("ARCHIVE_REDIS_URL"))
    echo_report(report)
    return report.exit_code


@click.command()
@click.argument("site_slugs", nargs=-1, metavar="[SITE]...")
@click.option(
    "--redis",
    "redis_url",
    required=True,
    envvar="NEWSARCHIVE_REDIS",
    metavar="URL",
    help="The Redis the workers share, e.g. redis://host:6379/0 (NEWSARCHIVE_REDIS).",
)
@SITES_OPTION
@DB_OPTION
@IDLE_EXIT_OPTION
@click.option(
    "--batch-size",
    default=100,
    show_default=True,
    type=click.IntRange(min=1),
    help="Articles written per transaction, at most.",
)
@click.option("-v", "--verbose", is_flag=True, help="Log each batch and round.")
def ingest(
    site_slugs: tuple[str, ...],
    redis_url: str,
    sites_path: Path,
    db_path: Path,
    idle_exit: float,
    batch_size: int,
    verbose: bool,
) -> None:
    """Own the archive of a distributed crawl: seed the shared frontier, write what comes back.

    Seeds each named site (all when none is named): its feeds, sitemaps and section pages and
    the articles due for a check, for workers started with `newsarchive crawl --redis URL` on
    any machine; then stores the articles they send until stopped (Ctrl-C) or, with
    --idle-exit, until nothing has been queued, fetched or sent for that long.

    Example: newsarchive ingest --redis redis://127.0.0.1:6379/0 --db archive.db --idle-exit 30
    """
    import logging

    from crawler.distributed.keys import Keys
    from crawler.distributed.redis_link import RedisUnavailable, connect
    from crawler.distributed.writer import Writer
    from crawler.runner import record_exit_code_quietly

    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(message)s",
    )
    sites = {site.slug: site for site in chosen_sites(sites_path, site_slugs)}
    try:
        server = connect(redis_url)
    except RedisUnavailable as error:
        fail(EXIT_FAILED, str(error))
    try:
        db = open_archive(db_path)
    except ArchiveError as error:
        fail(EXIT_FAILED, str(error))
    try:
        with run_lock(db_path):
            writer = Writer(server, Keys(), db, sites, batch_size=batch_size, idle_exit=idle_exit)
            _stop_on_signals(writer)
            waiting = writer.drain()
            if waiting:
                click.echo(f"Wrote {waiting} articles and checks left from an earlier round")
            writer.seed()
            seeds = sum(tally.seeds for tally in writer.tallies.values())
            click.echo(
                f"Seeded {seeds} requests for {len(sites)} site{'s' * (len(sites) != 1)} "
                f"at {redis_url}; writing to {db_path} (Ctrl-C to stop)"
            )
            writer.run()
            reason = "shutdown" if writer.stopping else "finished"
            crawl_ids = writer.finish(reason)
    except ArchiveLocked as error:
        fail(EXIT_LOCKED, str(error))
    finally:
        db.close()
    rejected = sum(tally.rejected for tally in writer.tallies.values())
    for tally in writer.tallies.values():
        click.echo(tally.line())
    click.echo(f"Browse it: newsarchive serve --db {db_path}")
    code = EXIT_PARTLY if writer.stopping or rejected else EXIT_DONE
    record_exit_code_quietly(db_path, crawl_ids, code)
    sys.exit(code)


def _stop_on_signals(writer: Any) -> None:
    """Ctrl-C and SIGTERM stop the writer after the batch in hand (at most a second's wait)."""

    def stop(signum: int, frame: object) -> None:
        if writer.stopping:
            raise KeyboardInterrupt  # a second signal: stop now; the batch stays in Redis
        writer.stopping = True
        click.echo("interrupted, stopping after the batch being written", err=True)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
