"""Stage 3: guards. Drop only what holds nothing of an article; flag what holds too little.

A cookie wall or paywall page with a real headline is still worth archiving (the article
exists, and a later crawl may get its text), so it is kept with ``access`` saying why its body
is short. A page with no text at all (an empty page, a soft 404) is dropped with a reason,
counted in the stats as ``archive/dropped/<reason>``; one bad page never stops the crawl.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from typing_extensions import Self

CONSENT_WALL = re.compile(
    r"\b(?:we use cookies|cookie (?:settings|preferences|consent)|accept (?:all )?cookies|"
    r"consent to (?:the use of )?cookies)\b",
    re.IGNORECASE,
)
PAYWALL = re.compile(
    r"\b(?:subscribe to (?:continue|read)|subscribers only|already a subscriber|"
    r"this (?:article|content) is (?:for|available to) (?:subscribers|members))\b",
    re.IGNORECASE,
)
JS_REQUIRED = re.compile(
    r"\b(?:enable javascript|javascript is (?:disabled|required))\b", re.IGNORECASE
)


def drop_reason(title: str | None, body: str) -> str | None:
    """Why this record is not an article at all, or ``None`` if it is one."""
    if not body:
        return "no_body" if title else "empty"
    return None


def access_of(body: str, current: str | None, min_body_chars: int) -> str:
    """``open`` unless the text says it is walled, or is shorter than an article can be."""
    if current and current != "open":
        return current
    if len(body) >= min_body_chars:
        return "open"
    if CONSENT_WALL.search(body):
        return "consent_wall"
    if PAYWALL.search(body):
        return "paywalled"
    if JS_REQUIRED.search(body):
        return "js_required"
    return "truncated"


class ValidateArticlePipeline:
    def __init__(self, min_body_chars: int, crawler: Crawler | None = None) -> None:
        self.min_body_chars = min_body_chars
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler.settings.getint("ARCHIVE_MIN_BODY_CHARS"), crawler)

    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        body = adapter.get("body") or ""
        reason = drop_reason(adapter.get("title"), body)
        if reason:
            if self.crawler and self.crawler.stats:
                self.crawler.stats.inc_value(f"archive/dropped/{reason}")
            raise DropItem(f"{reason}: {adapter.get('url')}")
        adapter["access"] = access_of(body, adapter.get("access"), self.min_body_chars)
        return item
