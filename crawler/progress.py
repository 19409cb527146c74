"""Live progress of a crawl on a terminal: per site pages, articles, errors and pages/s.

A Scrapy extension, on only when ``ARCHIVE_PROGRESS`` is set (``newsarchive crawl`` sets it
when stderr is a terminal, or on ``--progress``): cron mails and pipes get nothing of it. All
the crawlers of the process share one display, a table drawn on stderr about twice a second
by a ``LoopingCall`` in the reactor thread, from what each crawler's stats collector already
counts, so the crawl itself does no extra work. The table is erased when the last crawler
stops; the summary the command prints afterwards says the same in full.

rich lays the table out, but the frame is written here rather than by ``rich.live.Live``: Live
redraws over whatever was written to the terminal since its last frame, and Ctrl-C's message
(``crawler.extensions.interrupt``) is written straight to the file descriptor from the signal
handler. Each frame therefore ends at the start of a line, so the message gets a line of its
own, and once it has been written the next frame starts below it instead of over it. Frames
are written with ``os.write`` for the same reason: the handler writes to the descriptor too,
and a buffered stream interrupted mid-write cannot be written to again.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections import deque
from typing import TYPE_CHECKING, ClassVar

from rich.console import Console
from rich.table import Table
from scrapy import signals
from scrapy.exceptions import NotConfigured
from twisted.internet import task

from crawler.extensions import interrupt
from crawler.runner import SiteReport, site_of

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from typing_extensions import Self

REFRESH_SECONDS = 0.5
RATE_WINDOW_SECONDS = 5.0  # pages/s is measured over this much of the recent past
MAX_ROWS = 20  # sites shown at once; the rest are counted in one line
COLUMNS = ("site", "pages", "new", "changed", "unchanged", "not due", "errors", "pages/s")


class LiveProgress:
    """The extension: registers its crawler with the process's one display."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not crawler.settings.getbool("ARCHIVE_PROGRESS"):
            raise NotConfigured
        extension = cls(crawler)
        crawler.signals.connect(extension.engine_started, signal=signals.engine_started)
        crawler.signals.connect(extension.engine_stopped, signal=signals.engine_stopped)
        return extension

    def engine_started(self) -> None:
        Display.shared().watch(self.crawler)

    def engine_stopped(self) -> None:
        Display.shared().stopped(self.crawler)


# The title's verb for runs that are not crawls (crawler/stored_spiders.py).
DOING = {"reextract": "re-extracting", "import-warc": "importing"}


class SiteProgress:
    """One crawler's row, and the recent page counts its rate is measured over."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.running = True
        self.samples: deque[tuple[float, int]] = deque()

    def cells(self, now: float) -> list[str]:
        stats = self.crawler.stats.get_stats() if self.crawler.stats else {}
        counts = SiteReport.from_stats(site_of(self.crawler), stats)
        pages = int(stats.get("downloader/response_count", 0))
        self.samples.append((now, pages))
        while now - self.samples[0][0] > RATE_WINDOW_SECONDS:
            self.samples.popleft()
        since, before = self.samples[0]
        rate = f"{(pages - before) / (now - since):.1f}" if now > since else "…"
        # A run that knows its pages in advance (reextract) shows how far it has come.
        expected = getattr(self.crawler.spider, "expected_pages", None)
        return [
            counts.site,
            f"{pages}/{expected}" if expected is not None else str(pages),
            str(counts.new),
            str(counts.changed),
            str(counts.unchanged),
            str(counts.not_due),
            str(counts.errors),
            rate if self.running else "done",
        ]


class Display:
    """The process's one table on stderr, redrawn in place until the last crawler stops."""

    current: ClassVar[Display | None] = None

    def __init__(self) -> None:
        self.fd = sys.stderr.fileno()
        self.console = Console(file=sys.stderr, force_terminal=True, highlight=False)
        self.sites: list[SiteProgress] = []
        self.lines = 0  # lines of the frame on screen, above the cursor
        self.seen_interrupt = False
        self.started = time.monotonic()
        self.loop = task.LoopingCall(self.draw)

    @classmethod
    def shared(cls) -> Display:
        if cls.current is None:
            cls.current = cls()
        return cls.current

    def watch(self, crawler: Crawler) -> None:
        self.sites.append(SiteProgress(crawler))
        if not self.loop.running:
            self.loop.start(REFRESH_SECONDS, now=False)  # let the other crawlers start

    def stopped(self, crawler: Crawler) -> None:
        for site in self.sites:
            if site.crawler is crawler:
                site.running = False
        if any(site.running for site in self.sites):
            return
        Display.current = None
        if self.loop.running:
            self.loop.stop()
            with contextlib.suppress(OSError):
                self._write("")  # erase the last frame: the summary follows

    def draw(self) -> None:
        now = time.monotonic()
        with self.console.capture() as capture:
            self.console.print(self.table(now))
        try:
            self._write(capture.get())
        except OSError:  # the terminal went away: the crawl goes on without a display
            self.loop.stop()

    def doing(self) -> str:
        """What the runs shown are doing, from their spiders' names: crawling by default."""
        names = {getattr(site.crawler.spidercls, "name", "") for site in self.sites}
        return DOING.get(names.pop(), "crawling") if len(names) == 1 else "crawling"

    def table(self, now: float) -> Table:
        running = sum(site.running for site in self.sites)
        table = Table(
            *COLUMNS,
            box=None,
            pad_edge=False,
            title=f"{self.doing()}: {running} of {len(self.sites)} sites running, "
            f"{now - self.started:.0f} s",
            title_justify="left",
            title_style="bold",
            header_style="dim",
        )
        for column in table.columns[1:]:
            column.justify = "right"
        table.columns[0].overflow = "ellipsis"
        # A frame taller than the screen cannot be redrawn in place, and each row costs rich
        # about a millisecond of the reactor thread's time.
        room = max(1, min(MAX_ROWS, self.console.height - 4))
        sites = self.sites
        if len(sites) > room:  # the sites still running first: finished ones are in the summary
            sites = sorted(sites, key=lambda site: not site.running)
        rows = [site.cells(now) for site in sites]
        for row in rows[:room]:
            table.add_row(*row)
        if len(rows) > room:
            hidden = len(rows) - room
            table.add_row(f"+ {hidden} more site{'s' if hidden > 1 else ''}")
        return table

    def _write(self, frame: str) -> None:
        """Replace the frame on screen by ``frame``, unless Ctrl-C's message now sits below it.

        The cursor sits at the start of the line after the frame; "\\r" first in case the
        terminal echoed ``^C`` there. A Python signal handler runs between bytecodes, so it can
        still fall between the check and the write: a window of microseconds twice a second,
        whose worst case is the message redrawn over by one frame.
        """
        up = f"\r\x1b[{self.lines}A\x1b[J" if self.lines else ""
        if interrupt.interrupted() and not self.seen_interrupt:
            self.seen_interrupt = True
            up = ""  # leave the message and the frame above it; draw below
        data = (up + frame).encode("utf-8", "replace")
        while data:
            written = os.write(self.fd, data)
            data = data[written:]
        self.lines = frame.count("\n")
