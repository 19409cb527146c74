"""Signals newsarchive sends besides Scrapy's own."""

from __future__ import annotations

# Sent by the store stage once an article's transaction committed:
# handlers get ``outcome`` (crawler.archive.StoreOutcome) and ``item``.
article_stored = object()

# Sent by the store stage once the archive is open, before the first request: handlers get
# ``site`` (the slug) and ``plan`` (crawler.archive.reads.revisit_plan rows), and
# ``taken_down`` (the URL hashes of ``newsarchive forget``). The news spider learns from it which
# known articles are due, and which URLs not to fetch, without reading the archive itself.
revisit_plan = object()

# Sent by the news spider when a revisit brings no new content: handlers get ``check``, a
# mapping with url, fetched_at, outcome ("unchanged" for a 304, "gone" for 404/410 or a
# redirect away), etag and last_modified. The store records it with the next batch.
article_checked = object()
