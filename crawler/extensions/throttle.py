"""AutoThrottle that takes a 304 for the answer it is, not for an error page.

Scrapy's AutoThrottle lets only a 200 lower a slot's delay: error pages are small and quick,
and letting them lower it would speed a crawl up exactly when a site is failing. A 304 (Not
Modified) is the answer a re-crawl asks for, yet under that rule every latency spike during a
re-crawl raises the delay and no answer can lower it again: measured on 2,000 pages that are
all due (``python -m bench.crawl``), the delay ratcheted up until the re-crawl asked about
two pages a second, 30 times slower than fetching the pages whole.

So a 304 adjusts the delay as a 200 does (towards latency / target concurrency, never below
the site's ``download_delay``); every other status keeps Scrapy's rule. Written as a subclass
overriding ``_adjust_delay``, where Scrapy keeps the policy ("Define delay adjustment
policy"); it is private, so ``tests/test_bench_crawl.py`` checks it still exists.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy.extensions.throttle import AutoThrottle

if TYPE_CHECKING:
    from scrapy.core.downloader import Slot
    from scrapy.http import Response

NOT_MODIFIED = 304


class ConditionalAutoThrottle(AutoThrottle):
    def _adjust_delay(self, slot: Slot, latency: float, response: Response) -> None:
        if response.status != NOT_MODIFIED:
            super()._adjust_delay(slot, latency, response)
            return
        target_delay = latency / self.target_concurrency
        new_delay = max(target_delay, (slot.delay + target_delay) / 2.0)
        slot.delay = min(max(self.mindelay, new_delay), self.maxdelay)
