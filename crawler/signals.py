"""Signals newsarchive sends besides Scrapy's own."""

from __future__ import annotations

# Sent by the store stage once an article's transaction committed:
# handlers get ``outcome`` (crawler.archive.StoreOutcome) and ``item``.
article_stored = object()
