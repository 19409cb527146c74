"""Stage 1: turn the fetched page into article fields, leaving the page's boilerplate behind.

The work is ``crawler.extract.extract_article`` (metadata + trafilatura + lifting captions,
credits and date lines out of the text); this stage only adapts it to items and counts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from itemadapter import ItemAdapter

from crawler.extract.article import extract_article

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from typing_extensions import Self


class StripBoilerplatePipeline:
    def __init__(self, crawler: Crawler | None = None) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        page = adapter["page"]
        record = extract_article(
            page.text, page.url, site_name=adapter.get("site_name"), hints=page.hints
        )
        record.pop("is_article_markup", None)
        for name, value in record.items():
            adapter[name] = value
        return item
