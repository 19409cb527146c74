"""A host that blocks us is left alone for the rest of the run, and the run says so.

A run of 403/429 answers (``ARCHIVE_BLOCKED_AFTER`` in a row, 5 by default) or a single
challenge page (Cloudflare's "Just a moment...", a ``cf-mitigated: challenge`` header, an
hCaptcha form on an error page) means the host has decided not to serve us. Two answers were
possible: slow down (raise the slot's delay, exponentially) or stop. A polite archiver stops:
every further request to a host that is refusing us is one more reason for it to ban the
address for good, a challenge page can never be passed by a crawler that does not run
JavaScript, and nothing is lost by waiting: pages not fetched are not archived, so the next
run finds them again. Slowing down would also hold the run open for the whole back-off, which
a scheduled run cannot afford.

So the host's pending requests are dropped as they reach the downloader, each counted as an
error (``archive/errors/host_blocked``: the run exits 3, partly done), and the run's summary
names the host, why it was backed off and how many pages were left for the next run
(``archive/blocked/<host>`` and ``archive/blocked_left/<host>``). Other hosts go on as before.
A challenge page is never handed to the spider: it would be archived as an article. Nothing
here raises anything but ``GivenUp``, which Scrapy handles as an ignored request.
"""

from __future__ import annotations

import logging
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from scrapy.utils.httpobj import urlparse_cached

from crawler import failures

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler
    from scrapy.http import Request, Response
    from twisted.internet.defer import Deferred
    from typing_extensions import Self

logger = logging.getLogger(__name__)

BLOCKING_STATUSES = frozenset({403, 429})
BLOCKED_STAT = "archive/errors/host_blocked"
SNIFF_BYTES = 64 * 1024  # challenge markers sit in the head of a small page
# Markers specific to challenge pages, looked for in any answer.
CHALLENGE_MARKERS = (b"<title>Just a moment...</title>", b"cf-chl")
# Markers that ordinary pages carry too, so only an error answer counts them: hCaptcha guards
# comment forms, and Cloudflare injects its bot-management script (under
# /cdn-cgi/challenge-platform/) into the articles of every site it fronts.
ERROR_CHALLENGE_MARKERS = (b"hcaptcha.com", b"h-captcha", b"/cdn-cgi/challenge-platform/")


@dataclass
class _Run:
    """The 403/429 answers a host gave in a row, lately."""

    count: int = 0
    statuses: set[int] = field(default_factory=set)


class HostBackoffMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.threshold = max(1, crawler.settings.getint("ARCHIVE_BLOCKED_AFTER"))
        self.runs: dict[str, _Run] = {}
        self.blocked: dict[str, str] = {}  # host -> why it was backed off

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_request(self, request: Request, spider: Spider | None = None) -> None:
        host = _host(request)
        why = self.blocked.get(host)
        if why is not None:
            self._count(host, left=True)
            raise failures.GivenUp(f"not fetched: {why}; left for the next run")

    def process_response(
        self, request: Request, response: Response, spider: Spider | None = None
    ) -> Response:
        host = _host(request)
        marker = challenge_marker(response)
        if marker is not None:
            why = f"{host} answered a challenge page ({marker})"
            self._block(host, request, why)
            self._count(host, left=False)
            raise failures.GivenUp(f"HTTP {response.status}, a challenge page ({marker})")
        if response.status not in BLOCKING_STATUSES:
            self.runs.pop(host, None)
            return response
        run = self.runs.setdefault(host, _Run())
        run.count += 1
        run.statuses.add(response.status)
        if run.count >= self.threshold and host not in self.blocked:
            codes = "/".join(str(status) for status in sorted(run.statuses))
            self._block(host, request, f"{host} answered {run.count} x HTTP {codes} in a row")
        return response  # this answer itself is an HTTP error like any other

    def _block(self, host: str, request: Request, why: str) -> None:
        self.blocked[host] = why
        assert self.crawler.stats is not None
        self.crawler.stats.set_value(f"archive/blocked/{host}", why)
        self.crawler.stats.set_value(f"archive/blocked_left/{host}", 0)
        failures.note(self.crawler, request.url, f"{why}: backed off for the rest of the run")
        logger.warning("Backing off %s for the rest of the run: %s", host, why)
        self._drop_queued(host, why)

    def _drop_queued(self, host: str, why: str) -> None:
        """Fail the host's requests already waiting in the downloader for a free connection.

        ``process_request`` runs when a request enters the downloader, before it waits in its
        slot's queue: by the time a host shows it blocks us, up to ``CONCURRENT_REQUESTS`` of
        its requests have passed that check. Scrapy has no public way to take them back, so
        the slots' queues (``Downloader.slots[key].queue`` of (request, Deferred)) are read
        defensively: should that change, the requests are fetched as before, and nothing fails.
        """
        slots = getattr(getattr(self.crawler.engine, "downloader", None), "slots", None)
        if not isinstance(slots, dict):
            return
        dropped: list[tuple[Request, Deferred[Response]]] = []
        for slot in slots.values():
            queue = getattr(slot, "queue", None)
            if not isinstance(queue, deque):
                continue
            kept = [entry for entry in queue if _host(entry[0]) != host]
            dropped += [entry for entry in queue if _host(entry[0]) == host]
            queue.clear()
            queue.extend(kept)
        for _request, deferred in dropped:
            self._count(host, left=True)
            deferred.errback(failures.GivenUp(f"not fetched: {why}; left for the next run"))

    def _count(self, host: str, *, left: bool) -> None:
        stats = self.crawler.stats
        assert stats is not None
        stats.inc_value(BLOCKED_STAT)
        if left:
            stats.inc_value(f"archive/blocked_left/{host}")


def challenge_marker(response: Response) -> str | None:
    """What shows ``response`` to be a bot challenge rather than the page, or None."""
    mitigated = (response.headers.get(b"cf-mitigated") or b"").decode("latin-1").strip().lower()
    if mitigated == "challenge":
        return "cf-mitigated: challenge"
    head = response.body[:SNIFF_BYTES]
    markers = CHALLENGE_MARKERS + (ERROR_CHALLENGE_MARKERS if response.status >= 400 else ())
    for marker in markers:
        if marker in head:
            return marker.decode().removeprefix("<title>").removesuffix("</title>")
    return None


def _host(request: Request) -> str:
    return urlparse_cached(request).hostname or ""


def blocked_hosts(stats: dict[str, object]) -> list[str]:
    """The summary's words for each host backed off in a crawl: why, and what was left."""
    lines = []
    for name, why in stats.items():
        if name.startswith("archive/blocked/"):
            host = name.removeprefix("archive/blocked/")
            left = stats.get(f"archive/blocked_left/{host}", 0)
            lines.append(f"blocked: {why}; its {left} other pages left for the next run")
    return lines
