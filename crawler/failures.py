"""Turning what went wrong in a crawl into one short line a person can act on.

Scrapy reports a failed download as an exception chain (Twisted's ``ConnectionRefusedError``
wrapped in Scrapy's ``DownloadConnectionRefusedError``, and so on) and logs it with a
traceback. A user needs the URL and the reason in words: "connection refused", "DNS lookup
failed", "timed out", "HTTP 404". ``reason`` maps an exception to those words; ``note``
keeps the line in the crawl's stats (``archive/failures``), where the command line reads it
after the run, so the reason survives even when Scrapy's log is hidden.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadTimeoutError,
    IgnoreRequest,
)
from twisted.internet import error as twisted_errors
from twisted.python.failure import Failure
from twisted.web._newclient import ResponseFailed, ResponseNeverReceived

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

FAILURES_STAT = "archive/failures"
MAX_NOTED = 50  # a dead site can fail thousands of URLs; the first ones say enough

# Checked in order: the first class the exception is an instance of names the reason.
REASONS: tuple[tuple[tuple[type[BaseException], ...], str], ...] = (
    ((DownloadConnectionRefusedError, twisted_errors.ConnectionRefusedError), "connection refused"),
    ((CannotResolveHostError, twisted_errors.DNSLookupError), "DNS lookup failed"),
    (
        (DownloadTimeoutError, twisted_errors.TimeoutError, twisted_errors.TCPTimedOutError),
        "timed out",
    ),
    # The download handler cancels a transfer that passes DOWNLOAD_MAXSIZE (announced or while
    # streaming, then with no message); timeouts raise their own error, and the transfers
    # cancelled at Ctrl-C are kept for the next run, never reported.
    ((DownloadCancelledError,), "larger than the size limit (DOWNLOAD_MAXSIZE)"),
    ((ResponseNeverReceived,), "no response (the connection closed before any answer)"),
    ((ResponseFailed,), "the response was cut off"),
    ((twisted_errors.ConnectionLost, twisted_errors.ConnectionDone), "connection lost"),
    ((twisted_errors.NoRouteError,), "no route to host"),
)


def reason(error: BaseException | Failure) -> str:
    """A short human reason for a failed request: the words, not the exception's repr."""
    exception = error.value if isinstance(error, Failure) else error
    response = getattr(exception, "response", None)
    status = getattr(response, "status", None)
    if isinstance(status, int):
        headers: Any = getattr(response, "headers", None) or {}
        location = headers.get("Location") if 300 <= status < 400 else None
        if location:  # a redirect Scrapy would not follow: to a file: URL, say
            return f"HTTP {status}, redirect not followed: {location.decode('latin-1')}"
        return f"HTTP {status}"
    seen: set[int] = set()
    current: BaseException | None = exception
    while current is not None and id(current) not in seen:  # the wrapped cause counts too
        seen.add(id(current))
        for classes, words in REASONS:
            if isinstance(current, classes):
                return words
        current = current.__cause__ or current.__context__
    if isinstance(exception, IgnoreRequest) and "DOWNLOAD_MAXSIZE" in str(exception):
        return "larger than the size limit (DOWNLOAD_MAXSIZE) once decompressed"
    if isinstance(exception, IgnoreRequest) and str(exception):
        return str(exception)
    message = str(exception).strip().splitlines()
    return message[0] if message and message[0] else type(exception).__name__


def note(crawler: Crawler, url: str, why: str) -> None:
    """Keep "URL: reason" in the crawl's stats for the run's report (the first ones only)."""
    stats = crawler.stats
    if stats is None:
        return
    noted: Any = stats.get_value(FAILURES_STAT)
    if not isinstance(noted, list):
        noted = []
        stats.set_value(FAILURES_STAT, noted)
    line = f"{url}: {why}"
    if len(noted) < MAX_NOTED and line not in noted:
        noted.append(line)


def noted(stats: dict[str, Any]) -> list[str]:
    """The "URL: reason" lines a crawl's stats hold, in the order they happened."""
    value = stats.get(FAILURES_STAT)
    return [str(line) for line in value] if isinstance(value, list) else []


class GivenUp(IgnoreRequest):
    """A request one of our middlewares gave up on, having counted the error and noted the line.

    An ``IgnoreRequest`` so that Scrapy drops it quietly and the request's errback is told;
    its own class so that the errback neither counts it a second time nor takes it for a URL
    robots.txt forbids. Its message is the reason, in words.
    """
