"""An extension that writes the crawl's final stats to ``ARCHIVE_STATS_FILE`` as JSON.

Crawls run as separate processes in tests and in cron; the stats are how they tell the caller
what happened (items stored, pages skipped, retries given up) without parsing log lines.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.exceptions import NotConfigured

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from typing_extensions import Self


class WriteStatsFile:
    def __init__(self, crawler: Crawler, path: Path) -> None:
        self.crawler = crawler
        self.path = path

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        path = crawler.settings.get("ARCHIVE_STATS_FILE")
        if not path:
            raise NotConfigured
        extension = cls(crawler, Path(path))
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_closed(self, spider: Any, reason: str) -> None:
        assert self.crawler.stats is not None
        stats = {key: _plain(value) for key, value in self.crawler.stats.get_stats().items()}
        stats["finish_reason"] = reason
        self.path.write_text(json.dumps(stats, indent=1, sort_keys=True), encoding="utf-8")


def _plain(value: Any) -> Any:
    return value if isinstance(value, (int, float, str, bool, type(None))) else str(value)
