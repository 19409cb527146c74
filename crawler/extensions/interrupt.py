"""Ctrl-C that answers at once and stops soon, keeping the rest of the crawl for the next run.

Scrapy's first SIGINT starts a graceful shutdown that says little and waits for the
downloader to empty, and the downloader holds not only the pages in flight but every
request queued behind the site's download delay: on a polite crawl that is many seconds, for
pages the user just asked not to fetch. This extension says "interrupted, stopping after the
pages in flight" on stderr the moment the signal arrives, then takes the queued requests
back out of the downloader and returns them to the scheduler, which (with ``JOBDIR``) keeps
them on disk for the next run. Only the pages already being transferred are waited for.
A second Ctrl-C still forces Scrapy to stop at once.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
from typing import TYPE_CHECKING, Any, ClassVar

from scrapy import signals
from scrapy.exceptions import IgnoreRequest

if TYPE_CHECKING:
    from types import FrameType

    from scrapy.crawler import Crawler
    from typing_extensions import Self

logger = logging.getLogger(__name__)

MESSAGE = "interrupted, stopping after the pages in flight\n"


class _Process:
    """What the one SIGINT handler of this process needs: signals are per process."""

    running: ClassVar[list[Crawler]] = []  # crawlers whose engine runs
    previous: ClassVar[Any] = None  # Scrapy's handler, called after ours
    interrupted: ClassVar[bool] = False


class InterruptPromptly:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        extension = cls(crawler)
        crawler.signals.connect(extension.engine_started, signal=signals.engine_started)
        crawler.signals.connect(extension.engine_stopped, signal=signals.engine_stopped)
        return extension

    def engine_started(self) -> None:
        """Wrap Scrapy's SIGINT handler, installed by now (once per process, for all crawlers)."""
        _Process.running.append(self.crawler)
        previous = signal.getsignal(signal.SIGINT)
        if previous is not _on_sigint and callable(previous):
            _Process.previous = previous
            signal.signal(signal.SIGINT, _on_sigint)

    def engine_stopped(self) -> None:
        if self.crawler in _Process.running:
            _Process.running.remove(self.crawler)


def _on_sigint(signum: int, frame: FrameType | None) -> None:
    """Say so at once (``os.write``: safe in a signal handler), then let Scrapy stop."""
    previous = _Process.previous
    if not _Process.interrupted:
        _Process.interrupted = True
        os.write(sys.stderr.fileno(), MESSAGE.encode())
    if callable(previous):
        previous(signum, frame)
    from twisted.internet import reactor

    reactor.callFromThread(_return_queued_requests)


def _return_queued_requests() -> None:
    """Move requests waiting in the downloader back to the scheduler; only transfers remain."""
    for crawler in _Process.running:
        engine = crawler.engine
        if engine is None or engine.spider is None:
            continue
        returned = 0
        for slot in list(engine.downloader.slots.values()):
            while slot.queue:
                request, deferred = slot.queue.popleft()
                engine.crawl(request.replace(dont_filter=True))  # seen already: keep it anyway
                request.errback = None  # not a failure of the page: nothing to report
                deferred.errback(IgnoreRequest("interrupted before download"))
                returned += 1
        if returned:
            logger.info("Kept %d queued requests for the next run", returned)
