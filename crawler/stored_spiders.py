"""Spiders over pages fetched earlier, through the same callback and pipelines as a crawl.

``newsarchive reextract`` hands ``ReextractSpider`` the archive's own pages,
``newsarchive import-warc`` hands ``WarcImportSpider`` the pages of a WARC. Each page becomes
a request that ``StoredResponsesMiddleware`` answers with the stored bytes, so the item is
made by ``article_item`` exactly as in a crawl, and the stages (extraction, normalize,
validate, dedupe, store) run as they always do. The item keeps the page's own fetch time, not
the time of this run.

``judge`` decides whether the article test of a crawl (``article_verdict``) applies. A WARC
holds every page of a site, home and tag pages included, so an import judges. A re-extraction
does not: the archive kept the page as an article when it was fetched, with what discovery
knew then (a feed listing it), which the archive does not keep; judging again without it
would drop articles that a crawl keeps.

The pages come from an iterator that is read as Scrapy asks for start requests, so a large
archive or WARC is never held in memory at once. For the same reason these spiders live
outside ``SPIDER_MODULES``: without pages handed to them in process they do nothing, so
``scrapy list`` and Scrapyd must not offer them.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

import scrapy
from scrapy import signals as scrapy_signals
from scrapy.http import TextResponse

from crawler.middlewares.stored_responses import META_KEY, StoredResponse
from crawler.sites import Site
from spiders.pages import article_item, article_verdict, is_html

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterable, Iterator

    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from twisted.python.failure import Failure
    from typing_extensions import Self


class StoredPagesSpider(scrapy.Spider):
    name = "stored"

    judge = False  # apply the article test of a crawl (module docstring)
    revision_reason = "crawl"  # read by the store stage: why versions are written

    def __init__(
        self,
        pages: Iterable[StoredResponse] = (),
        sites: dict[str, Site] | None = None,
        archive_label: str = "(all)",
        expected_pages: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.pages = pages
        self.expected_pages = expected_pages  # how many ``pages`` holds, when known
        self.sites = sites or {}
        # Read by the store stage: the run's row in `crawls` (command, site).
        self.archive_command = self.name
        self.archive_label = archive_label
        self.dropped: list[str] = []  # "<reason>: <url>" of each page a stage dropped

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.item_dropped, signal=scrapy_signals.item_dropped)
        return spider

    def item_dropped(self, item: Any, exception: BaseException, **_: Any) -> None:
        self.dropped.append(str(exception))  # the stages name the reason, then the URL

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for page in self.pages:
            yield scrapy.Request(
                page.url,
                callback=self.parse_page,
                errback=self.on_error,
                dont_filter=True,  # two stored pages may share a URL (an import's revisits)
                meta={META_KEY: page, "dont_redirect": True},
            )

    def parse_page(self, response: Response) -> Iterator[Any]:
        stored: StoredResponse = response.meta[META_KEY]
        if not is_html(response):
            self._count("archive/skipped/not_html")
            return
        assert isinstance(response, TextResponse)
        # A site missing from the sites file has no selectors or name of its own: the page's.
        site = self.sites.get(stored.site) or Site(slug=stored.site)
        if self.judge:
            verdict = article_verdict(response, site)
            if not verdict.article:
                self._count(f"archive/skipped/{verdict.reason}")
                return
        item = article_item(response, stored.site, site.name, stored.hints)
        item["page"] = dataclasses.replace(item["page"], fetched_at=stored.fetched_at)
        yield item

    def on_error(self, failure: Failure) -> None:
        self._count(f"archive/errors/{type(failure.value).__name__}")

    def _count(self, key: str) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(key)


class ReextractSpider(StoredPagesSpider):
    """The archive's stored pages, read again (``newsarchive reextract``)."""

    name = "reextract"
    revision_reason = "reextract"


class WarcImportSpider(StoredPagesSpider):
    """The pages of a WARC made elsewhere (``newsarchive import-warc``)."""

    name = "import-warc"
    judge = True
    revision_reason = "import"
