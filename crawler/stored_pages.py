"""Re-extraction: the archive's stored pages, read again by the current extractor.

Which pages: for each article, its newest page answered 200 (``latest_pages``), optionally of
one site and fetched at or after a time. Each is handed to the ``stored`` spider as a
``StoredResponse`` with its own fetch time, so a re-extraction goes through exactly the code
a crawl runs and never touches the network.

What discovery knew when the page was fetched (a feed entry's title and date) is not kept in
``pages``; where the article took a field from it, ``field_sources`` names the feed or
sitemap, and the stored value is handed back as the same hint, so a re-extraction does not
lose a date that only the feed gave.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from crawler.archive import open_archive
from crawler.archive.stored_pages import PageRef, stored_page
from crawler.clock import archive_time, parse_instant
from crawler.middlewares.stored_responses import StoredResponse

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

# The ``via`` of discovery hints (spiders/news.py): a field taken from one of these came from
# the feed or sitemap entry, not from the page.
DISCOVERY_SOURCES = frozenset({"feed", "news-sitemap", "sitemap", "discovery"})
# Hint names of extract_article, and the article column (and field_sources key) of each.
HINT_FIELDS = {"title": "title", "published_raw": "published"}


def parse_since(text: str) -> str:
    """``--since``: an ISO 8601 date or time as the archive writes times (UTC, ``+00:00``).

    A date is its midnight in UTC, and so is a time that names no zone. Raises ``ValueError``
    with a message for the user.
    """
    try:
        return archive_time(parse_instant(text))
    except ValueError:
        raise ValueError(
            f"--since {text!r}: not an ISO 8601 date or time (e.g. 2026-11-01 or "
            "2026-11-01T06:00:00+00:00)"
        ) from None


def discovery_hints(ref: PageRef) -> dict[str, str]:
    """The hints a crawl had for this page, as far as the article row remembers them."""
    hints: dict[str, str] = {}
    stored = {"title": ref.title, "published_raw": ref.published_raw}
    for hint, column in HINT_FIELDS.items():
        via = str(ref.field_sources.get(column) or "")
        value = stored[hint]
        if via in DISCOVERY_SOURCES and value:
            hints[hint] = value
            hints["via"] = via
    return hints


def stored_responses(db_path: Path | str, refs: list[PageRef]) -> Iterator[StoredResponse]:
    """Each page of ``refs`` with its body, read from the archive one at a time.

    A page removed since the list was made (``forget``) is passed over.
    """
    db = open_archive(db_path)
    try:
        for ref in refs:
            page = stored_page(db, ref.page_id)
            if page is None:
                continue
            yield StoredResponse(
                url=page.url,
                status=page.status,
                headers=page.headers,
                body=page.body,
                fetched_at=page.last_fetched_at,
                site=ref.site,
                hints=discovery_hints(ref),
            )
    finally:
        db.close()
