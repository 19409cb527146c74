"""A distributed crawl's worker side: one Scrapy extension per site's crawler.

It puts the crawler on the site's shared queue and seen-set (scrapy-redis's scheduler and
duplicate filter, keyed per site so that each site keeps its own politeness), turns the
writer's seeds into requests, answers the spider's "do we know this URL?" from the writer's
published revisit rows, tells the writer when it has work in hand, and closes the spider
once nothing has come for ``ARCHIVE_IDLE_EXIT`` seconds (0: wait for work for ever).

Seeds come off a Redis list one worker at a time (``LPOP`` is atomic), so each is scheduled
once; the shared seen-set then keeps every page to one fetch per round, whichever worker
finds the link.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import time
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.exceptions import DontCloseSpider
from scrapy.utils.defer import deferred_from_coro

from crawler.distributed.keys import Keys
from crawler.distributed.redis_link import connect

if TYPE_CHECKING:
    from collections.abc import Callable

    import redis
    from scrapy.crawler import Crawler
    from typing_extensions import Self

logger = logging.getLogger(__name__)

TICK_SECONDS = 0.5
SEEDS_PER_TICK = 100
# How long a worker's "busy" mark outlives its last refresh: a worker killed mid-page stops
# holding the writer back after this.
BUSY_TTL_SECONDS = 10


class KnownArticles:
    """The writer's revisit rows for a site, read from Redis as the spider asks for a URL.

    The spider only ever calls ``get`` in a distributed crawl (``check_unlisted``, the one
    reader of all rows, is the writer's job there), so that is all this offers.
    """

    def __init__(self, server: redis.Redis, key: str) -> None:
        self.server = server
        self.key = key

    def get(self, url: str, default: Any = None) -> Any:
        raw = self.server.hget(self.key, url)
        return default if raw is None else json.loads(raw)


class RedisWorker:
    def __init__(self, crawler: Crawler, server: redis.Redis, keys: Keys, site: str) -> None:
        self.crawler = crawler
        self.server = server
        self.keys = keys
        self.site = site
        self.idle_exit = crawler.settings.getfloat("ARCHIVE_IDLE_EXIT")
        self.worker_id = f"{socket.gethostname()}:{os.getpid()}:{site}"
        self.last_work = time.monotonic()
        self.loop: Any = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        """Point the scheduler at the site's shared queue; settings are still open here."""
        settings = crawler.settings
        spider: Any = crawler.spider
        site = str(spider.site.slug) if getattr(spider, "site", None) else ""
        keys = Keys(settings.get("ARCHIVE_REDIS_PREFIX") or Keys().prefix)
        server = connect(settings.get("ARCHIVE_REDIS_URL"))
        settings.set("SCHEDULER_QUEUE_KEY", keys.requests(site), priority="cmdline")
        settings.set("SCHEDULER_DUPEFILTER_KEY", keys.seen(site), priority="cmdline")
        if site:
            # Take from the shared queue no more than the site's slot can fetch at once: the
            # engine pulls up to CONCURRENT_REQUESTS into the downloader, where they would wait
            # out the site's delay here while other workers sat idle.
            settings.set("CONCURRENT_REQUESTS", spider.site.concurrency, priority="spider")
            spider.seeded_elsewhere = True
            spider.known = KnownArticles(server, keys.known(site))
        worker = cls(crawler, server, keys, site)
        crawler.signals.connect(worker.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(worker.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(worker.spider_closed, signal=signals.spider_closed)
        return worker

    def spider_opened(self) -> None:
        from twisted.internet import task

        self.loop = task.LoopingCall(self.tick)
        self.loop.start(TICK_SECONDS, now=True)

    def tick(self) -> None:
        """Schedule the seeds waiting, and tell the writer whether this worker has work."""
        engine = self.crawler.engine
        if engine is None or engine.spider is None or not self.site:
            return
        spider: Any = engine.spider
        seeds: Any = self.server.lpop(self.keys.seeds(self.site), SEEDS_PER_TICK) or []
        for raw in seeds:
            engine.crawl(spider.request_for_seed(json.loads(raw)))
        if not seeds and self.server.zcard(self.keys.requests(self.site)):
            _nudge(engine)
        in_hand = bool(seeds) or not engine.spider_is_idle()
        if in_hand:
            self.last_work = time.monotonic()
            until = time.time() + BUSY_TTL_SECONDS
            self.server.hset(self.keys.busy, self.worker_id, str(until))
            return
        self.server.hdel(self.keys.busy, self.worker_id)
        if self.idle_exit and time.monotonic() - self.last_work >= self.idle_exit:
            # Now, not at the engine's next idle signal, which comes only every 5 s.
            logger.info("Nothing to do for %.0f s: stopping", self.idle_exit)
            self.loop.stop()
            deferred_from_coro(engine.close_spider_async(reason="finished"))

    def spider_idle(self) -> None:
        """Keep the spider open for more work: ``tick`` closes it after ``ARCHIVE_IDLE_EXIT``."""
        self.tick()
        raise DontCloseSpider

    def spider_closed(self) -> None:
        if self.loop is not None and self.loop.running:
            self.loop.stop()
        self.server.hdel(self.keys.busy, self.worker_id)


def _nudge(engine: Any) -> None:
    """Have the engine ask the scheduler for requests now, not at its next 5 s heartbeat.

    Requests that other workers queued do not wake this engine: an idle Scrapy engine looks
    at its scheduler only every five seconds, and a fast worker would empty the shared queue
    before a slow one looked. ``_slot.nextcall`` is the engine's own "look now" call, which
    ``engine.crawl`` uses; there is no public way to ask for it without a request.
    """
    slot = getattr(engine, "_slot", None)
    if slot is not None:
        slot.nextcall.schedule()


def published_templates(settings: Any) -> Callable[[str], dict[str, Any] | None]:
    """Read a site's learned template as the writer published it (None if it has none)."""
    server = connect(settings.get("ARCHIVE_REDIS_URL"))
    keys = Keys(settings.get("ARCHIVE_REDIS_PREFIX") or Keys().prefix)

    def published(site: str) -> dict[str, Any] | None:
        raw = server.get(keys.template(site))
        state = json.loads(raw) if raw else None
        return state if isinstance(state, dict) else None

    return published


def worker_settings(redis_url: str, idle_exit: float, prefix: str = "") -> dict[str, Any]:
    """The Scrapy settings that make a crawl a worker of the distributed archive at ``redis_url``.

    No archive, no run lock and no job folder: the frontier lives in Redis and the writer holds
    the archive. The store stage becomes the hand-off to the writer.
    """
    from crawler import settings as project

    pipelines = {
        name: order
        for name, order in project.ITEM_PIPELINES.items()
        if name != "pipelines.store.StoreArticlePipeline"
    }
    pipelines["crawler.distributed.handoff.HandOffPipeline"] = 500
    return {
        "ARCHIVE_REDIS_URL": redis_url,
        "ARCHIVE_REDIS_PREFIX": prefix,
        "ARCHIVE_IDLE_EXIT": idle_exit,
        "ARCHIVE_PATH": "",
        "REDIS_URL": redis_url,
        "SCHEDULER": "scrapy_redis.scheduler.Scheduler",
        "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
        "SCHEDULER_QUEUE_CLASS": "scrapy_redis.queue.PriorityQueue",
        "SCHEDULER_SERIALIZER": "crawler.distributed.codec",
        "SCHEDULER_PERSIST": True,  # the queue is the round's, not this worker's
        "ITEM_PIPELINES": pipelines,
        "EXTENSIONS": {
            **project.EXTENSIONS,
            "crawler.extensions.run_lock.ArchiveRunLock": None,
            "crawler.distributed.worker.RedisWorker": 520,
        },
    }
