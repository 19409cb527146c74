"""Reading what feeds and sitemaps say: XML that may come gzipped, and dates in two forms.

Parsed with parsel rather than a feed library: the spider needs only links, titles and dates,
from RSS, Atom and (news) sitemaps alike, and a selector reads all three the same way.
"""

from __future__ import annotations

import email.utils
from datetime import datetime, timezone
from typing import TYPE_CHECKING
from urllib.parse import urlparse

from scrapy.selector import Selector
from scrapy.utils.gz import gunzip

from crawler.clock import instant_or_none

if TYPE_CHECKING:
    from scrapy.http import Response

MAX_SITEMAP_BYTES = 50 * 1024 * 1024  # the sitemap protocol's own limit, uncompressed

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def hint_date(hints: dict[str, str]) -> datetime | None:
    """When the feed or sitemap says the article last changed: ``lastmod``, else its date."""
    return parse_date(hints.get("lastmod")) or parse_date(hints.get("published_raw"))


def parse_date(text: str | None) -> datetime | None:
    """An ISO 8601 (sitemaps) or RFC 822 (RSS) date as an aware datetime; None if unreadable."""
    if not text:
        return None
    iso = instant_or_none(text)
    if iso is not None:
        return iso
    try:
        moment = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def header_text(response: Response, name: str) -> str | None:
    """A response header as text (HTTP headers are Latin-1), or None when absent."""
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None


def site_root(url: str) -> str:
    """``scheme://host/`` of ``url``: where its robots.txt lives."""
    parts = urlparse(url)
    return f"{parts.scheme}://{parts.netloc}/"


def xml_selector(response: Response) -> Selector | None:
    """A namespace-free selector over a feed or sitemap (gunzipped if need be), or None.

    None when the body is not XML with a root element: a site answering an HTML error page
    at its feed's address must not be read as a feed without entries.
    """
    body = response.body
    if body[:2] == b"\x1f\x8b":
        try:
            body = gunzip(body, max_size=MAX_SITEMAP_BYTES)
        except OSError:
            return None
    try:
        selector = Selector(text=body.decode("utf-8", "replace").lstrip("\ufeff"), type="xml")
    except ValueError:
        return None
    selector.remove_namespaces()
    if not selector.xpath("/*"):
        return None
    return selector
