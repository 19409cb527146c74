"""Running spiders in this process and reporting what they did, for the CLI.

One ``CrawlerProcess`` runs one crawler per site side by side, each with the site's own
politeness settings; their stats become a ``RunReport`` and an exit code (DESIGN.md: 0 done,
1 failed, 3 partly done, 4 archive locked).
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

# Imported early on purpose, before Scrapy loads its download handlers: its TLS module makes
# a deprecated-class shim that calls inspect.stack(), which reads the source of every frame
# and scans every loaded module. From deep inside a crawler's start-up that took 0.15 s of
# every crawl; here, a few hundredths.
import scrapy.core.downloader.contextfactory  # noqa: F401
from itemadapter import ItemAdapter
from scrapy import signals as scrapy_signals
from scrapy.crawler import CrawlerProcess
from scrapy.utils.project import get_project_settings

from crawler import signals
from crawler.archive import ArchiveError, open_archive, record_exit_code
from crawler.failures import noted
from crawler.middlewares.host_backoff import blocked_hosts
from crawler.stat_counts import total

if TYPE_CHECKING:
    from pathlib import Path

    from scrapy import Spider
    from scrapy.crawler import Crawler
    from scrapy.settings import Settings

    from crawler.archive import StoreOutcome

logger = logging.getLogger(__name__)

EXIT_DONE, EXIT_FAILED, EXIT_USAGE, EXIT_PARTLY, EXIT_LOCKED = 0, 1, 2, 3, 4


@dataclass
class SiteReport:
    """One crawler's counts, read from its stats."""

    site: str
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    not_due: int = 0  # known articles listed but not due for a check: not fetched
    handed_off: int = 0  # a distributed worker's articles and checks, sent to the writer
    gone: int = 0
    forgotten: int = 0  # taken down with `newsarchive forget`: not fetched, or not stored
    skipped: int = 0
    dropped: int = 0
    errors: int = 0
    finish_reason: str = ""
    problem: str = ""
    crawl_id: int | None = None
    failures: list[str] = field(default_factory=list)  # "URL: reason" (crawler/failures.py)
    blocked: list[str] = field(default_factory=list)  # hosts backed off (host_backoff.py)

    @property
    def stored(self) -> int:
        return self.new + self.changed + self.unchanged + self.handed_off

    @classmethod
    def from_stats(cls, site: str, stats: dict[str, Any]) -> SiteReport:
        problem = str(stats.get("archive/problem", ""))
        return cls(
            site=site,
            new=int(stats.get("archive/articles/new", 0)),
            changed=int(stats.get("archive/articles/changed", 0)),
            unchanged=int(stats.get("archive/articles/unchanged", 0)),
            not_due=int(stats.get("archive/revisit/not_due", 0)),
            handed_off=int(stats.get("archive/articles/handed_off", 0))
            + int(stats.get("archive/revisit/handed_off", 0)),
            gone=int(stats.get("archive/articles/gone", 0)),
            forgotten=int(stats.get("archive/articles/forgotten", 0))
            + int(stats.get("archive/forgotten/not_fetched", 0)),
            skipped=total(stats, "archive/skipped/"),
            dropped=total(stats, "archive/dropped/"),
            errors=total(stats, "archive/errors/"),
            finish_reason=str(stats.get("finish_reason", "")),
            problem=problem,
            crawl_id=stats.get("archive/crawl_id"),
            failures=noted(stats),
            blocked=blocked_hosts(stats),
        )


@dataclass(frozen=True)
class StoredArticle:
    """What ``archive`` reports of a stored article: never the item, which holds the raw page."""

    requested_url: str
    outcome: str  # new, changed, unchanged
    article_id: int
    version: int


@dataclass(frozen=True)
class DroppedItem:
    """A page a pipeline stage dropped: the URL asked for, and the stage's reason."""

    requested_url: str
    url: str  # as fetched (after redirects): validation names it at the end of its reason
    reason: str


