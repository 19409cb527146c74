"""Site templates in the archive: what template learning knows per site, and body clean-ups.

The learner's state is stored as JSON, one row per site, so a later crawl, a re-extraction or
a worker process starts from what earlier crawls learned. When a crawl learns a block only
after some of its articles were stored (the first crawl of a site: nothing is template before
``template_min_pages`` pages were seen), those bodies are cleaned in place at the crawl's end,
in the same transaction that saves the template. In place, not as new revisions: the article
did not change, its extraction improved, and a new revision would claim an edit the site never
made (and the next crawl, extracting with the template from its start, finds the same hash).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from crawler.archive.clusters import update_clusters
from crawler.archive.connection import write_transaction

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Sequence

    import sqlite_utils


@dataclass(frozen=True)
class BodyUpdate:
    """A stored article's body with the template removed, and what follows from it."""

    article_id: int
    old_hash: str
    body: str
    word_count: int
    content_hash: str
    field_sources: dict[str, Any]


def load_site_template(db: sqlite_utils.Database, site: str) -> dict[str, Any] | None:
    """The learner state saved for ``site`` (``SiteTemplate.to_json()``), if any."""
    row = db.execute("SELECT state FROM site_templates WHERE site = ?", [site]).fetchone()
    if row is None:
        return None
    try:
        state = json.loads(row[0])
    except ValueError:
        return None
    return state if isinstance(state, dict) else None


def site_bodies(db: sqlite_utils.Database, site: str, limit: int) -> list[tuple[str, str]]:
    """``(url, body)`` of the site's newest articles: what an archive from before template
    learning holds, to learn from when the site has no saved template yet."""
    return [
        (str(url), str(body))
        for url, body in db.execute(
            "SELECT url, body FROM articles WHERE site = ? AND body IS NOT NULL "
            "ORDER BY last_seen DESC, id DESC LIMIT ?",
            [site, limit],
        ).fetchall()
    ]


def stored_articles(
    db: sqlite_utils.Database, article_ids: Iterable[int]
) -> Iterator[dict[str, Any]]:
    """id, body, title, description, authors (list), content_hash, field_sources (dict).

    One article at a time: a crawl's end reads back every article it stored, and a list of
    them held every body of the run at once (~14 KB an article, the crawl's peak memory).
    """
    for article_id in sorted(set(article_ids)):
        row = db.execute(
            "SELECT id, body, title, description, authors, content_hash, field_sources "
            "FROM articles WHERE id = ?",
            [article_id],
        ).fetchone()
        if row is None:
            continue
        record = dict(
            zip(
                ("id", "body", "title", "description", "authors", "content_hash", "field_sources"),
                row,
                strict=True,
            )
        )
        record["authors"] = _json(record["authors"], [])
        record["field_sources"] = _json(record["field_sources"], {})
        yield record


def save_site_template(
    db: sqlite_utils.Database,
    site: str,
    *,
    state: dict[str, Any],
    blocks: Sequence[str],
    updated_at: str,
    updates: Iterable[BodyUpdate] = (),
) -> int:
    """Save a site's learner and clean the given bodies, in one ``BEGIN IMMEDIATE`` transaction.

    Each update rewrites the article's body, word count, hash and field sources (the FTS
    triggers follow, and the body's near-duplicate signature is made again), and the revision
    that holds the article's current content, so the archive keeps no copy of the template in
    that version. An article whose hash moved on since it was read is left alone. Returns how
    many articles were cleaned. ``updates`` is read once, inside the transaction: it may be a
    generator, so that only one cleaned body is held at a time.
    """
    cleaned = 0
    with write_transaction(db):
        db.execute(
            """
            INSERT INTO site_templates (site, pages_seen, blocks, state, updated_at)
            VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (site) DO UPDATE SET pages_seen = excluded.pages_seen,
                blocks = excluded.blocks, state = excluded.state,
                updated_at = excluded.updated_at
            """,
            [
                site,
                int(state.get("pages", 0)),
                json.dumps(list(blocks), ensure_ascii=False),
                json.dumps(state, ensure_ascii=False, sort_keys=True),
                updated_at,
            ],
        )
        for update in updates:
            cursor = db.execute(
                "UPDATE articles SET body = ?, word_count = ?, content_hash = ?, "
                "field_sources = ? WHERE id = ? AND content_hash = ?",
                [
                    update.body,
                    update.word_count,
                    update.content_hash,
                    json.dumps(update.field_sources, ensure_ascii=False, sort_keys=True),
                    update.article_id,
                    update.old_hash,
                ],
            )
            if cursor.rowcount != 1:
                continue
            cleaned += 1
            db.execute(
                "UPDATE revisions SET body = ?, word_count = ?, content_hash = ? "
                "WHERE article_id = ? AND content_hash = ? "
                "AND version = (SELECT version FROM articles WHERE id = ?)",
                [
                    update.body,
                    update.word_count,
                    update.content_hash,
                    update.article_id,
                    update.old_hash,
                    update.article_id,
                ],
            )
            update_clusters(db, update.article_id)  # the cleaned body is signed anew
    return cleaned


def _json(text: Any, default: Any) -> Any:
    if not isinstance(text, str):
        return default
    try:
        return json.loads(text)
    except ValueError:
        return default
