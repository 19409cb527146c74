"""``newsarchive add-site``: find a site's feeds and sitemaps, add its table to the sites file."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlparse

import click

from crawler.cli.common import SITES_OPTION, fail
from crawler.runner import EXIT_FAILED, EXIT_USAGE
from crawler.sites import DEFAULT_USER_AGENT, SLUG_PATTERN, SitesError

if TYPE_CHECKING:
    from pathlib import Path


@click.command("add-site")
@click.argument("url")
@SITES_OPTION
@click.option("--slug", help="The site's key in the sites file; default: from the host name.")
@click.option("--name", help="Display name; default: the page's og:site_name, else its <title>.")
@click.option("--dry-run", is_flag=True, help="Print the table; write nothing.")
def add_site(url: str, sites_path: Path, slug: str | None, name: str | None, dry_run: bool) -> None:
    """Find a site's feeds and sitemaps and append a [sites.<slug>] table to the sites file.

    Feeds are the page's <link rel="alternate"> RSS and Atom feeds, else the first common path
    that answers one (/feed, /rss.xml, ...); sitemaps are robots.txt's Sitemap: lines, else
    /sitemap.xml, /sitemap_index.xml, /news-sitemap.xml. Each is fetched (robots.txt obeyed)
    and kept only when it parses as one. The file keeps its text and comments; the table is
    appended and the result loaded before it replaces the file (created when missing).

    Example: newsarchive add-site https://example.com/ --sites sites.toml
    """
    from crawler.page_fetch import Fetcher
    from crawler.site_discovery import DiscoveryError, discover
    from crawler.sites_file import (
        append_table,
        check_appended,
        existing_sites,
        site_domains,
        site_table,
        slug_for,
    )

    parts = urlparse(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        fail(EXIT_USAGE, f"{url!r}: not an http(s) URL")
    slug = slug or slug_for(url)
    if not SLUG_PATTERN.match(slug):
        fail(EXIT_USAGE, f"--slug {slug!r}: use lower-case letters, digits, '-' or '_'")
    try:
        slugs, defaults = existing_sites(sites_path)
    except SitesError as error:
        fail(EXIT_USAGE, str(error))
    if slug in slugs:
        fail(EXIT_USAGE, f"{sites_path}: site {slug!r} exists already; give another with --slug")

    user_agent = defaults.get("user_agent")
    fetcher = Fetcher(user_agent=user_agent if isinstance(user_agent, str) else DEFAULT_USER_AGENT)
    try:
        found = discover(url, fetcher)
    except DiscoveryError as error:
        fail(EXIT_FAILED, f"{url}: {error}")
    for feed in found.feeds:
        click.echo(f"feed     {feed}")
    for sitemap in found.sitemaps:
        click.echo(f"sitemap  {sitemap}")
    for skipped, reason in found.skipped:
        click.echo(f"skipped  {skipped}: {reason}")
    if not found.feeds and not found.sitemaps:
        click.echo(f"no feed or sitemap found: the crawl starts from {found.home_url}")

    table = site_table(
        slug,
        {
            "name": name or found.name,
            "feeds": found.feeds,
            "sitemaps": found.sitemaps,
            "start_urls": [found.home_url],
            "allowed_domains": site_domains([found.home_url, *found.feeds, *found.sitemaps]),
        },
    )
    try:
        if dry_run:
            check_appended(sites_path, table)
        else:
            append_table(sites_path, table)
    except SitesError as error:
        fail(EXIT_USAGE, str(error))
    except OSError as error:
        fail(EXIT_FAILED, f"{sites_path}: cannot write it: {error.strerror or error}")
    if dry_run:
        click.echo(f"would add to {sites_path}:\n\n{table}", nl=False)
        return
    click.echo(f"added [sites.{slug}] to {sites_path}")
    click.echo(f"crawl it: newsarchive crawl {slug} --sites {sites_path}")
