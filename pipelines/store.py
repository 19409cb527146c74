"""Stage 5: write articles to the archive in batches, one ``BEGIN IMMEDIATE`` transaction each.

The archive, not Scrapy's JOBDIR, is the source of truth: writes are idempotent upserts on the
article's identity, so a crash loses at most the batch not yet committed and a re-run of the
crawl recovers it. Batches are flushed when full, when the oldest waiting article is
``ARCHIVE_FLUSH_SECONDS`` old, and when the spider closes. The archive is opened in
``open_spider``: a path that cannot be an archive stops the crawl before its first request.

With ``ARCHIVE_EXTRACT_WORKERS`` above 0 the extraction workers pack each article before it
is queued (``crawler.extract_pool.PackJob``: its body signed for the near-duplicate index, its
raw page compressed), so that the write, in the reactor's process, only stores them.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from itemadapter import ItemAdapter
from scrapy import signals as scrapy_signals
from scrapy.exceptions import CloseSpider
from scrapy.utils.defer import deferred_from_coro

from crawler import signals
from crawler.archive import (
    ArchiveError,
    ArchiveLocked,
    finish_crawl,
    is_disk_full,
    open_archive,
    start_crawl,
)
from crawler.archive.reads import revisit_plan
from crawler.archive.takedowns import taken_down_hashes
from crawler.archive.writes import FORGOTTEN, store_articles
from crawler.clock import now_iso
from crawler.extract_pool import (
    ExtractPool,
    Packed,
    PackJob,
    WorkerCrashed,
    acquire_pool,
    extract_workers,
    release_pool,
)
from crawler.items import ARTICLE_COLUMNS
from crawler.revisit import DEFAULT_POLICY
from crawler.stat_counts import total
from crawler.urls import identity_url, url_hash

if TYPE_CHECKING:
    import sqlite_utils
    from scrapy.crawler import Crawler
    from typing_extensions import Self


logger = logging.getLogger(__name__)


def archive_record(item: Any, packed: Packed | None = None) -> dict[str, Any]:
    """What ``store_articles`` takes: the columns, the raw page, every identifying URL, and
    what a worker made ahead (the body's signature, the page compressed)."""
    adapter = ItemAdapter(item)
    page = adapter["page"]
    stored_page = {key: value for key, value in asdict(page).items() if key != "text"}
    record = {name: adapter.get(name) for name in ARTICLE_COLUMNS}
    record["page"] = stored_page
    record["aliases"] = [
        identity_url(page.url),
        identity_url(page.requested_url or page.url),
        page.requested_url,
    ]
    if packed is not None:
        stored_page["body_gzip"] = packed.page_gzip
        record["signed"] = packed.signed
    return record


class StoreArticlePipeline:
    def __init__(
        self,
        path: str,
        batch_size: int,
        flush_seconds: float,
        busy_timeout_ms: int,
        synchronous: str,
        crawler: Crawler,
        max_page_count: int = 0,
        workers: int = 0,
    ) -> None:
        self.path = path
        self.batch_size = max(1, batch_size)
        self.flush_seconds = flush_seconds
        self.busy_timeout_ms = busy_timeout_ms
        self.synchronous = synchronous
        self.max_page_count = max_page_count
        self.crawler = crawler
        self.db: sqlite_utils.Database | None = None
        self.crawl_id: int | None = None
        self.workers = workers
        self.pool: ExtractPool | None = None
        self.pending: list[tuple[Any, Packed | None]] = []  # items, packed by a worker or not
        self.pending_checks: list[dict[str, Any]] = []
        self.oldest_pending = 0.0
        self.failed: str | None = None
        self.refused: set[str] = set()  # URL hashes of taken-down articles met in this run

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        pipeline = cls(
            path=settings.get("ARCHIVE_PATH"),
            batch_size=settings.getint("ARCHIVE_BATCH_SIZE"),
            flush_seconds=settings.getfloat("ARCHIVE_FLUSH_SECONDS"),
            busy_timeout_ms=settings.getint("ARCHIVE_BUSY_TIMEOUT_MS"),
            synchronous=settings.get("ARCHIVE_SYNCHRONOUS"),
            crawler=crawler,
            max_page_count=settings.getint("ARCHIVE_MAX_PAGE_COUNT"),
            # The boilerplate stage warns when the setting is ignored.
            workers=extract_workers(settings.getint("ARCHIVE_EXTRACT_WORKERS", 0), quiet=True),
        )
        crawler.signals.connect(pipeline.spider_idle, signal=scrapy_signals.spider_idle)
        crawler.signals.connect(pipeline.spider_closed, signal=scrapy_signals.spider_closed)
        crawler.signals.connect(pipeline.article_checked, signal=signals.article_checked)
        return pipeline

    def open_spider(self) -> None:
        try:
            self.db = open_archive(
                self.path,
                busy_timeout_ms=self.busy_timeout_ms,
                synchronous=self.synchronous,
                max_page_count=self.max_page_count,
            )
            self.crawl_id = start_crawl(
                self.db, site=self._site_label(), command=self._command(), started_at=now_iso()
            )
            self._stats().set_value("archive/crawl_id", self.crawl_id)
            site = self._site_label()
            self.crawler.signals.send_catch_log(
                signals.revisit_plan,
                site=site,
                plan=revisit_plan(self.db, site=site, now=now_iso()),
                taken_down=taken_down_hashes(self.db),
            )
        except ArchiveError as error:
            self._stats().set_value("archive/problem", str(error))
            self._stats().inc_value("archive/errors/archive_open")
            raise CloseSpider(f"archive_unusable: {error}") from error
        if self.workers > 0:
            self.pool = acquire_pool(self.workers)

    def process_item(self, item: Any) -> Any:
        """The item, queued for the next batch; a coroutine that packs it first with a pool."""
        if self.failed:
            return item  # the spider is closing; the article was not stored (counted below)
        if self.pool is not None:
            return self._pack_and_queue(item, self.pool)
        self._queue(self.pending, (item, None))
        return item

    async def _pack_and_queue(self, item: Any, pool: ExtractPool) -> Any:
        adapter = ItemAdapter(item)
        job = PackJob(
            url=str(adapter.get("url")),
            body=adapter.get("body") or "",
            content_hash=adapter.get("content_hash") or "",
            page=adapter["page"].body,
        )
        packed: Packed | None = None
        try:
            packed = await pool.run(job)
            self._stats().inc_value("archive/packed_by_workers")
        except WorkerCrashed as error:  # the write does it (as without workers)
            logger.warning("%s: storing it unpacked", error)
        if not self.failed:
            self._queue(self.pending, (item, packed))
        return item

    def article_checked(self, check: dict[str, Any]) -> None:
        """A revisit that brought no new content (304, gone): written with the next batch."""
        if not self.failed:
            self._queue(self.pending_checks, check)

    def _queue(self, queue: list[Any], entry: Any) -> None:
        if not self.pending and not self.pending_checks:
            self.oldest_pending = time.monotonic()
        queue.append(entry)
        if (
            len(self.pending) + len(self.pending_checks) >= self.batch_size
            or time.monotonic() - self.oldest_pending >= self.flush_seconds
        ):
            self.flush()

    def spider_idle(self) -> None:
        self.flush()

    def flush(self) -> None:
        if (not self.pending and not self.pending_checks) or self.db is None or self.failed:
            return
        batch, self.pending = self.pending, []
        checks, self.pending_checks = self.pending_checks, []
        stats = self._stats()
        try:
            records = [archive_record(item, packed) for item, packed in batch]
            # Why these versions are written (reextract, import) is the spider's, run-wide.
            if reason := getattr(self.crawler.spider, "revision_reason", None):
                for record in records:
                    record["revision_reason"] = reason
            outcomes = store_articles(
                self.db,
                records,
                checks,
                interval_for=self._policy().interval,
            )
        except ArchiveLocked as error:
            self._fail("archive_locked", error, len(batch))
            return
        # A full disk, a broken file: stop the crawl, keep what is committed. The batch's
        # transaction was rolled back whole (write_transaction), so no article is half-written.
        except Exception as error:  # noqa: BLE001
            if is_disk_full(error):
                error = ArchiveError(f"{self.path}: the archive's disk is full ({error})")
            self._fail("archive_write_failed", error, len(batch))
            return
        for outcome in outcomes[len(batch) :]:
            # A 304 is an article seen unchanged, as a full fetch of the same content is.
            stats.inc_value(f"archive/articles/{outcome.outcome}")
            stats.inc_value(f"archive/revisit/{outcome.outcome}")
        for (item, _), outcome in zip(batch, outcomes, strict=False):
            adapter = ItemAdapter(item)
            stats.inc_value(f"archive/articles/{outcome.outcome}")
            if outcome.outcome == FORGOTTEN:
                self._refused(item, outcome.url)
                continue
            adapter["id"], adapter["version"] = outcome.article_id, outcome.version
            self.crawler.signals.send_catch_log(signals.article_stored, outcome=outcome, item=item)

    def _refused(self, item: Any, url: str) -> None:
        """A taken-down article met again: logged once per URL hash, never by its URL."""
        digest = url_hash(url)
        if digest not in self.refused:
            self.refused.add(digest)
            logger.info("Not archived: taken down with newsarchive forget (URL hash %s)", digest)
        page = ItemAdapter(item).get("page")
        requested = getattr(page, "requested_url", None) or url
        failures = getattr(self.crawler.spider, "failures", None)
        if isinstance(failures, dict):  # `newsarchive archive URL` names the reason
            failures[requested] = "taken down with newsarchive forget: not archived"

    def _fail(self, reason: str, error: Exception, lost: int) -> None:
        self.failed = reason
        stats = self._stats()
        stats.set_value("archive/problem", f"{reason}: {error}")
        stats.inc_value("archive/errors/archive_write")
        stats.inc_value("archive/articles/not_stored", lost)
        logger.error("Archive write failed, stopping the crawl: %s", error)
        assert self.crawler.engine is not None
        assert self.crawler.spider is not None
        deferred_from_coro(self.crawler.engine.close_spider_async(reason=reason))

    def close_spider(self) -> None:
        self.flush()

    def spider_closed(self, reason: str) -> None:
        """Record the run's end once Scrapy knows why it ended (after ``close_spider``)."""
        if self.pool is not None:
            release_pool(self.pool)
            self.pool = None
        if self.db is None:
            return
        stats = self._stats().get_stats()
        if self.crawl_id is not None:
            try:
                finish_crawl(
                    self.db,
                    self.crawl_id,
                    finished_at=now_iso(),
                    articles_new=stats.get("archive/articles/new", 0),
                    articles_changed=stats.get("archive/articles/changed", 0),
                    articles_unchanged=stats.get("archive/articles/unchanged", 0),
                    pages_skipped=total(stats, "archive/skipped/"),
                    errors=total(stats, "archive/errors/"),
                    requests=stats.get("downloader/request_count", 0),
                    finish_reason=self.failed or reason,
                )
            # A full disk may refuse this last write too: what was committed stays.
            except (ArchiveError, sqlite3.Error) as error:
                logger.error("Could not record the crawl's end: %s", error)
        self.db.close()
        self.db = None

    def _stats(self) -> Any:
        assert self.crawler.stats is not None
        return self.crawler.stats

    def _policy(self) -> Any:
        """The revisit policy of the site crawled (sites.toml ``revisit``), or the default."""
        site = getattr(self.crawler.spider, "site", None)
        return getattr(site, "revisit", None) or DEFAULT_POLICY

    def _site_label(self) -> str:
        spider = self.crawler.spider
        site = getattr(spider, "site", None)
        return getattr(site, "slug", None) or getattr(spider, "archive_label", None) or "(urls)"

    def _command(self) -> str:
        """The ``crawls.command``: a spider may name its own (``reextract``, ``import-warc``)."""
        spider = self.crawler.spider
        if command := getattr(spider, "archive_command", None):
            return str(command)
        return "archive" if getattr(spider, "name", "") == "urls" else "crawl"
