"""Log lines about items that name the page and the reason, never the item's content.

Scrapy's ``LogFormatter`` writes the whole item into the log when an item is dropped, fails in
a stage or is scraped. Our items carry the raw page (``page``) and the article's text: one
dropped page became thousands of log lines. Here an item is named by its URL.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from scrapy.logformatter import LogFormatter

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.http import Response
    from scrapy.logformatter import LogFormatterResult
    from twisted.python.failure import Failure


class UrlOnlyLogFormatter(LogFormatter):
    def scraped(
        self, item: Any, response: Response | Failure | None, spider: Spider
    ) -> LogFormatterResult:
        return {"level": logging.DEBUG, "msg": "Scraped %(url)s", "args": {"url": item_url(item)}}

    def dropped(
        self,
        item: Any,
        exception: BaseException,
        response: Response | Failure | None,
        spider: Spider,
    ) -> LogFormatterResult:
        result = super().dropped(item, exception, response, spider)
        url = item_url(item)
        reason = one_line(exception).removesuffix(f": {url}")  # a stage may name the URL too
        return {
            "level": result["level"],
            "msg": "Dropped %(url)s: %(reason)s",
            "args": {"url": url, "reason": reason},
        }

    def item_error(
        self,
        item: Any,
        exception: BaseException,
        response: Response | Failure | None,
        spider: Spider,
    ) -> LogFormatterResult:
        return {
            "level": logging.ERROR,
            "msg": "Error processing %(url)s: %(reason)s",
            "args": {"url": item_url(item), "reason": one_line(exception)},
        }


def item_url(item: Any) -> str:
    """The URL an item was fetched from: the requested URL, else its ``url`` field."""
    try:
        page = item.get("page")
        url = getattr(page, "requested_url", None) or item.get("url")
    except (AttributeError, KeyError, TypeError):
        url = None
    return str(url or "(an item without a URL)")


def one_line(exception: BaseException) -> str:
    """The exception's message cut to its first line and 300 characters."""
    lines = str(exception).strip().splitlines()
    text = lines[0] if lines and lines[0] else type(exception).__name__
    return text if len(text) <= 300 else text[:297] + "..."
