"""Ctrl-C that answers at once and stops within seconds, keeping the rest for the next run.

Scrapy's first SIGINT starts a graceful shutdown that says little and waits for the
downloader to empty, and the downloader holds not only the pages in flight but every
request queued behind the site's download delay: on a polite crawl that is many seconds, for
pages the user just asked not to fetch. This extension says "interrupted, stopping after the
pages in flight" on stderr the moment the signal arrives, then takes the queued requests
back out of the downloader and returns them to the scheduler, which (with ``JOBDIR``) keeps
them on disk for the next run.

The pages already being transferred get ``ARCHIVE_INTERRUPT_GRACE`` seconds to finish. A page
that hangs (a server that accepts and never answers, or trickles a byte a second) would
otherwise hold the run until ``DOWNLOAD_TIMEOUT``; after the grace its download is cancelled
(the connection is closed) and its request goes back to the scheduler like the queued ones:
not an error of the page, fetched by the next run. Scrapy offers no handle on a transfer in
flight (the downloader keeps requests, not their downloads), so each crawler's download
handlers are wrapped to keep one. A second Ctrl-C still forces Scrapy to stop at once.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
from typing import TYPE_CHECKING, Any, ClassVar

from scrapy import signals
from scrapy.exceptions import IgnoreRequest
from scrapy.http.request import NO_CALLBACK
from scrapy.utils.asyncio import call_later
from scrapy.utils.defer import deferred_from_coro, maybe_deferred_to_future

if TYPE_CHECKING:
    from types import FrameType

    from scrapy.core.engine import ExecutionEngine
    from scrapy.crawler import Crawler
    from scrapy.http import Request, Response
    from twisted.internet.defer import Deferred
    from typing_extensions import Self

logger = logging.getLogger(__name__)

MESSAGE = "interrupted, stopping after the pages in flight\n"


class _Process:
    """What the one SIGINT handler of this process needs: signals are per process."""

    running: ClassVar[list[InterruptPromptly]] = []  # one per crawler whose engine runs
    previous: ClassVar[Any] = None  # Scrapy's handler, called after ours
    interrupted: ClassVar[bool] = False


class InterruptPromptly:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.grace = crawler.settings.getfloat("ARCHIVE_INTERRUPT_GRACE")
        self.transfers: dict[Request, Deferred[Response]] = {}  # downloads under way
        self.cancelled: set[Request] = set()  # transfers this extension cancelled

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        extension = cls(crawler)
        crawler.signals.connect(extension.engine_started, signal=signals.engine_started)
        crawler.signals.connect(extension.engine_stopped, signal=signals.engine_stopped)
        return extension

    def engine_started(self) -> None:
        """Wrap Scrapy's SIGINT handler, installed by now (once per process, for all crawlers)."""
        _Process.running.append(self)
        if self.crawler.engine is not None:
            self._track_transfers(self.crawler.engine)
        previous = signal.getsignal(signal.SIGINT)
        if previous is not _on_sigint and callable(previous):
            _Process.previous = previous
            signal.signal(signal.SIGINT, _on_sigint)

    def engine_stopped(self) -> None:
        if self in _Process.running:
            _Process.running.remove(self)

    def _track_transfers(self, engine: ExecutionEngine) -> None:
        """Run each download as a Deferred kept in ``transfers``, so that it can be cancelled."""
        handlers = engine.downloader.handlers
        download = handlers.download_request_async

        async def tracked(request: Request) -> Response:
            transfer = deferred_from_coro(download(request))
            self.transfers[request] = transfer
            try:
                return await maybe_deferred_to_future(transfer)
            except BaseException:
                if request in self.cancelled:  # put back already: not a failure of the page
                    raise IgnoreRequest("interrupted during download") from None
                raise
            finally:
                self.transfers.pop(request, None)
                self.cancelled.discard(request)

        handlers.download_request_async = tracked  # type: ignore[method-assign]

    def stop(self) -> None:
        """At the first Ctrl-C: queued requests go back now, transfers after the grace."""
        self.return_queued_requests()
        call_later(self.grace, self.cancel_transfers)

    def return_queued_requests(self) -> None:
        """Move requests waiting in the downloader back to the scheduler; only transfers remain."""
        engine = self._open_engine()
        if engine is None:
            return
        returned = 0
        for slot in list(engine.downloader.slots.values()):
            while slot.queue:
                request, deferred = slot.queue.popleft()
                _keep_for_next_run(engine, request)
                deferred.errback(IgnoreRequest("interrupted before download"))
                returned += 1
        if returned:
            logger.info("Kept %d queued requests for the next run", returned)

    def cancel_transfers(self) -> None:
        """Cancel the downloads still under way after the grace, keeping their requests."""
        engine = self._open_engine()
        if engine is None:
            return
        self.return_queued_requests()  # any that reached the downloader during the grace
        under_way = [(r, t) for r, t in self.transfers.items() if not t.called]  # not done yet
        for request, transfer in under_way:
            _keep_for_next_run(engine, request)
            self.cancelled.add(request)
            transfer.cancel()
        if under_way:
            logger.info(
                "Cancelled the downloads still under way after %.0f s, kept for the next run: %d",
                self.grace,
                len(under_way),
            )

    def _open_engine(self) -> ExecutionEngine | None:
        engine = self.crawler.engine
        if self not in _Process.running or engine is None or engine.spider is None:
            return None
        return engine


def _keep_for_next_run(engine: ExecutionEngine, request: Request) -> None:
    """Give the scheduler back a request the downloader will not answer, as no failure.

    A request of the middlewares' own (robots.txt: no callback) is not the spider's to crawl.
    """
    if request.callback is not NO_CALLBACK:
        engine.crawl(request.replace(dont_filter=True))  # seen already: keep it anyway
    request.errback = None  # not a failure of the page: nothing to report


def interrupted() -> bool:
    """Whether Ctrl-C's message has been written in this process (the live display asks)."""
    return _Process.interrupted


def _on_sigint(signum: int, frame: FrameType | None) -> None:
    """Say so at once (``os.write``: safe in a signal handler), then let Scrapy stop."""
    previous = _Process.previous
    first = not _Process.interrupted
    if first:
        _Process.interrupted = True
        os.write(sys.stderr.fileno(), MESSAGE.encode())
    if callable(previous):
        previous(signum, frame)
    from twisted.internet import reactor

    for extension in list(_Process.running) if first else ():
        reactor.callFromThread(extension.stop)
