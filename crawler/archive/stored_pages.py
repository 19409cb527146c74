"""Reading the raw pages the archive keeps, for re-extraction without crawling again.

Every fetch of an article is kept in ``pages`` (the body gzip-compressed, the headers a page
needs to be read again). ``latest_pages`` chooses what ``newsarchive reextract`` runs over:
for each article, its newest page answered 200, with what the article row recorded of its
discovery (a feed's title or date leaves a trace only in ``field_sources``). ``stored_page``
returns one page's body and headers, read one at a time so a large archive is never held in
memory at once.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import sqlite_utils


@dataclass(frozen=True)
class PageRef:
    """One page to re-extract, and what its article row says (not the body: see ``stored_page``)."""

    page_id: int
    url: str
    last_fetched_at: str
    article_id: int
    site: str
    site_name: str | None
    title: str | None = None
    published_raw: str | None = None
    field_sources: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class StoredPage:
    """A page as it was fetched: enough to answer the request again."""

    page_id: int
    url: str
    status: int
    headers: dict[str, str]
    body: bytes
    fetched_at: str
    last_fetched_at: str


LATEST_PAGES_SQL = """
SELECT pages.id, pages.url, pages.last_fetched_at, articles.id, articles.site,
       articles.site_name, articles.title, articles.published_raw, articles.field_sources
FROM articles
JOIN pages ON pages.id = (
    SELECT latest.id FROM pages AS latest
    WHERE latest.article_id = articles.id AND latest.status = 200
    ORDER BY latest.last_fetched_at DESC, latest.id DESC
    LIMIT 1
)
WHERE (:site IS NULL OR articles.site = :site)
  AND (:since IS NULL OR pages.last_fetched_at >= :since)
ORDER BY articles.id
"""


def latest_pages(
    db: sqlite_utils.Database, *, site: str | None = None, since: str | None = None
) -> list[PageRef]:
    """Each article's newest page answered 200, of ``site`` and fetched at or after ``since``.

    ``since`` is an ISO 8601 UTC time as the archive writes them (``+00:00``), so comparing
    the text compares the instants.
    """
    rows = db.execute(LATEST_PAGES_SQL, {"site": site, "since": since}).fetchall()
    return [
        PageRef(
            page_id=row[0],
            url=row[1],
            last_fetched_at=row[2],
            article_id=row[3],
            site=row[4],
            site_name=row[5],
            title=row[6],
            published_raw=row[7],
            field_sources=_json_object(row[8]),
        )
        for row in rows
    ]


def archived_sites(db: sqlite_utils.Database) -> list[str]:
    """The sites the archive holds articles of."""
    return [str(row[0]) for row in db.execute("SELECT DISTINCT site FROM articles ORDER BY site")]


def stored_page(db: sqlite_utils.Database, page_id: int) -> StoredPage | None:
    """The page with this id, body decompressed; None if there is none."""
    row = db.execute(
        "SELECT id, url, status, headers, html_gzip, fetched_at, last_fetched_at "
        "FROM pages WHERE id = ?",
        [page_id],
    ).fetchone()
    if row is None:
        return None
    headers = _json_object(row[3])
    return StoredPage(
        page_id=row[0],
        url=row[1],
        status=row[2],
        headers={str(name): str(value) for name, value in headers.items()},
        body=gzip.decompress(row[4]),
        fetched_at=row[5],
        last_fetched_at=row[6],
    )


def _json_object(text: str | None) -> dict[str, Any]:
    try:
        value = json.loads(text or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
