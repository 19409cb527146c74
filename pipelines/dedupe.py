"""Stage 4: the article's identity and content hash; exact repeats within one run dropped.

The content hash covers what a reader would call the article (headline, standfirst, authors,
text), not the page around it, so a new "most read" box does not make a new revision while a
silent correction does. Whether the article is new, changed or unchanged against the archive
is decided by the store, inside its write transaction, where no other writer can interleave.

Near-duplicates (one wire story on several sites, each copy lightly edited) are not dropped
here: each copy is its own article on its own site. They are linked by the archive when it
stores them (``crawler.archive.clusters``: ``articles.duplicate_of``), because finding them
needs every article already stored, not only this run's. The identity keys below use the
canonical URL only once the normalize stage has trusted it (same site, not a listing).
"""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Any

from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem

from crawler.urls import identity_url

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from typing_extensions import Self


def content_hash(title: str | None, description: str | None, authors: list[str], body: str) -> str:
    """SHA-256 over the article's reader-visible content, stable across runs."""
    payload = json.dumps(
        [title or "", description or "", authors or [], body or ""],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


class DeduplicateArticlePipeline:
    def __init__(self, crawler: Crawler | None = None) -> None:
        self.crawler = crawler
        self.seen: dict[str, str] = {}  # identity URL -> content hash, this run

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        adapter["content_hash"] = content_hash(
            adapter.get("title"),
            adapter.get("description"),
            adapter.get("authors") or [],
            adapter.get("body") or "",
        )
        keys = {identity_url(adapter["url"])}
        if adapter.get("canonical_url"):
            keys.add(str(adapter["canonical_url"]))
        if any(self.seen.get(key) == adapter["content_hash"] for key in keys):
            if self.crawler and self.crawler.stats:
                self.crawler.stats.inc_value("archive/dropped/duplicate")
            raise DropItem(f"duplicate: {adapter['url']} was archived earlier in this run")
        for key in keys:
            self.seen[key] = adapter["content_hash"]
        return item
