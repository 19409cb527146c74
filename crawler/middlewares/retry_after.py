"""Retry-After honoured: a 429 or 503 that says when to come back is retried no sooner.

Scrapy's ``RetryMiddleware`` retries 429 and 503 at once, whatever ``Retry-After`` says
(scrapy issue #3849): a site that asked for a pause gets the same request again within
milliseconds, which is exactly what gets a crawler blocked. This middleware answers such a
response before Scrapy's does (its ``process_response`` runs first: it sits above 550), waits
the time the header names and hands back the retry, counted against ``RETRY_TIMES`` like any
other retry. The wait is an asyncio sleep in this one response's chain: the reactor, the
download slot and every other host go on meanwhile; Ctrl-C cuts it short.

A wait longer than ``ARCHIVE_RETRY_AFTER_MAX`` (an hour, a day) is not worth holding a run
open for: the URL is given up at once, counted as an error (``archive/errors/
retry_after_too_long``, so the run exits 3, partly done) and noted as one line with the URL and
the real reason; the next run fetches it. A response without the header, or with one that
cannot be read, is left to Scrapy's retry as before.
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import time
from datetime import timezone
from typing import TYPE_CHECKING, NoReturn

from scrapy.downloadermiddlewares.retry import get_retry_request
from scrapy.exceptions import NotConfigured
from scrapy.utils.response import response_status_message

from crawler import clock, failures
from crawler.extensions.interrupt import interrupted

if TYPE_CHECKING:
    from datetime import datetime

    from scrapy import Spider
    from scrapy.crawler import Crawler
    from scrapy.http import Request, Response
    from typing_extensions import Self

logger = logging.getLogger(__name__)

RETRY_AFTER_STATUSES = frozenset({429, 503})  # RFC 9110 §10.2.3 and RFC 6585 §4
TOO_LONG_STAT = "archive/errors/retry_after_too_long"
WAIT_STEP = 0.25  # seconds between looks at Ctrl-C during a wait


class RetryAfterMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        if not settings.getbool("RETRY_ENABLED"):
            raise NotConfigured
        self.crawler = crawler
        self.max_wait = settings.getfloat("ARCHIVE_RETRY_AFTER_MAX")
        self.max_retry_times = settings.getint("RETRY_TIMES")

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    async def process_response(
        self, request: Request, response: Response, spider: Spider | None = None
    ) -> Request | Response:
        if response.status not in RETRY_AFTER_STATUSES or request.meta.get("dont_retry"):
            return response
        wait = retry_after_seconds(response)
        if wait is None:
            return response  # Scrapy's retry, as before
        if wait > self.max_wait:
            return self._give_up(request, response, wait)
        max_times = request.meta.get("max_retry_times", self.max_retry_times)
        if request.meta.get("retry_times", 0) >= max_times:
            return response  # out of retries: Scrapy's middleware gives up and logs it
        assert self.crawler.spider is not None
        retry = get_retry_request(
            request,
            spider=self.crawler.spider,
            reason=response_status_message(response.status),  # Scrapy's stat names
            max_retry_times=max_times,
        )
        if retry is None:
            return response
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value("archive/retry_after/waits")
        logger.info("Waiting %g s before retrying %s (Retry-After)", wait, request.url)
        await _wait(wait)
        return retry

    def _give_up(self, request: Request, response: Response, wait: float) -> NoReturn:
        why = f"HTTP {response.status}, Retry-After {wait:g} s is over the {self.max_wait:g} s cap"
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(TOO_LONG_STAT)
        failures.note(self.crawler, request.url, why)
        logger.warning("Gave up %s: %s", request.url, why)
        raise failures.GivenUp(why)


async def _wait(seconds: float) -> None:
    """Sleep ``seconds``, or less if Ctrl-C comes: a stopping run must not wait two minutes.

    Cut short, the retry is handed back all the same and goes to the scheduler, which keeps
    it for the next run like the other requests not yet fetched.
    """
    deadline = time.monotonic() + seconds
    while not interrupted() and (left := deadline - time.monotonic()) > 0:
        await asyncio.sleep(min(left, WAIT_STEP))


def retry_after_seconds(response: Response) -> float | None:
    """The wait ``Retry-After`` asks for, in seconds (>= 0), or None without a usable one.

    The header holds either seconds or an HTTP date; a date is measured from the response's
    own ``Date`` when it has one (the server's clock, not ours), else from now.
    """
    raw = response.headers.get(b"Retry-After")
    if not raw:
        return None
    value = raw.decode("latin-1").strip()
    if value.isdigit():
        return float(value)
    when = _http_date(value)
    if when is None:
        return None
    date_header = response.headers.get(b"Date")
    sent = _http_date(date_header.decode("latin-1")) if date_header else None
    return max(0.0, (when - (sent or clock.now())).total_seconds())


def _http_date(value: str) -> datetime | None:
    try:
        moment = email.utils.parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError):
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)  # HTTP dates are GMT
