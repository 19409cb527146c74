"""A distributed crawl's last stage on a worker: hand each article to the writer via Redis.

It takes the place of the store stage (``pipelines.store``), with the same record
(``archive_record``: the columns, the raw page, every identifying URL), so that the writer
stores exactly what a local crawl would. Revisits that brought nothing new (a 304, a page
gone) travel the same way. The writer decides new, changed or unchanged, in its transaction.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from itemadapter import ItemAdapter

from crawler import signals
from crawler.distributed import codec
from crawler.distributed.keys import Keys
from crawler.distributed.redis_link import connect
from pipelines.store import archive_record

if TYPE_CHECKING:
    import redis
    from scrapy.crawler import Crawler
    from typing_extensions import Self

HANDED_OFF = "archive/articles/handed_off"


class HandOffPipeline:
    def __init__(self, crawler: Crawler, server: redis.Redis, keys: Keys) -> None:
        self.crawler = crawler
        self.server = server
        self.keys = keys

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        pipeline = cls(
            crawler,
            connect(settings.get("ARCHIVE_REDIS_URL")),
            Keys(settings.get("ARCHIVE_REDIS_PREFIX") or Keys().prefix),
        )
        crawler.signals.connect(pipeline.article_checked, signal=signals.article_checked)
        return pipeline

    def process_item(self, item: Any) -> Any:
        site = str(ItemAdapter(item).get("site"))
        self._push({"kind": "article", "site": site, "record": archive_record(item)})
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(HANDED_OFF)
        return item

    def article_checked(self, check: dict[str, Any]) -> None:
        site = getattr(getattr(self.crawler.spider, "site", None), "slug", "")
        self._push({"kind": "check", "site": site, "check": check})
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value("archive/revisit/handed_off")

    def _push(self, entry: dict[str, Any]) -> None:
        self.server.rpush(self.keys.items, codec.dumps(entry))
