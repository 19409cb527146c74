"""robots.txt that fails closed: a site whose robots.txt cannot be read is not crawled.

Scrapy's ``RobotsTxtMiddleware`` fails open: when robots.txt cannot be downloaded every URL is
allowed, and a 5xx error page is parsed as if it were rules (an HTML page parses as "allow
everything"). RFC 9309 §2.3.1.4 says the opposite for an unreachable robots.txt (a server error
or a network failure): assume complete disallow. A 4xx ("there is no robots.txt") still allows
everything, as the RFC says. A host crawled fail-closed is counted as an error of the run
(``archive/errors/robots_unavailable``), so the crawl reports itself failed or partly done
rather than done, and the next run tries again.

The reason (connection refused, DNS lookup failed, HTTP 503) is kept per host in the stats
(``archive/robots_unavailable/<host>``) and as a failure line: a URL refused because its host's
robots.txt could not be read is reported with that reason, not as "Forbidden by robots.txt".

Requests that arrive while a host's robots.txt is being fetched wait for it each on a Deferred
of their own. Scrapy's middleware has them all await the one Deferred it keeps per host; on
the asyncio reactor each wait goes through ``Deferred.asFuture``, whose callback passes on
``None``, so the first waiter got the rules and every later one got "no robots.txt" and was
let through unchecked: a disallowed URL among the first requests to a host was fetched.

The robots.txt this middleware downloads also answers the spider's own request for it (the
spider reads its ``Sitemap:`` lines), so each run fetches a robots.txt once, not twice.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.misc import build_from_crawler
from twisted.internet.defer import Deferred

from crawler import failures

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler
    from scrapy.http import Request, Response
    from scrapy.robotstxt import RobotParser

logger = logging.getLogger(__name__)

DISALLOW_ALL = b"User-agent: *\nDisallow: /\n"


class FailClosedRobotsTxtMiddleware(RobotsTxtMiddleware):
    _schemes: dict[str, str]

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self._robots_responses: dict[str, Response] = {}  # robots.txt URL -> its 2xx answer

    async def robot_parser(self, request: Request) -> RobotParser | None:
        """The host's rules, once fetched; its scheme kept so a failure names the real URL."""
        if not hasattr(self, "_schemes"):
            self._schemes = {}
        parts = urlparse_cached(request)
        self._schemes.setdefault(parts.netloc, parts.scheme)
        pending = self._parsers.get(parts.netloc)
        if isinstance(pending, Deferred):  # being fetched: wait without taking the result
            waiter: Deferred[RobotParser | None] = Deferred()
            pending.addBoth(_pass_on, waiter)
            return await maybe_deferred_to_future(waiter)
        return await super().robot_parser(request)

    async def process_request(  # type: ignore[override]
        self, request: Request, spider: Spider | None = None
    ) -> Response | None:
        await super().process_request(request)
        if request.meta.get("dont_obey_robotstxt"):
            return None
        kept = self._robots_responses.get(request.url)
        return kept.replace(request=request) if kept is not None else None

    async def _parse_robots(self, response: Response, netloc: str, request: Request) -> None:
        if 200 <= response.status < 300:
            self._robots_responses[response.url] = response
        if response.status >= 500:
            self._fail_closed(netloc, f"HTTP {response.status} (robots.txt could not be fetched)")
            response = response.replace(body=DISALLOW_ALL)
        await super()._parse_robots(response, netloc, request)

    def _robots_error(self, exc: Exception, netloc: str) -> None:
        if not isinstance(exc, IgnoreRequest):
            self._stats.inc_value(f"robotstxt/exception_count/{type(exc)}")
        self._fail_closed(netloc, f"{failures.reason(exc)} (robots.txt could not be fetched)")
        parser = build_from_crawler(self._parserimpl, self.crawler, DISALLOW_ALL)
        waiting = self._parsers[netloc]
        self._parsers[netloc] = parser
        if isinstance(waiting, Deferred):
            waiting.callback(parser)

    def _fail_closed(self, netloc: str, why: str) -> None:
        logger.error("Not crawling %s: %s (RFC 9309: assume complete disallow)", netloc, why)
        self._stats.inc_value("archive/errors/robots_unavailable")
        self._stats.set_value(robots_stat(netloc), why)
        scheme = getattr(self, "_schemes", {}).get(netloc, "http")
        failures.note(self.crawler, f"{scheme}://{netloc}/", why)


def _pass_on(result: Any, waiter: Deferred[Any]) -> Any:
    """Give a waiter the Deferred's result and leave it in the chain for the next one."""
    waiter.callback(result)
    return result


def robots_stat(netloc: str) -> str:
    """The stats key holding why ``netloc`` is not crawled, when its robots.txt failed."""
    return f"archive/robots_unavailable/{netloc}"
