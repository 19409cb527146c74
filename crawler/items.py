"""``ArticleItem``: one article on its way from a spider to the archive.

Field names are the ``articles`` column names, so the store stage writes them as they are and a
SQL user reads the same words. One field is not a column: ``page``, the raw fetch, which the
boilerplate stage extracts from and the store stage keeps in the ``pages`` table, so a better
extractor can re-extract the archive later without crawling again.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import scrapy

from crawler.archive.schema import ARTICLE_COLUMNS

__all__ = ["ARTICLE_COLUMNS", "ArticleItem", "FetchedPage"]


@dataclass
class FetchedPage:
    """A page as it was downloaded, with what discovery knew about it before the fetch."""

    url: str
    status: int
    headers: dict[str, str]
    body: bytes
    text: str
    fetched_at: str
    requested_url: str = ""
    hints: dict[str, str] = field(default_factory=dict)


class ArticleItem(scrapy.Item):
    """An article; see DESIGN.md for what each column means."""

    id = scrapy.Field()
    url = scrapy.Field()
    canonical_url = scrapy.Field()
    site = scrapy.Field()
    site_name = scrapy.Field()
    title = scrapy.Field()
    description = scrapy.Field()
    authors = scrapy.Field()
    published = scrapy.Field()
    published_raw = scrapy.Field()
    modified = scrapy.Field()
    modified_raw = scrapy.Field()
    language = scrapy.Field()
    section = scrapy.Field()
    tags = scrapy.Field()
    body = scrapy.Field()
    word_count = scrapy.Field()
    lead_image = scrapy.Field()
    source = scrapy.Field()
    field_sources = scrapy.Field()
    access = scrapy.Field()
    content_hash = scrapy.Field()
    first_seen = scrapy.Field()
    last_seen = scrapy.Field()
    gone_at = scrapy.Field()
    duplicate_of = scrapy.Field()
    version = scrapy.Field()
    page = scrapy.Field()  # FetchedPage: not a column, stored in `pages`
