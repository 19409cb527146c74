"""Articles as schema.org ``NewsArticle`` nodes in one JSON-LD document.

One document (``@context`` once, every article in ``@graph``) rather than JSON-LD lines:
JSON-LD processors, validators and triple stores read a document, and there is no standard for
JSON-LD lines. The document is still written as a stream, one node at a time, so an export of
the whole archive never holds it in memory.

What has no schema.org property stays out (``gone_at``, ``field_sources``, ``content_hash``;
JSON lines and CSV carry them). ``isAccessibleForFree`` is false for ``paywalled`` and
``truncated`` (the text stops where the paywall begins), true for ``open``; a consent wall or a
page that needs JavaScript says nothing about payment, so the property is left out.
"""

from __future__ import annotations

import json
from typing import IO, TYPE_CHECKING, Any

from crawler.export.records import article_record

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

CONTEXT = "https://schema.org"
FREE_ACCESS = {"open": True, "paywalled": False, "truncated": False}


def news_article(row: Mapping[str, Any]) -> dict[str, Any]:
    """The article as a ``NewsArticle`` node; properties with no value are left out."""
    record = article_record(row)
    page = record["canonical_url"] or record["url"]
    image = record["lead_image"] if isinstance(record["lead_image"], dict) else None
    authors = record["authors"] if isinstance(record["authors"], list) else []
    tags = record["tags"] if isinstance(record["tags"], list) else []
    node: dict[str, Any] = {
        "@type": "NewsArticle",
        "@id": page,
        "identifier": str(record["id"]),
        "url": record["url"],
        "mainEntityOfPage": {"@type": "WebPage", "@id": page},
        "headline": record["title"],
        "description": record["description"],
        "author": [{"@type": "Person", "name": name} for name in authors] or None,
        "datePublished": record["published"],
        "dateModified": record["modified"],
        "inLanguage": record["language"],
        "articleSection": record["section"],
        "keywords": tags or None,
        "articleBody": record["body"],
        "wordCount": record["word_count"],
        "image": _image(image) if image and image.get("url") else None,
        "publisher": _organization(record["site_name"] or record["site"]),
        "sourceOrganization": _organization(record["source"]),
        "isAccessibleForFree": FREE_ACCESS.get(record["access"]),
        "isBasedOn": row.get("duplicate_of_url"),
        "version": record["version"],
    }
    return {name: value for name, value in node.items() if value is not None}


def write_jsonld(rows: Iterable[Mapping[str, Any]], out: IO[str]) -> int:
    """``{"@context": ..., "@graph": [...]}``, one node per line; returns the number."""
    out.write(json.dumps({"@context": CONTEXT})[:-1] + ', "@graph": [')
    count = 0
    for row in rows:
        out.write(("," if count else "") + "\n" + json.dumps(news_article(row), ensure_ascii=False))
        count += 1
    out.write("\n]}\n")
    return count


def _image(image: Mapping[str, Any]) -> dict[str, Any]:
    node = {
        "@type": "ImageObject",
        "url": image.get("url"),
        "caption": image.get("caption"),
        "creditText": image.get("credit"),
    }
    return {name: value for name, value in node.items() if value}


def _organization(name: str | None) -> dict[str, Any] | None:
    return {"@type": "Organization", "name": name} if name else None
