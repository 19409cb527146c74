"""Answering requests with pages fetched earlier, so a run can re-read them without the network.

``newsarchive reextract`` (pages kept in the archive) and ``newsarchive import-warc`` (pages of
a WARC made elsewhere) put every page through the same spider callback and item pipelines as
a crawl. Like Scrapy's HTTP cache, this downloader middleware answers a request in
``process_request``: the request carries its ``StoredResponse`` in ``meta["stored_response"]``
and gets it back as a Scrapy response of the right class (``responsetypes``, as the
downloader would choose). It sits before every other downloader middleware (robots.txt
included), so a stored page is never checked against, or fetched from, the site.

Fail closed: a request without a stored response is refused (``IgnoreRequest``), and
``REPLAY_SETTINGS`` also removes the http(s) download handlers, so nothing of such a run can
reach the network even if a component issued a request of its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Headers
from scrapy.responsetypes import responsetypes

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from scrapy.settings import Settings
    from typing_extensions import Self

META_KEY = "stored_response"
# Headers that describe the bytes on the wire, not the body kept: a kept body is decoded.
WIRE_HEADERS = frozenset({"content-encoding", "transfer-encoding", "content-length"})

# Settings of a run that reads stored pages: no network, no politeness to keep (nothing is
# fetched), no page-count or time limit meant for crawls (an archive holds more than 20,000
# pages), and no robots.txt.
REPLAY_SETTINGS: dict[str, Any] = {
    "ARCHIVE_STORED_RESPONSES": True,
    "DOWNLOAD_HANDLERS": dict.fromkeys(("http", "https", "file", "data", "ftp", "s3")),
    "ROBOTSTXT_OBEY": False,
    "AUTOTHROTTLE_ENABLED": False,
    "DOWNLOAD_DELAY": 0,
    "CONCURRENT_REQUESTS": 8,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
    "RETRY_ENABLED": False,
    "CLOSESPIDER_PAGECOUNT": 0,
    "CLOSESPIDER_TIMEOUT": 0,
}


def use_stored_responses(settings: Settings) -> None:
    """Make ``settings`` those of a run that reads stored pages (``REPLAY_SETTINGS``)."""
    middlewares = settings.getdict("DOWNLOADER_MIDDLEWARES")
    middlewares[f"{__name__}.StoredResponsesMiddleware"] = 50  # before robots.txt (100)
    # Above the project's settings, below -s: the user may still set a limit of their own.
    settings.setdict({**REPLAY_SETTINGS, "DOWNLOADER_MIDDLEWARES": middlewares}, "spider")


@dataclass(frozen=True)
class StoredResponse:
    """A page fetched earlier, and what is known of it beside the bytes.

    ``fetched_at`` is when it was fetched (not now); ``site`` is the slug of the site whose
    article it is; ``hints`` are what discovery knew (as a crawl's feed entry hands them on).
    """

    url: str
    status: int
    headers: dict[str, str]
    body: bytes
    fetched_at: str
    site: str
    hints: dict[str, str] = field(default_factory=dict)


class StoredResponsesMiddleware:
    """Answer each request with the stored response it carries; refuse any other."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not crawler.settings.getbool("ARCHIVE_STORED_RESPONSES"):
            raise NotConfigured
        return cls()

    def process_request(self, request: Request) -> Response:
        stored = request.meta.get(META_KEY)
        if not isinstance(stored, StoredResponse):
            raise IgnoreRequest(f"not a stored page, and this run reads no network: {request.url}")
        return response_for(stored, request)


def response_for(stored: StoredResponse, request: Request | None = None) -> Response:
    """The Scrapy response the downloader would have made of these bytes and headers."""
    headers = Headers(
        {name: value for name, value in stored.headers.items() if name.lower() not in WIRE_HEADERS}
    )
    responsecls = responsetypes.from_args(headers=headers, url=stored.url, body=stored.body)
    return responsecls(
        url=stored.url,
        status=stored.status,
        headers=headers,
        body=stored.body,
        request=request,
        flags=["stored"],
    )
