"""ConditionalAutoThrottle: a quick 304 lowers a slot's delay; a quick error page still cannot."""

from __future__ import annotations

from scrapy.core.downloader import Slot
from scrapy.extensions.throttle import AutoThrottle
from scrapy.http import Request, Response
from scrapy.utils.test import get_crawler

from crawler import settings as project_settings
from crawler.extensions.throttle import ConditionalAutoThrottle

URL = "http://127.0.0.1/local/2026/11/01/story-1/"


def throttle() -> ConditionalAutoThrottle:
    crawler = get_crawler(
        settings_dict={
            "AUTOTHROTTLE_ENABLED": True,
            "DOWNLOAD_DELAY": 0.0,
            "AUTOTHROTTLE_MAX_DELAY": 30.0,
            "AUTOTHROTTLE_TARGET_CONCURRENCY": 1.0,
        }
    )
    extension = ConditionalAutoThrottle.from_crawler(crawler)
    extension.mindelay = extension._min_delay()
    extension.maxdelay = extension._max_delay()
    return extension


def answered(status: int, slot: Slot, latency: float) -> None:
    request = Request(URL, meta={"download_latency": latency})
    throttle()._adjust_delay(slot, latency, Response(URL, status=status, request=request))


def test_a_quick_304_lowers_the_delay() -> None:
    slot = Slot(concurrency=8, delay=0.4, jitter=0)
    answered(304, slot, latency=0.002)
    assert slot.delay < 0.21  # half-way to the latency, as a 200 would


def test_a_quick_error_page_still_cannot_lower_it() -> None:
    slot = Slot(concurrency=8, delay=0.4, jitter=0)
    answered(404, slot, latency=0.002)
    assert slot.delay == 0.4  # Scrapy's rule for every status but 200 and 304


def test_a_slow_304_raises_the_delay() -> None:
    slot = Slot(concurrency=8, delay=0.1, jitter=0)
    answered(304, slot, latency=2.0)
    assert slot.delay == 2.0


def test_it_replaces_scrapys_autothrottle() -> None:
    extensions = project_settings.EXTENSIONS
    assert extensions["scrapy.extensions.throttle.AutoThrottle"] is None
    assert "crawler.extensions.throttle.ConditionalAutoThrottle" in extensions
    assert callable(AutoThrottle._adjust_delay)  # the private method overridden still exists