@dataclass
class RunReport:
    """What a run did, for the command line: counts per site, and (for ``archive``) outcomes.

    It outlives the crawl, so it holds no item or response: a report that kept each stored
    item kept each raw page until the run ended, and memory grew with the crawl's size.
    """

    sites: list[SiteReport] = field(default_factory=list)
    seconds: float = 0.0
    stored: list[StoredArticle] = field(default_factory=list)  # only with keep_outcomes
    dropped: list[DroppedItem] = field(default_factory=list)  # only with keep_outcomes
    spiders: list[Spider] = field(default_factory=list)
    writer: str = ""  # a distributed worker's: where its articles went (the Redis URL)

    def total(self, name: str) -> int:
        return sum(getattr(report, name) for report in self.sites)

    @property
    def exit_code(self) -> int:
        """0 done; 1 failed; 3 partly done (errors, or stopped early: Ctrl-C, a limit); 4 locked."""
        reasons = {report.finish_reason for report in self.sites}
        if "archive_locked" in reasons:
            return EXIT_LOCKED
        if any(r.startswith(("archive_unusable", "archive_write_failed")) for r in reasons):
            return EXIT_FAILED
        if self.total("errors") == 0 and reasons <= {"finished"}:
            return EXIT_DONE
        return EXIT_PARTLY if self.total("stored") > 0 else EXIT_FAILED

    def summary(self) -> str:
        """The lines a person reads after a run: one per site, then the totals."""
        return "\n".join([*(self._site_line(r) for r in self.sites), self._totals_line()])

    def _site_line(self, r: SiteReport) -> str:
        if self.writer:  # a distributed worker stores nothing itself
            what = f"{r.handed_off} articles and checks handed to the writer, "
        else:
            what = f"{r.new} new, {r.changed} changed, {r.unchanged} unchanged, "
        return (
            f"{r.site}: {what}"
            + (f"{r.not_due} not due, " if r.not_due else "")
            + (f"{r.gone} gone, " if r.gone else "")
            + (f"{r.forgotten} refused as taken down, " if r.forgotten else "")
            + f"{r.skipped} skipped as non-articles, {r.dropped} dropped, {r.errors} errors"
            + (f" ({r.problem})" if r.problem else "")
            + "".join(f" ({line})" for line in r.blocked)
        )

    def _totals_line(self) -> str:
        if self.writer:
            what = f"handed to the writer at {self.writer}: {self.total('handed_off')}"
        else:
            what = (
                f"articles: {self.total('new')} new, {self.total('changed')} changed, "
                f"{self.total('unchanged')} unchanged"
                + (f", {self.total('not_due')} not due" if self.total("not_due") else "")
                + f"; pages skipped as non-articles: {self.total('skipped')}"
            )
        return f"{what}; errors: {self.total('errors')}; seconds: {self.seconds:.1f}"


def project_settings(overrides: dict[str, Any]) -> Settings:
    """The project's settings with the caller's overrides at command-line priority.

    Scrapy finds a project through ``scrapy.cfg`` in the working folder or above it; cron and
    one-off commands run from anywhere, so the settings module is named outright.
    """
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    settings = get_project_settings()
    settings.setdict(overrides, priority="cmdline")
    return settings


def run_spiders(
    jobs: list[tuple[type[Spider], dict[str, Any]]],
    settings: Settings,
    *,
    keep_outcomes: bool = False,
) -> RunReport:
    """Run every (spider class, spider arguments) job to the end in one process.

    ``keep_outcomes`` records each stored and dropped page's URL in the report, for a command
    that answers per URL (``archive``); a crawl's report keeps only counts, so its memory does
    not grow with the number of pages crawled.
    """
    report = RunReport()
    process = CrawlerProcess(settings)
    crawlers: list[Crawler] = []
    for spidercls, kwargs in jobs:
        crawler = process.create_crawler(spidercls)
        if keep_outcomes:
            _record_outcomes(crawler, report)
        crawlers.append(crawler)
        process.crawl(crawler, **kwargs)
    started = time.monotonic()
    process.start()
    report.seconds = time.monotonic() - started
    for crawler in crawlers:
        spider = crawler.spider
        stats = crawler.stats.get_stats() if crawler.stats else {}
        report.sites.append(SiteReport.from_stats(site_of(crawler), stats))
        if spider is not None:
            report.spiders.append(spider)
    return report


def _record_outcomes(crawler: Crawler, report: RunReport) -> None:
    """Note each stored and dropped page in ``report`` by URL, letting the item go."""

    def stored(outcome: StoreOutcome, item: Any) -> None:
        report.stored.append(
            StoredArticle(
                requested_url=str(ItemAdapter(item)["page"].requested_url),
                outcome=outcome.outcome,
                article_id=outcome.article_id,
                version=outcome.version,
            )
        )

    def dropped(item: Any, exception: BaseException, **_: Any) -> None:
        adapter = ItemAdapter(item)
        page = adapter.get("page")
        report.dropped.append(
            DroppedItem(
                requested_url=str(getattr(page, "requested_url", None) or adapter.get("url")),
                url=str(adapter.get("url")),
                reason=str(exception),
            )
        )

    crawler.signals.connect(stored, signal=signals.article_stored, weak=False)
    crawler.signals.connect(dropped, signal=scrapy_signals.item_dropped, weak=False)


def site_of(crawler: Crawler) -> str:
    """The slug of the site a crawler crawls, or its spider's name when it has none."""
    spider = crawler.spider
    return str(getattr(getattr(spider, "site", None), "slug", None) or spidercls_name(crawler))


def spidercls_name(crawler: Crawler) -> str:
    return str(getattr(crawler.spidercls, "name", "?"))


def record_outcome(db_path: Path | str, report: RunReport, exit_code: int) -> None:
    """Write the command's exit code into the ``crawls`` rows of this run, if it can."""
    crawl_ids = [site.crawl_id for site in report.sites if site.crawl_id is not None]
    record_exit_code_quietly(db_path, crawl_ids, exit_code)


def record_exit_code_quietly(db_path: Path | str, crawl_ids: list[int], exit_code: int) -> None:
    """``record_exit_code``, with a warning instead of an error if the archive refuses."""
    if not crawl_ids:
        return
    try:
        db = open_archive(db_path)
        try:
            record_exit_code(db, crawl_ids, exit_code)
        finally:
            db.close()
    except ArchiveError as error:  # the articles are stored; only the bookkeeping is missing
        logger.warning("Could not record the exit code in %s: %s", db_path, error)
