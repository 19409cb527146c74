"""The ``newsarchive`` command. Thin wrappers: the work lives in the modules they call.

One module per command (or pair of commands); this one gathers them into the group.
"""

from __future__ import annotations

import click

from crawler.cli.add_site import add_site
from crawler.cli.backup import backup
from crawler.cli.common import settings_for
from crawler.cli.crawling import archive, crawl, crawl_sites
from crawler.cli.distributed import ingest
from crawler.cli.export import export
from crawler.cli.export_warc import export_warc
from crawler.cli.extract import extract
from crawler.cli.forget import forget
from crawler.cli.history import history
from crawler.cli.import_warc import import_warc
from crawler.cli.reextract import reextract
from crawler.cli.serve import serve
from crawler.cli.stats import stats

__all__ = ["cli", "crawl_sites", "settings_for"]


@click.group()
@click.version_option(package_name="newsarchive")
def cli() -> None:
    """Crawl news sites into a clean, searchable, versioned SQLite archive."""


for command in (
    crawl,
    archive,
    ingest,
    add_site,
    extract,
    serve,
    stats,
    backup,
    history,
    export,
    export_warc,
    forget,
    reextract,
    import_warc,
):
    cli.add_command(command)
