"""Writing articles, revisions, raw pages and crawl records.

Every write is idempotent, keyed on the article's identity: the ``article_urls`` table maps
every URL an article was seen at (as fetched, as requested before redirects, its trusted
canonical URL) to one ``articles.id``. A re-run of the same crawl therefore finds each article
again and, when its ``content_hash`` is unchanged, only moves ``last_seen``: no new row, no
new revision. A changed hash writes exactly one revision and bumps ``version``.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from crawler.archive.changes import change_columns
from crawler.archive.clusters import update_clusters
from crawler.archive.connection import insert_row, write_transaction
from crawler.archive.schema import ARTICLE_COLUMNS, BOOKKEEPING_COLUMNS
from crawler.archive.takedowns import taken_down
from crawler.clock import instant_or_none

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping, Sequence

    import sqlite_utils

    # (age in seconds since publication or first sight, seconds since the content last
    # changed) -> seconds until the next check. Handed in (crawler.revisit): the archive
    # knows no policy.
    IntervalFor = Callable[[float, float], int]

# What a fetch says about an article; the rest (identity, first/last seen, version) is ours.
CONTENT_COLUMNS = tuple(
    name for name in ARTICLE_COLUMNS if name not in ("id", *BOOKKEEPING_COLUMNS)
)
JSON_COLUMNS = ("authors", "tags", "lead_image", "field_sources")
REVISION_COLUMNS = (
    "title",
    "description",
    "authors",
    "published",
    "modified",
    "body",
    "word_count",
)


# gzip level of stored pages: on 200 real article pages (256 KB on average) level 3 made
# files 13% larger than level 9 in under half the time (about 2 ms a page).
PAGE_GZIP_LEVEL = 3


def compress_page(body: bytes) -> bytes:
    """A raw page as ``pages.html_gzip`` keeps it (no timestamp: the same page, the same bytes)."""
    return gzip.compress(body, compresslevel=PAGE_GZIP_LEVEL, mtime=0)


# What a conditional or gone check found, and what it records.
CHECK_OUTCOMES = ("unchanged", "gone")
# A record any of whose URLs was taken down (``newsarchive forget``): refused, nothing written.
FORGOTTEN = "forgotten"


@dataclass(frozen=True)
class StoreOutcome:
    """What storing one article did: ``new``, ``changed``, ``unchanged`` (or ``gone``).

    ``forgotten``: refused, its URL was taken down; ``article_id`` and ``version`` are 0.
    """

    url: str
    article_id: int
    outcome: str
    version: int


def store_articles(
    db: sqlite_utils.Database,
    records: Sequence[Mapping[str, Any]],
    checks: Sequence[Mapping[str, Any]] = (),
    interval_for: IntervalFor | None = None,
) -> list[StoreOutcome]:
    """Store a batch of articles and revisit checks in one ``BEGIN IMMEDIATE`` transaction.

    Each record holds the article columns, ``page`` (a mapping: url, status, headers, body,
    fetched_at, optionally ``body_gzip``: the body as ``compress_page`` makes it), optionally
    ``aliases`` (more URLs that identify the same article),
    ``revision_reason`` (why a new version is written: ``crawl``, the default, ``reextract``
    or ``import``) and ``signed`` (the body's ``signatures.Signed``, made beforehand). A
    re-extraction is not a fetch: a ``reextract`` record moves neither ``last_seen`` nor
    ``gone_at`` nor the schedule, and writes no page (its revision points at the stored page
    it was extracted from). Each
    check (see ``_check_one``) is a revisit that found no new content: a 304, or a page gone.
    Every article and check also sets the article's ``schedule`` row, with ``interval_for``
    deciding the wait (none: due again at once). Outcomes come back in order, records first;
    a check of a URL the archive does not know has no outcome.
    """
    with write_transaction(db):
        outcomes = [_store_one(db, record, interval_for) for record in records]
        for check in checks:
            outcome = _check_one(db, check, interval_for)
            if outcome is not None:
                outcomes.append(outcome)
        return outcomes


def _store_one(
    db: sqlite_utils.Database, record: Mapping[str, Any], interval_for: IntervalFor | None
) -> StoreOutcome:
    page = record["page"]
    fetched_at = page["fetched_at"]
    refetched = record.get("revision_reason") != "reextract"
    columns = {name: _column_value(name, record.get(name)) for name in CONTENT_COLUMNS}
    aliases = _unique([record["url"], record.get("canonical_url"), *record.get("aliases", ())])
    if taken_down(db, [*aliases, page["url"]]):
        return StoreOutcome(url=columns["url"], article_id=0, outcome=FORGOTTEN, version=0)

    existing = _find_article(db, aliases)
    if existing is None:
        article_id = insert_row(
            db,
            "articles",
            {**columns, "first_seen": fetched_at, "last_seen": fetched_at, "version": 1},
        )
        outcome, version = "new", 1
    elif existing["content_hash"] == columns["content_hash"]:
        article_id, version, outcome = existing["id"], existing["version"], "unchanged"
        if refetched:
            db.execute(
                "UPDATE articles SET last_seen = max(last_seen, ?), gone_at = NULL WHERE id = ?",
                [fetched_at, article_id],
            )
    else:
        article_id, version, outcome = existing["id"], existing["version"] + 1, "changed"
        seen = {"gone_at": None, "last_seen": max(existing["last_seen"], fetched_at)}
        _update(
            db,
            "articles",
            article_id,
            {**columns, "version": version, **(seen if refetched else {})},
        )

    page_id = _store_page(db, page, article_id) if refetched else _page_id(db, page)
    if outcome != "unchanged":
        insert_row(
            db,
            "revisions",
            {
                "article_id": article_id,
                "version": version,
                "content_hash": columns["content_hash"],
                "fetched_at": fetched_at,
                "url": columns["url"],
                **{name: columns[name] for name in REVISION_COLUMNS},
                "page_id": page_id,
                "reason": record.get("revision_reason") or "crawl",
                **change_columns(db, article_id, columns, first=outcome == "new"),
            },
        )
        # New content: signed (or its signature made beforehand used), its cluster re-checked.
        update_clusters(db, article_id, record.get("signed"))
    for url in aliases:
        db.execute(
            """
            INSERT INTO article_urls (url, article_id, first_seen, last_seen)
            VALUES (?, ?, ?, ?)
            ON CONFLICT (url) DO UPDATE SET last_seen = max(last_seen, excluded.last_seen)
            """
            if refetched
            else "INSERT OR IGNORE INTO article_urls (url, article_id, first_seen, last_seen) "
            "VALUES (?, ?, ?, ?)",
            [url, article_id, fetched_at, fetched_at],
        )
    if not refetched:
        return StoreOutcome(
            url=columns["url"], article_id=article_id, outcome=outcome, version=version
        )
    headers = page.get("headers") or {}
    _schedule(
        db,
        article_id,
        url=columns["url"],
        checked_at=fetched_at,
        changed=outcome != "unchanged",
        etag=headers.get("etag"),
        last_modified=headers.get("last-modified"),
        interval_for=interval_for,
    )
    return StoreOutcome(url=columns["url"], article_id=article_id, outcome=outcome, version=version)


def _check_one(
    db: sqlite_utils.Database, check: Mapping[str, Any], interval_for: IntervalFor | None
) -> StoreOutcome | None:
    """Record a revisit that brought no new content.

    ``check`` holds ``url``, ``fetched_at``, ``outcome`` (``unchanged``: the server answered
    304; ``gone``: 404, 410 or a redirect away) and optionally the ``etag`` and
    ``last_modified`` the answer carried. ``gone_at`` keeps the first time the article was
    found gone; nothing is deleted, and the article stays scheduled so a return is noticed.
    """
    if check["outcome"] not in CHECK_OUTCOMES:
        raise ValueError(f"unknown check outcome {check['outcome']!r}")
    existing = _find_article(db, [check["url"]])
    if existing is None:
        return None
    article_id, fetched_at = existing["id"], check["fetched_at"]
    if check["outcome"] == "unchanged":
        db.execute(
            "UPDATE articles SET last_seen = max(last_seen, ?), gone_at = NULL WHERE id = ?",
            [fetched_at, article_id],
        )
        db.execute(
            "UPDATE article_urls SET last_seen = max(last_seen, ?) WHERE url = ?",
            [fetched_at, check["url"]],
        )
    else:
        db.execute(
            "UPDATE articles SET gone_at = coalesce(gone_at, ?) WHERE id = ?",
            [fetched_at, article_id],
        )
    _schedule(
        db,
        article_id,
        url=check["url"],
        checked_at=fetched_at,
        changed=False,
        etag=check.get("etag"),
        last_modified=check.get("last_modified"),
        interval_for=interval_for,
    )
    return StoreOutcome(
        url=check["url"],
        article_id=article_id,
        outcome=check["outcome"],
        version=existing["version"],
    )


def _schedule(
    db: sqlite_utils.Database,
    article_id: int,
    *,
    url: str,
    checked_at: str,
    changed: bool,
    etag: str | None,
    last_modified: str | None,
    interval_for: IntervalFor | None,
) -> None:
    """Set when the article is checked next: its age and last change through the policy.

    Validators a 304 does not repeat are kept from the fetch that set them.
    """
    row = db.execute(
        "SELECT articles.published, articles.first_seen, schedule.last_change, schedule.etag, "
        "schedule.last_modified FROM articles LEFT JOIN schedule "
        "ON schedule.article_id = articles.id WHERE articles.id = ?",
        [article_id],
    ).fetchone()
    published, first_seen, last_change, old_etag, old_last_modified = row
    if changed or last_change is None:
        last_change = checked_at
    checked = instant_or_none(checked_at) or datetime.fromisoformat(first_seen)
    born = instant_or_none(published) or instant_or_none(first_seen) or checked
    since_change = checked - (instant_or_none(last_change) or checked)
    interval = (
        max(0, int(interval_for((checked - born).total_seconds(), since_change.total_seconds())))
        if interval_for is not None
        else 0
    )
    next_check = (checked + timedelta(seconds=interval)).replace(microsecond=0).isoformat()
    db.execute(
        """
        INSERT INTO schedule (article_id, url, next_check, interval_seconds, last_checked,
                              last_change, etag, last_modified)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (article_id) DO UPDATE SET
            url = excluded.url, next_check = excluded.next_check,
            interval_seconds = excluded.interval_seconds, last_checked = excluded.last_checked,
            last_change = excluded.last_change, etag = excluded.etag,
            last_modified = excluded.last_modified
        """,
        [
            article_id,
            url,
            next_check,
            interval,
            checked_at,
            last_change,
            etag or (None if changed else old_etag),
            last_modified or (None if changed else old_last_modified),
        ],
    )


def _find_article(db: sqlite_utils.Database, urls: Iterable[str]) -> dict[str, Any] | None:
    for url in urls:
        row = db.execute(
            """
            SELECT articles.id, articles.content_hash, articles.version, articles.last_seen
            FROM article_urls JOIN articles ON articles.id = article_urls.article_id
            WHERE article_urls.url = ?
            """,
            [url],
        ).fetchone()
        if row:
            return dict(zip(("id", "content_hash", "version", "last_seen"), row, strict=False))
    return None


def _store_page(db: sqlite_utils.Database, page: Mapping[str, Any], article_id: int) -> int:
    body: bytes = page["body"]
    digest = hashlib.sha256(body).hexdigest()
    row = db.execute(
        "SELECT id FROM pages WHERE url = ? AND html_sha256 = ?", [page["url"], digest]
    ).fetchone()
    if row:
        db.execute(
            "UPDATE pages SET last_fetched_at = max(last_fetched_at, ?), article_id = ? "
            "WHERE id = ?",
            [page["fetched_at"], article_id, row[0]],
        )
        return int(row[0])
    return insert_row(
        db,
        "pages",
        {
            "url": page["url"],
            "status": page["status"],
            "headers": json.dumps(dict(page.get("headers") or {}), sort_keys=True),
            "fetched_at": page["fetched_at"],
            "last_fetched_at": page["fetched_at"],
            "html_sha256": digest,
            "html_size": len(body),
            # Compressed beforehand by an extraction worker, or here.
            "html_gzip": page.get("body_gzip") or compress_page(body),
            "article_id": article_id,
        },
    )


def _update(db: sqlite_utils.Database, table: str, row_id: int, row: Mapping[str, Any]) -> None:
    """Set ``row``'s columns (names of ours, never input) of the row ``row_id``."""
    assignments = ", ".join(f"{name} = ?" for name in row)
    db.execute(f"UPDATE {table} SET {assignments} WHERE id = ?", [*row.values(), row_id])  # noqa: S608


def _page_id(db: sqlite_utils.Database, page: Mapping[str, Any]) -> int | None:
    """The stored page a re-extraction read (same URL, same body), without touching it."""
    digest = hashlib.sha256(page["body"]).hexdigest()
    row = db.execute(
        "SELECT id FROM pages WHERE url = ? AND html_sha256 = ?", [page["url"], digest]
    ).fetchone()
    return int(row[0]) if row else None


def _column_value(name: str, value: Any) -> Any:
    if name == "access":
        return value or "open"
    if name in JSON_COLUMNS and value is not None and not isinstance(value, str):
        return json.dumps(value, ensure_ascii=False, sort_keys=name != "authors")
    return value


def _unique(urls: Iterable[str | None]) -> list[str]:
    seen: dict[str, None] = {}
    for url in urls:
        if url:
            seen.setdefault(url, None)
    return list(seen)
