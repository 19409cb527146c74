"""``scrapy crawl`` with newsarchive's exit codes, and the exit code recorded in ``crawls``.

Scrapy's own command exits 0 whatever happened unless the crawler failed to start; Scrapyd
and cron judge a run by its exit code, so this one returns what ``newsarchive crawl`` would
(DESIGN.md: 0 done, 1 failed, 2 usage, 3 partly done, 4 archive locked) and writes it into the run's
``crawls`` rows, as the ``newsarchive`` command does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.exceptions import UsageError

from crawler.runner import EXIT_FAILED, EXIT_USAGE, RunReport, SiteReport, record_outcome

# The spider's close reason when ``-a site`` is missing, unknown or its sites file unreadable.
BAD_SITE_ARGUMENT = "bad_site_argument"

if TYPE_CHECKING:
    import argparse


class Command(ScrapyCrawlCommand):
    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1:
            raise UsageError("run one spider: scrapy crawl SPIDER")
        assert self.crawler_process is not None
        crawler = self._create_crawler(args[0])
        self.crawler_process.crawl(crawler, **opts.spargs)
        self.crawler_process.start()
        if self.crawler_process.bootstrap_failed:
            self.exitcode = EXIT_FAILED
            return
        stats = crawler.stats.get_stats() if crawler.stats else {}
        if stats.get("finish_reason") == BAD_SITE_ARGUMENT:
            self.exitcode = EXIT_USAGE  # said in one line by the spider; nothing was crawled
            return
        site = str(opts.spargs.get("site") or args[0])
        report = RunReport(sites=[SiteReport.from_stats(site, stats)])
        self.exitcode = report.exit_code
        # A run refused by the lock has no crawls row: nothing is written then.
        record_outcome(crawler.settings.get("ARCHIVE_PATH"), report, self.exitcode)
