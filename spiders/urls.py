"""The ``urls`` spider: archive exactly the URLs given, now (``newsarchive archive URL...``).

No discovery and no article test: the user said these are articles. Each URL is attributed to
the configured site whose domains hold it, or else to a site named after its host. Outcomes
per URL (stored, dropped, failed) reach the caller through signals and ``failures``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

import scrapy
from scrapy.http import TextResponse

from crawler import failures
from crawler.middlewares.robots_fail_closed import robots_stat
from crawler.sites import Site, site_for_url
from spiders.pages import article_item, header, is_html

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator

    from scrapy.http import Response
    from twisted.python.failure import Failure


class UrlsSpider(scrapy.Spider):
    name = "urls"

    def __init__(
        self,
        urls: list[str] | str | None = None,
        sites: dict[str, Site] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.urls = urls.split(",") if isinstance(urls, str) else list(urls or [])
        self.sites = sites or {}
        self.failures: dict[str, str] = {}

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for url in self.urls:
            yield scrapy.Request(
                url,
                callback=self.parse_page,
                errback=self.on_error,
                dont_filter=True,
                meta={"archive_url": url},
            )

    def parse_page(self, response: Response) -> Iterator[Any]:
        url = response.meta["archive_url"]
        if not is_html(response):
            content_type = header(response, "Content-Type") or "none"
            self.failures[url] = f"not an HTML page (Content-Type: {content_type})"
            return
        assert isinstance(response, TextResponse)
        site = site_for_url(self.sites, response.url)
        slug = site.slug if site else host_slug(response.url)
        yield article_item(response, slug, site.name if site else None, {})

    def on_error(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]
        url = request.meta.get("archive_url", request.url)
        assert self.crawler.stats is not None
        # A URL refused because its host's robots.txt could not be read: say why it could not.
        why = self.crawler.stats.get_value(robots_stat(urlparse(request.url).netloc))
        self.failures[url] = str(why) if why else failures.reason(failure)
        if not isinstance(failure.value, failures.GivenUp):  # counted where it was given up
            self.crawler.stats.inc_value(f"archive/errors/{type(failure.value).__name__}")


def host_slug(url: str) -> str:
    """A site slug for a URL of no configured site: its host, ``www.`` dropped."""
    host = (urlparse(url).hostname or "unknown").lower()
    return host.removeprefix("www.")
