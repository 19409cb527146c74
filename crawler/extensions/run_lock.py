"""The archive's run lock and job folder for every crawler, whoever runs it.

``newsarchive crawl`` takes the lock once for all the sites it runs and says so with
``ARCHIVE_LOCK_HELD``; a bare ``scrapy crawl`` (what Scrapyd runs) takes it here, so two runs
on one archive never overlap however they were started. A refused run closes its spider
before the first request with the reason ``archive_locked`` (exit code 4) and writes nothing:
its item pipelines are switched off, since the archive belongs to the other run.

The extension also points Scrapy's ``JOBDIR`` at ``<db>.jobs/<site>/`` (unless one is given)
and keeps that folder honest (``crawler.jobdir``): resumed after Ctrl-C, deleted after a
finished run, discarded after a crash.
"""

from __future__ import annotations

import logging
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.exceptions import CloseSpider

from crawler import jobdir
from crawler.archive import ArchiveLocked
from crawler.archive.lock import run_lock

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from typing_extensions import Self

logger = logging.getLogger(__name__)

LOCKED_REASON = "archive_locked"


class ArchiveRunLock:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.held = ExitStack()
        self.refused: str | None = None
        self.job_path: Path | None = None
        self.finished = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        """Lock and set up the job folder now: settings are still open and nothing has run."""
        extension = cls(crawler)
        settings = crawler.settings
        archive = settings.get("ARCHIVE_PATH")
        if not settings.getbool("ARCHIVE_LOCK_HELD"):
            try:
                extension.held.enter_context(run_lock(archive))
            except ArchiveLocked as error:
                extension.refused = str(error)
                settings.set("ITEM_PIPELINES", {}, priority=100)  # above -s: write nothing
        if extension.refused is None:
            extension.job_path = extension._job_path(archive)
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(extension.engine_stopped, signal=signals.engine_stopped)
        return extension

    def _job_path(self, archive: str) -> Path | None:
        """The job folder: given as ``JOBDIR``, or ``<db>.jobs/<site>/`` for a site's crawl."""
        settings = self.crawler.settings
        site: Any = getattr(getattr(self.crawler.spider, "site", None), "slug", None)
        if settings.get("JOBDIR"):
            path = Path(settings.get("JOBDIR"))
        elif site:
            path = jobdir.job_dir(archive, str(site))
            settings.set("JOBDIR", str(path), priority="cmdline")
        else:
            return None
        if jobdir.begin(path):
            logger.info("Resuming the stopped run kept in %s", path)
        return path

    def spider_opened(self) -> None:
        if self.refused is not None:
            logger.error("%s", self.refused)  # the one line a person reads
            raise CloseSpider(LOCKED_REASON)

    def spider_closed(self, reason: str) -> None:
        self.finished = reason == "finished"

    def engine_stopped(self) -> None:
        """After Scrapy wrote its queue and state: only then may the folder go."""
        if self.job_path is not None:
            jobdir.end(self.job_path, finished=self.finished)
        self.held.close()
