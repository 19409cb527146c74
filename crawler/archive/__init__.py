"""The archive: a SQLite file of articles, their revisions and the raw pages behind them.

This is the only package that writes SQL. It knows nothing of Scrapy or the command line, so a
Datasette plugin, a test or a notebook can use it alone::

    from crawler.archive import open_archive
    db = open_archive("archive.db")
"""

from crawler.archive.connection import ArchiveError, ArchiveLocked, is_disk_full, open_archive
from crawler.archive.crawls import finish_crawl, record_exit_code, start_crawl
from crawler.archive.schema import SCHEMA_VERSION
from crawler.archive.writes import StoreOutcome, store_articles

__all__ = [
    "SCHEMA_VERSION",
    "ArchiveError",
    "ArchiveLocked",
    "StoreOutcome",
    "finish_crawl",
    "is_disk_full",
    "open_archive",
    "record_exit_code",
    "start_crawl",
    "store_articles",
]
