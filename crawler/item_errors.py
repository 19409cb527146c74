"""An extension that counts items a pipeline stage failed on, as ``archive/errors/item``.

An exception inside a stage (our bug, or a page no rule foresaw) loses that one article and is
logged by Scrapy, but leaves no stat of its own: without this count a crawl that silently lost
articles would report itself as done (exit 0) rather than partly done (exit 3).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from scrapy import signals

from crawler import failures
from crawler.log_formatter import item_url, one_line

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from twisted.python.failure import Failure
    from typing_extensions import Self


class CountItemErrors:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        extension = cls(crawler)
        crawler.signals.connect(extension.item_error, signal=signals.item_error)
        return extension

    def item_error(self, item: Any, response: Any, spider: Any, failure: Failure) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value("archive/errors/item")
        url = item_url(item) if item is not None else getattr(response, "url", "?")
        failures.note(self.crawler, url, one_line(failure.value or Exception("an error")))
