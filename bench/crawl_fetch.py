"""Row (a) of the crawl benchmark: a Scrapy spider that only fetches, as the baseline.

It reads the sitemap as the ``news`` spider does and fetches every page it lists with the
project's own settings (middlewares, robots.txt, AutoThrottle, limits) and the benchmark
site's politeness, but no item pipelines and none of our extensions: what is left is the
cost of Scrapy fetching pages, which is what a crawl cannot go below.

Run: ``python -m bench.crawl_fetch SITEMAP_URL --concurrency 8 --stats STATS.json``
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import scrapy
from scrapy import signals
from scrapy.crawler import CrawlerProcess
from scrapy.utils.project import get_project_settings

from spiders.listings import xml_selector

if TYPE_CHECKING:
    from collections.abc import Iterator

    from scrapy.http import Response


class FetchOnlySpider(scrapy.Spider):
    name = "fetch_only"

    def __init__(self, sitemap: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.sitemap = sitemap

    async def start(self) -> Any:
        yield scrapy.Request(self.sitemap, callback=self.parse_sitemap)

    def parse_sitemap(self, response: Response) -> Iterator[scrapy.Request]:
        selector = xml_selector(response)
        assert selector is not None, f"not a sitemap: {response.url}"
        for loc in selector.xpath("//urlset/url/loc/text()").getall():
            yield scrapy.Request(loc.strip(), callback=self.parse_page)

    def parse_page(self, response: Response) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value("bench/pages")


def fetch_settings(concurrency: int, page_limit: int) -> dict[str, Any]:
    """The project's settings as a crawl of the benchmark site gets them, minus pipelines."""
    return {
        "ITEM_PIPELINES": {},
        "EXTENSIONS": {},
        "DOWNLOAD_DELAY": 0,
        "AUTOTHROTTLE_START_DELAY": 0,
        "CONCURRENT_REQUESTS_PER_DOMAIN": concurrency,
        "AUTOTHROTTLE_TARGET_CONCURRENCY": float(concurrency),  # as the news spider sets it
        "CLOSESPIDER_PAGECOUNT": page_limit,
        "USER_AGENT": "newsarchive-bench/1.0 (+http://127.0.0.1/)",
        "LOG_LEVEL": "WARNING",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sitemap")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--page-limit", type=int, default=100_000)
    parser.add_argument("--stats", type=Path, required=True)
    args = parser.parse_args()
    settings = get_project_settings()
    settings.setdict(fetch_settings(args.concurrency, args.page_limit), priority="cmdline")
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(FetchOnlySpider)
    final: dict[str, Any] = {}

    def keep_stats(spider: scrapy.Spider) -> None:
        assert crawler.stats is not None
        final.update(crawler.stats.get_stats())

    crawler.signals.connect(keep_stats, signal=signals.spider_closed)
    process.crawl(crawler, sitemap=args.sitemap)
    process.start()
    args.stats.write_text(json.dumps(final, default=str), encoding="utf-8")


if __name__ == "__main__":
    main()
