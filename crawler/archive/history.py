"""Reading one article's history: its row, its versions and the diffs between them, its URLs
and the raw pages behind it. Read-only.

Every function takes a plain ``sqlite3.Connection`` rather than a sqlite-utils ``Database``
so that the same reads serve ``newsarchive history`` (``open_archive(...).conn``) and the
Datasette article page (``Database.execute_fn`` hands its read-only connection), and the two
cannot disagree. Rows are built from ``cursor.description``, whatever the connection's
``row_factory``.

The diff is the standard library's ``difflib.unified_diff`` over a text rendering of each
version with one line per field and per paragraph: a whole-body diff on one long line would
say only "the body changed", a paragraph per line says which paragraph did.
"""

from __future__ import annotations

import difflib
import gzip
import itertools
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from crawler.archive.writes import REVISION_COLUMNS

if TYPE_CHECKING:
    import sqlite3
    from collections.abc import Iterable, Sequence

# The revision columns a reader of versions sees: the stored content, and what a reader of
# revisions needs beyond it (schema 6).
VERSION_COLUMNS = (
    "version",
    "fetched_at",
    "reason",
    "change_class",
    "changed_fields",
    "corrections",
    "url",
    "page_id",
    *REVISION_COLUMNS,
)


@dataclass(frozen=True)
class Version:
    """One stored content of an article (a ``revisions`` row), JSON lists decoded.

    ``change_class``, ``changed_fields`` and ``corrections`` are NULL in archives written
    before they were filled in (and for a first version): they come back as ``None`` / ``[]``.
    """

    version: int
    fetched_at: str
    reason: str
    change_class: str | None
    url: str
    page_id: int | None
    title: str | None
    description: str | None
    authors: list[str]
    published: str | None
    modified: str | None
    body: str | None
    changed_fields: list[str] = field(default_factory=list)
    corrections: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        """How a diff header names this version: ``v2 2026-11-02T08:00:00+00:00``."""
        return f"v{self.version} {self.fetched_at}"


@dataclass(frozen=True)
class RawPage:
    """A stored fetch from ``pages``: the body as the site sent it, and its headers."""

    id: int
    url: str
    status: int
    fetched_at: str
    headers: dict[str, str]
    body: bytes
    article_id: int | None


def _rows(conn: sqlite3.Connection, sql: str, params: Sequence[Any]) -> list[dict[str, Any]]:
    cursor = conn.execute(sql, params)
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def json_list(text: str | None) -> list[str]:
    """A JSON list column as a list of strings; a bare string becomes one item, NULL none.

    Tolerant on purpose: a page shown to a reader must not fail on one malformed cell.
    """
    if not text:
        return []
    try:
        value = json.loads(text)
    except ValueError:
        return [text]
    if isinstance(value, list):
        return [str(item) for item in value if item not in (None, "")]
    return [str(value)]


def json_object(text: str | None) -> dict[str, Any]:
    """A JSON object column as a dict; anything else (NULL, malformed) as an empty one."""
    if not text:
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def article(conn: sqlite3.Connection, article_id: int) -> dict[str, Any] | None:
    """The ``articles`` row, or None when there is no such article."""
    rows = _rows(conn, "select * from articles where id = ?", [article_id])
    return rows[0] if rows else None


def article_id_for(conn: sqlite3.Connection, urls: Iterable[str]) -> int | None:
    """The article any of ``urls`` was seen at (through ``article_urls``), first match wins."""
    for url in urls:
        row = conn.execute("select article_id from article_urls where url = ?", [url]).fetchone()
        if row:
            return int(row[0])
    return None


def article_urls(conn: sqlite3.Connection, article_id: int) -> list[dict[str, Any]]:
    """Every URL the article was seen at, with when: oldest first."""
    return _rows(
        conn,
        "select url, first_seen, last_seen from article_urls where article_id = ? "
        "order by first_seen, url",
        [article_id],
    )


def versions(conn: sqlite3.Connection, article_id: int) -> list[Version]:
    """The article's versions, oldest first."""
    rows = _rows(
        conn,
        f"select {', '.join(VERSION_COLUMNS)} from revisions "  # noqa: S608 (fixed names)
        "where article_id = ? order by version",
        [article_id],
    )
    return [
        Version(
            version=int(row["version"]),
            fetched_at=row["fetched_at"],
            reason=row["reason"] or "crawl",
            change_class=row["change_class"],
            url=row["url"],
            page_id=row["page_id"],
            title=row["title"],
            description=row["description"],
            authors=json_list(row["authors"]),
            published=row["published"],
            modified=row["modified"],
            body=row["body"],
            changed_fields=json_list(row["changed_fields"]),
            corrections=json_list(row["corrections"]),
        )
        for row in rows
    ]


def paragraphs(body: str | None) -> list[str]:
    """The body's paragraphs: the archive separates them with a blank line."""
    if not body:
        return []
    blocks = body.replace("\r\n", "\n").split("\n\n")
    return [" ".join(block.split()) for block in blocks if block.strip()]


def version_text(version: Version) -> list[str]:
    """A version as lines to diff: one per field, then one per body paragraph."""
    lines = [
        f"Title: {version.title or ''}",
        f"Standfirst: {version.description or ''}",
        f"Authors: {', '.join(version.authors)}",
        f"Published: {version.published or ''}",
        f"Modified: {version.modified or ''}",
        "",
    ]
    return lines + paragraphs(version.body)


def diff(older: Version, newer: Version, context: int = 1) -> list[str]:
    """The unified diff from ``older`` to ``newer`` (``--- v1 ...`` / ``+++ v2 ...``)."""
    return list(
        difflib.unified_diff(
            version_text(older),
            version_text(newer),
            fromfile=older.label,
            tofile=newer.label,
            n=context,
            lineterm="",
        )
    )


def diffs(history: Sequence[Version], context: int = 1) -> list[list[str]]:
    """The diff into each version from the one before it; empty for the first."""
    return [[]] + [diff(older, newer, context) for older, newer in itertools.pairwise(history)]


def raw_page(conn: sqlite3.Connection, page_id: int) -> RawPage | None:
    """The stored fetch ``page_id``, body decompressed; None when there is none."""
    rows = _rows(
        conn,
        "select id, url, status, fetched_at, headers, html_gzip, article_id "
        "from pages where id = ?",
        [page_id],
    )
    if not rows:
        return None
    row = rows[0]
    return RawPage(
        id=int(row["id"]),
        url=row["url"],
        status=int(row["status"]),
        fetched_at=row["fetched_at"],
        headers={str(k).lower(): str(v) for k, v in json_object(row["headers"]).items()},
        body=gzip.decompress(row["html_gzip"]),
        article_id=row["article_id"],
    )


def earliest_copy(conn: sqlite3.Connection, article_id: int) -> dict[str, Any] | None:
    """The first article of the near-duplicate cluster ``article_id`` belongs to, if any.

    Follows ``duplicate_of`` to its end (a cluster may have been merged into an older one),
    stopping at a loop; None when the article duplicates nothing.
    """
    seen = {article_id}
    found: dict[str, Any] | None = None
    current = article_id
    while True:
        row = conn.execute("select duplicate_of from articles where id = ?", [current]).fetchone()
        if not row or row[0] is None or row[0] in seen:
            break
        current = int(row[0])
        seen.add(current)
        rows = _rows(
            conn, "select id, title, url, first_seen from articles where id = ?", [current]
        )
        if not rows:
            break
        found = rows[0]
    return found
