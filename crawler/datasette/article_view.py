"""What the article page shows, built from the archive's rows: plain values for the template.

Kept apart from the Datasette hooks so it is a pure function of the rows, and so the template
does no parsing: it receives authors as a list of names, dates as text with their time zone,
paragraphs as a list, and never a JSON cell. Every string here is still scraped text, which the
template prints through Jinja's autoescape; the only markup decision made here is which URLs
may become links (http and https only: a stored ``javascript:`` URL is shown, never linked).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timezone
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from crawler.archive.history import json_list, json_object, paragraphs
from crawler.clock import parse_instant

if TYPE_CHECKING:
    from crawler.archive.history import Version

# ``articles.access`` in words; ``open`` says nothing.
ACCESS_WORDS = {
    "paywalled": "Paywalled: the site showed only part of this article without a subscription; "
    "the archive holds the part it showed.",
    "truncated": "Truncated: the text archived is only the start of the article.",
    "consent_wall": "Behind a consent wall: the site asked for cookie consent before the "
    "article; the archive holds what it showed.",
    "js_required": "Needs JavaScript: the site builds this article in the browser; the archive "
    "holds what the page carried without it.",
}
# How a line of a unified diff is coloured (its first characters decide).
DIFF_CLASSES = (("+++", "file"), ("---", "file"), ("@@", "hunk"), ("+", "added"), ("-", "removed"))


@dataclass(frozen=True)
class When:
    """An instant as the page shows it: machine form for ``<time>``, and text with its zone."""

    iso: str
    text: str


def when(value: str | None) -> When | None:
    """``2026-10-30T09:30:00+00:00`` as ``30 Oct 2026, 09:30 UTC``; a raw string as it is."""
    if not value:
        return None
    try:
        instant = parse_instant(value)  # no zone: UTC, as the archive stores times
    except ValueError:
        return When(iso=value, text=value)
    zone = "UTC" if instant.utcoffset() == timezone.utc.utcoffset(None) else instant.strftime("%z")
    return When(iso=instant.isoformat(), text=f"{instant:%-d %b %Y, %H:%M} {zone}")


def safe_href(url: str | None) -> str | None:
    """``url`` if it may be a link (http or https), else None: the page shows it as text."""
    if not url:
        return None
    try:
        scheme = urlsplit(url.strip()).scheme.lower()
    except ValueError:
        return None
    return url.strip() if scheme in ("http", "https") else None


def diff_lines(lines: list[str]) -> list[tuple[str, str]]:
    """Each diff line with its class: ``file``, ``hunk``, ``added``, ``removed``, ``context``."""
    return [
        (next((kind for prefix, kind in DIFF_CLASSES if line.startswith(prefix)), "context"), line)
        for line in lines
    ]


def plain(value: Any) -> str:
    """A JSON value as words: lists joined with commas, objects as ``key: value`` pairs."""
    if isinstance(value, dict):
        return "; ".join(f"{key}: {plain(item)}" for key, item in value.items())
    if isinstance(value, list):
        return ", ".join(plain(item) for item in value)
    return "" if value is None else str(value)


def lead_image(text: str | None) -> dict[str, Any] | None:
    """The lead image's caption, credit and URL (linked, never embedded: no hot-linking)."""
    image = json_object(text)
    if not any(image.get(key) for key in ("url", "caption", "credit")):
        return None
    url = image.get("url")
    return {
        "caption": image.get("caption"),
        "credit": image.get("credit"),
        "url": url,
        "href": safe_href(url),
    }


def version_views(history: list[Version], diffs: list[list[str]]) -> list[dict[str, Any]]:
    """The versions, newest first, each with its diff from the one before."""
    return [
        {
            "version": version.version,
            "fetched_at": when(version.fetched_at),
            "reason": version.reason,
            "change_class": version.change_class,
            "changed_fields": version.changed_fields,
            "corrections": version.corrections,
            "page_id": version.page_id,
            "title": version.title,
            "diff": diff_lines(lines),
        }
        for version, lines in reversed(list(zip(history, diffs, strict=True)))
    ]


def article_view(
    row: dict[str, Any],
    *,
    history: list[Version],
    diffs: list[list[str]],
    urls: list[dict[str, Any]],
    earliest: dict[str, Any] | None,
) -> dict[str, Any]:
    """Everything the article template shows about ``row`` (an ``articles`` row)."""
    access = row.get("access") or "open"
    latest_page = next((v.page_id for v in reversed(history) if v.page_id is not None), None)
    return {
        "id": row["id"],
        "title": row.get("title") or "(no headline)",
        "description": row.get("description"),
        "authors": json_list(row.get("authors")),
        "site_name": row.get("site_name") or row.get("site"),
        "section": row.get("section"),
        "source": row.get("source"),
        "language": row.get("language"),
        "tags": json_list(row.get("tags")),
        "word_count": row.get("word_count"),
        "published": when(row.get("published")),
        "modified": when(row.get("modified")),
        "first_seen": when(row.get("first_seen")),
        "last_seen": when(row.get("last_seen")),
        "gone_at": when(row.get("gone_at")),
        "access": access,
        "access_words": None if access == "open" else ACCESS_WORDS.get(access, f"Access: {access}"),
        "lead_image": lead_image(row.get("lead_image")),
        "paragraphs": paragraphs(row.get("body")),
        "url": row.get("url"),
        "url_href": safe_href(row.get("url")),
        "other_urls": [
            {**seen, "href": safe_href(seen["url"]), "last_seen": when(seen["last_seen"])}
            for seen in urls
            if seen["url"] != row.get("url")
        ],
        "earliest": earliest,
        "versions": version_views(history, diffs),
        "page_id": latest_page,
        "field_sources": [
            (name, plain(origin))
            for name, origin in sorted(json_object(row.get("field_sources")).items())
        ],
    }
