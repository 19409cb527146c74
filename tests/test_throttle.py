"""ConditionalAutoThrottle: a quick 304 lowers a slot's delay; a quick error page still cannot."""

from __future__ import annotations

from types import SimpleNamespace

from scrapy.core.downloader import Slot
from scrapy.extensions.throttle import AutoThrottle
from scrapy.http import Request, Response
from scrapy.settings import Settings
from scrapy.utils.test import get_crawler

from crawler import settings as project_settings
from crawler.extensions.throttle import ConditionalAutoThrottle
from crawler.sites import load_sites
from spiders.news import apply_site_settings

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


def test_a_sites_concurrency_is_autothrottles_target(tmp_path) -> None:
    """A site allowed 6 requests at once is throttled towards 6 in flight, not Scrapy's 1;
    ``-s AUTOTHROTTLE_TARGET_CONCURRENCY`` still wins."""
    sites = tmp_path / "sites.toml"
    sites.write_text(
        '[sites.gazette]\nname = "Gazette"\nstart_urls = ["http://127.0.0.1/"]\n'
        "concurrency = 6\ndownload_delay = 0\n",
        encoding="utf-8",
    )
    site = load_sites(sites)["gazette"]
    project = {name: getattr(project_settings, name) for name in dir(project_settings)}
    settings = Settings({name: value for name, value in project.items() if name.isupper()})
    apply_site_settings(SimpleNamespace(settings=settings), site)  # as the spider does
    assert settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN") == 6
    target = settings.getfloat("AUTOTHROTTLE_TARGET_CONCURRENCY")
    crawler = get_crawler(
        settings_dict={"AUTOTHROTTLE_ENABLED": True, "AUTOTHROTTLE_TARGET_CONCURRENCY": target}
    )
    assert ConditionalAutoThrottle.from_crawler(crawler).target_concurrency == 6.0

    settings = Settings({"AUTOTHROTTLE_TARGET_CONCURRENCY": 1.0})
    settings.set("AUTOTHROTTLE_TARGET_CONCURRENCY", 3.0, priority="cmdline")
    apply_site_settings(SimpleNamespace(settings=settings), site)
    assert settings.getfloat("AUTOTHROTTLE_TARGET_CONCURRENCY") == 3.0
