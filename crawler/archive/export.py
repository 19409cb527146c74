"""Reading the archive out for export: articles and raw pages, a bounded batch at a time.

An export may cover the whole archive, so nothing here loads it at once: rows are read in
batches by key (``id > last id seen``), each batch its own short read. One long read
transaction over a large archive would hold its snapshot for the whole export, stop WAL
checkpoints and let a running crawl grow the ``-wal`` file without bound (see ``reads``). The
price is that an article changed by a crawl during the export may come out in its state
before or after that write, each row whole either way, which is what an export of a live
archive can promise. Exports open the file read-only: they never migrate, lock or create it.
"""

from __future__ import annotations

import gzip
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crawler.archive.connection import BUSY_TIMEOUT_MS, ArchiveError
from crawler.archive.schema import ARTICLE_COLUMNS

if TYPE_CHECKING:
    from collections.abc import Iterator

BATCH_ROWS = 200
# ``duplicate_of_url``: the URL of the article a near-duplicate copies (JSON-LD's isBasedOn).
ARTICLES_BATCH_SQL = f"""
select {", ".join(f"articles.{name}" for name in ARTICLE_COLUMNS)},
  original.url as duplicate_of_url
from articles
left join articles as original on original.id = articles.duplicate_of
where articles.id > :after
  and (:site is null or articles.site = :site)
  and (:since is null or articles.first_seen >= :since)
order by articles.id
limit :limit
"""  # noqa: S608 (the column names are ours)
PAGES_BATCH_SQL = """
select pages.id, pages.url, pages.status, pages.headers, pages.fetched_at, pages.html_sha256,
  pages.html_gzip
from pages
left join articles on articles.id = pages.article_id
where pages.id > :after and (:site is null or articles.site = :site)
order by pages.id
limit :limit
"""


@dataclass(frozen=True)
class StoredPage:
    """A raw fetch as the archive keeps it, its body decompressed."""

    id: int
    url: str
    status: int
    headers: str | None  # JSON object
    fetched_at: str
    html_sha256: str
    body: bytes


def connect_readonly(path: Path | str) -> sqlite3.Connection:
    """The archive at ``path``, read-only; ``ArchiveError`` if there is none to read."""
    path = Path(path)
    if not path.is_file():
        raise ArchiveError(f"{path}: no archive there")
    try:
        conn = sqlite3.connect(
            f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_MS / 1000
        )
        conn.row_factory = sqlite3.Row
        conn.execute("select count(*) from articles").fetchone()
    except sqlite3.DatabaseError as error:
        raise ArchiveError(f"{path}: not a newsarchive SQLite archive: {error}") from error
    return conn


def archive_sites(conn: sqlite3.Connection) -> list[str]:
    """The slugs of the sites the archive holds articles of."""
    return [row[0] for row in conn.execute("select distinct site from articles order by site")]


def iter_articles(
    conn: sqlite3.Connection, *, site: str | None = None, since: str | None = None
) -> Iterator[dict[str, Any]]:
    """Each article row (stored JSON columns still text), by id; ``since`` on ``first_seen``.

    ``since`` is an ISO 8601 UTC instant in the archive's form (``...+00:00``), so that the
    text comparison is a time comparison.
    """
    yield from _batched(conn, ARTICLES_BATCH_SQL, {"site": site, "since": since})


def iter_pages(conn: sqlite3.Connection, *, site: str | None = None) -> Iterator[StoredPage]:
    """Each stored page (of ``site``'s articles, or all), by id, its body decompressed."""
    for row in _batched(conn, PAGES_BATCH_SQL, {"site": site}):
        html_gzip = row.pop("html_gzip")
        yield StoredPage(**row, body=gzip.decompress(html_gzip))


def _batched(
    conn: sqlite3.Connection, sql: str, params: dict[str, Any]
) -> Iterator[dict[str, Any]]:
    """``sql``'s rows, ``BATCH_ROWS`` per query, each query starting after the last id."""
    after = 0
    while True:
        # Row by row from the cursor, not fetchall(): with long bodies a batch of rows held at
        # once is tens of MB. The statement (and its snapshot) ends with the batch.
        count = 0
        for row in conn.execute(sql, {**params, "after": after, "limit": BATCH_ROWS}):
            count += 1
            after = row["id"]
            yield dict(row)
        if count < BATCH_ROWS:
            return
