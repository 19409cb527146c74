"""The change columns of a new revision: ``changed_fields``, ``change_class``, ``corrections``.

The comparison itself is pure (``crawler.revisions.classify``); this module reads the version
it compares against (the article's latest revision, inside the writer's transaction) and turns
the result into column values. The classes and thresholds are described in the README
("What changed").
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from crawler.revisions.classify import COMPARED_FIELDS, describe_change

if TYPE_CHECKING:
    from collections.abc import Mapping

    import sqlite_utils


def change_columns(
    db: sqlite_utils.Database, article_id: int, columns: Mapping[str, Any], first: bool
) -> dict[str, Any]:
    """The change columns for a revision of ``article_id`` holding ``columns``.

    ``first``: it is the article's first version (no class, no changed fields). Called before
    the new revision is inserted, so the latest stored revision is the version before.
    """
    previous = None if first else latest_revision(db, article_id)
    change = describe_change(previous, columns)
    return {
        "changed_fields": None if previous is None else json.dumps(change.changed_fields),
        "change_class": change.change_class or None,
        "corrections": json.dumps(change.corrections, ensure_ascii=False)
        if change.corrections
        else None,
    }


def latest_revision(db: sqlite_utils.Database, article_id: int) -> dict[str, Any] | None:
    """The compared fields of the article's latest revision, or None if it has none."""
    row = db.execute(
        "SELECT title, description, authors, published, modified, body FROM revisions "
        "WHERE article_id = ? ORDER BY version DESC LIMIT 1",
        [article_id],
    ).fetchone()
    return None if row is None else dict(zip(COMPARED_FIELDS, row, strict=True))


def last_revision_id(db: sqlite_utils.Database) -> int:
    """The id of the newest revision (0 in an empty archive): a mark to list what came after."""
    row = db.execute("SELECT max(id) FROM revisions").fetchone()
    return int(row[0] or 0)


def changes_after(db: sqlite_utils.Database, revision_id: int) -> list[dict[str, Any]]:
    """Revisions after ``revision_id`` that changed a known article, oldest first.

    Each has the article's ``url`` and current ``title``, the ``version``, ``change_class``,
    and ``changed_fields`` and ``corrections`` as lists.
    """
    rows = db.execute(
        """
        SELECT articles.url, articles.title, revisions.version, revisions.change_class,
               revisions.changed_fields, revisions.corrections
        FROM revisions JOIN articles ON articles.id = revisions.article_id
        WHERE revisions.id > ? AND revisions.version > 1
        ORDER BY revisions.id
        """,
        [revision_id],
    ).fetchall()
    return [
        {
            "url": url,
            "title": title,
            "version": version,
            "change_class": change_class,
            "changed_fields": json.loads(fields or "[]"),
            "corrections": json.loads(corrections or "[]"),
        }
        for url, title, version, change_class, fields, corrections in rows
    ]
