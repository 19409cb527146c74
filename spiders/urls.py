"""The ``urls`` spider: archive exactly the URLs given, now (``newsarchive archive URL...``).

No discovery and no article test: the user said these are articles. Each URL is attributed to
the configured site whose domains hold it, or else to a site named after its host. Outcomes
per URL (stored, dropped, failed) reach the caller through signals and ``failures``.

A redirect is followed only within the hosts of the URLs given (and of their configured
sites): a page that redirects to another host, an internal address among them, is reported,
not fetched. Scrapy's offsite and duplicate filters drop such requests silently, so the spider
listens for ``request_scheduled`` and ``request_dropped`` to say why a URL was not archived.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

import scrapy
from scrapy import signals as scrapy_signals
from scrapy.http import TextResponse

from crawler import failures
from crawler.middlewares.robots_fail_closed import robots_stat
from crawler.sites import Site, site_for_url
from crawler.urls import host_of
from spiders.pages import article_item, header, is_html

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator

    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from twisted.python.failure import Failure
    from typing_extensions import Self


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
        self.allowed_domains = allowed_hosts(self.urls, self.sites)

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.on_scheduled, signal=scrapy_signals.request_scheduled)
        crawler.signals.connect(spider.on_dropped, signal=scrapy_signals.request_dropped)
        return spider

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for url in self.urls:
            yield scrapy.Request(
                url,
                callback=self.parse_page,
                errback=self.on_error,
                meta={"archive_url": url},
            )

    def parse_page(self, response: Response) -> Iterator[Any]:
        url = response.meta["archive_url"]
        if not is_html(response):
            content_type = header(response, "Content-Type") or "none"
            self.failures[url] = f"not an HTML page (Content-Type: {content_type})"
            assert self.crawler.stats is not None
            self.crawler.stats.inc_value("archive/skipped/not_html")  # as the news spider does
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

    def on_scheduled(self, request: scrapy.Request) -> None:
        """A redirect off the allowed hosts, which Scrapy's offsite filter drops silently."""
        url = request.meta.get("archive_url")
        host = host_of(request.url)
        if url is None or any(host == d or host.endswith("." + d) for d in self.allowed_domains):
            return
        self.failures.setdefault(url, f"redirected to another host: {request.url}")
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value("archive/errors/offsite_redirect")

    def on_dropped(self, request: scrapy.Request) -> None:
        """A redirect back to a URL already fetched: the duplicate filter ends the loop."""
        url = request.meta.get("archive_url")
        if url is not None and request.meta.get("redirect_urls") and url not in self.failures:
            self.failures[url] = f"redirect loop: back to {request.url}"
            assert self.crawler.stats is not None
            self.crawler.stats.inc_value("archive/errors/redirect_loop")


def allowed_hosts(urls: list[str], sites: dict[str, Site]) -> list[str]:
    """The hosts a redirect may lead to: those of the URLs (``www.`` dropped), their sites'."""
    hosts = {host_of(url).removeprefix("www.") for url in urls} - {""}
    for url in urls:
        site = site_for_url(sites, url)
        hosts.update(site.allowed_domains if site else ())
    return sorted(hosts)


def host_slug(url: str) -> str:
    """A site slug for a URL of no configured site: its host, ``www.`` dropped."""
    host = (urlparse(url).hostname or "unknown").lower()
    return host.removeprefix("www.")
