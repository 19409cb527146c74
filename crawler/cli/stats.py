"""``newsarchive stats``: what the archive holds per site, and how well extraction went."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from crawler.cli.common import DB_OPTION, existing_archive, text_table

if TYPE_CHECKING:
    from pathlib import Path

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
# The JSON rows also hold ``errors`` and ``requests``, the two sums behind ``error_rate``.
TOTALS_COLUMNS = (
    "site",
    "articles",
    "gone",
    "articles_per_day",
    "error_rate",
    "last_crawl",
    "last_exit_code",
    "latest_published",
)
DEFAULT_DAYS, HEALTH_DEFAULT_DAYS = 7, 14


@click.command()
@DB_OPTION
@click.option(
    "--health",
    is_flag=True,
    help="Per site and day first archived: shares of articles with an empty body, no date, "
    "no author or a truncated body, and the median body length.",
)
@click.option(
    "--days",
    default=None,
    type=click.IntRange(min=1),
    help=f"The last N days, today included: the window of articles_per_day and error_rate "
    f"(default {DEFAULT_DAYS}), or with --health the days shown (default {HEALTH_DEFAULT_DAYS}).",
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
    db_path: Path, health: bool, days: int | None, site_slug: str | None, output_format: str
) -> None:
    """Show what the archive holds per site, or with --health how well extraction went.

    Plain: per site, articles and how many are gone, articles first archived per day (averaged
    over the last --days days, default 7), the error rate (errors / requests of the site's
    crawls in those days), when the last crawl started and its exit code, and the newest
    publication date. Datasette's `sites` canned query runs the same SQL. --health: per
    site and day (newest first), the share of articles with an empty body, no date, no author
    or a truncated body, and the median body length: a site redesign that breaks extraction
    shows the next day. Datasette's `health` canned query runs the same SQL.

    Example: newsarchive stats --health --days 7 --db archive.db
    """
    import json

    from crawler.archive.reads import site_health, site_totals
    from crawler.clock import now_iso

    db = existing_archive(db_path)
    try:
        columns: tuple[str, ...]
        if health:
            days = days or HEALTH_DEFAULT_DAYS
            rows = site_health(db, days=days, site=site_slug, now=now_iso())
            columns = HEALTH_COLUMNS
        else:
            rows = site_totals(db, days=days or DEFAULT_DAYS, site=site_slug, now=now_iso())
            columns = TOTALS_COLUMNS
    finally:
        db.close()
    if output_format == "json":
        click.echo(json.dumps(rows, indent=1))
    else:
        click.echo(text_table(rows, columns))
