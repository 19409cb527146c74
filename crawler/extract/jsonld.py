"""Finding the article object in a page's JSON-LD.

Sites wrap it in ``@graph`` arrays, lists, or nest it in a ``WebPage``'s ``mainEntity``;
some emit invalid JSON (trailing commas, raw newlines in strings). We search every
``application/ld+json`` block and keep the first object whose ``@type`` is an article type.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterator

CDATA = re.compile(r"^(?://\s*)?<!\[CDATA\[|(?://\s*)?\]\]>$")
# Types a news publisher marks its articles with (schema.org's NewsArticle and subtypes).
NEWS_TYPES = {
    "NewsArticle",
    "ReportageNewsArticle",
    "AnalysisNewsArticle",
    "OpinionNewsArticle",
    "ReviewNewsArticle",
    "BackgroundNewsArticle",
}
ARTICLE_TYPES = {
    "Article",
    "NewsArticle",
    "BlogPosting",
    "ReportageNewsArticle",
    "AnalysisNewsArticle",
    "OpinionNewsArticle",
    "ReviewNewsArticle",
    "BackgroundNewsArticle",
    "LiveBlogPosting",
    "Report",
    "ScholarlyArticle",
    "TechArticle",
    "SocialMediaPosting",
}


def parse_blocks(blocks: list[str]) -> list[dict[str, Any]]:
    """Every JSON object in the given script texts, flattened out of lists and ``@graph``."""
    objects: list[dict[str, Any]] = []
    for block in blocks:
        data = _loads(block)
        if data is not None:
            objects.extend(_flatten(data))
    return objects


def article_object(objects: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The first object typed as an article, if any."""
    return next((obj for obj in objects if types_of(obj) & ARTICLE_TYPES), None)


def types_of(obj: dict[str, Any]) -> set[str]:
    kind = obj.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    return {k.rsplit("/", 1)[-1] for k in kinds if isinstance(k, str)}


def _loads(text: str) -> Any:
    text = text.strip().removeprefix("<!--").removesuffix("-->").strip()
    # Some themes wrap the block for old XHTML parsers: //<![CDATA[ ... //]]>
    text = CDATA.sub("", text).strip()
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        pass
    repaired = re.sub(r",\s*([}\]])", r"\1", text.replace("\n", " ").replace("\r", " "))
    try:
        return json.loads(repaired)
    except ValueError:
        return None


def _flatten(data: Any, depth: int = 0) -> Iterator[dict[str, Any]]:
    if depth > 5:
        return
    if isinstance(data, list):
        for entry in data:
            yield from _flatten(entry, depth + 1)
    elif isinstance(data, dict):
        yield data
        for key in ("@graph", "mainEntity"):
            if key in data:
                yield from _flatten(data[key], depth + 1)
