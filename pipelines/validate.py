"""Stage 3: guards. Drop only what holds nothing of an article; flag what holds too little.

A cookie wall or paywall page with a real headline is still worth archiving (the article
exists, and a later crawl may get its text), so it is kept with ``access`` saying why its body
is short. Extraction reads ``access`` from the markup first (``crawler.extract.access``: a
declared paywall, wall containers, a body far shorter than the page promises); ``access_of``
here is the last resort, reading the text of a short body the markup said nothing about.
A page with neither a title nor any text (an empty page) is dropped with a reason, counted in
the stats as ``archive/dropped/<reason>``; so is a soft 404, a "Page not found" answered 200 (its
title says so and its text is a sentence or two). One bad page never stops the crawl.

Dates that cannot be true are dropped as values, never with the article: a ``published`` later
than the fetch (beyond the clock-skew slack the date parser allows) or a ``modified`` before
``published`` (or after the fetch) is set to ``None``, its ``*_raw`` string kept, the URL and
reason logged and counted as ``archive/guard/<reason>``. A wrong date sorts an article into the
wrong day of every "latest" and "per day" query; no date is honest.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any

from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem

from crawler.clock import instant_or_none, now_iso
from crawler.extract.access import ACCESS_VALUES
from crawler.extract.dates import FUTURE_SLACK

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from typing_extensions import Self

logger = logging.getLogger(__name__)

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
# A "not found" page's title, answered with status 200 by a catch-all route.
SOFT_404_TITLE = re.compile(
    r"^\W*(?:(?:error\s*)?404\b|(?:(?:page|article|story|content)\s+)?not\s+found\b|"
    r"page\s+(?:does\s+not|doesn't)\s+exist\b)",
    re.IGNORECASE,
)
SOFT_404_MAX_BODY_CHARS = 300  # a story about a "404" has more text than an apology


def drop_reason(title: str | None, body: str) -> str | None:
    """Why this record is not an article at all, or ``None`` if it is one.

    A headline alone is something of an article (a wall that hides all of its text, a page
    whose text the parser could not reach): it is kept, flagged by ``access_of``. A soft 404 (a
    "not found" title over a sentence or two, answered 200) is not.
    """
    if not body and not title:
        return "empty"
    if len(body or "") < SOFT_404_MAX_BODY_CHARS and SOFT_404_TITLE.search(title or ""):
        return "soft_404"
    return None


def access_of(body: str, current: str | None, min_body_chars: int) -> str:
    """``open`` unless the text says it is walled, or is shorter than an article can be.

    A walled value extraction found in the markup stands; the text is read only when it did
    not find one.
    """
    if current in ACCESS_VALUES and current != "open":
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


def date_guards(published: str | None, modified: str | None, fetched_at: str) -> dict[str, str]:
    """The dates that fail a guard, as ``{field: reason}``; empty when both are plausible.

    ``published`` may not be later than ``fetched_at`` plus ``FUTURE_SLACK`` (the slack the
    date parser gives clock skew and embargoes); ``modified`` may not be later than that
    either, nor before a ``published`` that passed. Values that do not parse are left to the
    normalize stage, which never produces them.
    """
    fetched = instant_or_none(fetched_at)
    published_at, modified_at = instant_or_none(published), instant_or_none(modified)
    failed: dict[str, str] = {}
    if fetched is not None and published_at is not None and published_at > fetched + FUTURE_SLACK:
        failed["published"] = "published_after_fetch"
        published_at = None
    if modified_at is not None:
        if fetched is not None and modified_at > fetched + FUTURE_SLACK:
            failed["modified"] = "modified_after_fetch"
        elif published_at is not None and modified_at < published_at:
            failed["modified"] = "modified_before_published"
    return failed


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
        self.guard_dates(adapter)
        adapter["access"] = access_of(body, adapter.get("access"), self.min_body_chars)
        return item

    def guard_dates(self, adapter: ItemAdapter) -> None:
        """Apply ``date_guards`` to the item: drop failed values, log and count each."""
        page = adapter.get("page")
        fetched_at = getattr(page, "fetched_at", None) or now_iso()
        failed = date_guards(adapter.get("published"), adapter.get("modified"), fetched_at)
        for name, reason in failed.items():
            logger.info(
                "Dropped %s %s (%s, fetched at %s): %s",
                name,
                adapter.get(name),
                reason,
                fetched_at,
                adapter.get("url"),
            )
            adapter[name] = None
            if self.crawler and self.crawler.stats:
                self.crawler.stats.inc_value(f"archive/guard/{reason}")
