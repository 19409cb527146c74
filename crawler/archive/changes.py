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
        "change_class": change.change_class,
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


# The ``changes`` and ``corrections`` canned queries (Datasette, and their Atom feeds through
# datasette-atom, which needs the ``atom_*`` columns). ``:days`` (default 7) counts back from
# ``:now`` (ISO 8601; default the current time). Times are compared as the archive stores
# them, ISO 8601 text in UTC.
_CHANGE_COLUMNS = """
  articles.id as article_id,
  coalesce(revisions.title, articles.title) as title,
  articles.site,
  revisions.version,
  revisions.change_class,
  revisions.changed_fields,
  revisions.fetched_at,
"""
_ATOM_COLUMNS = """
  'tag:newsarchive,2026:article/' || articles.id || '/version/' || revisions.version as atom_id,
  coalesce(revisions.title, articles.title, revisions.url) as atom_title,
  revisions.fetched_at as atom_updated,
  {article_base} || articles.id as atom_link,
"""
_RECENT = """
from revisions join articles on articles.id = revisions.article_id
where revisions.fetched_at > strftime(
    '%Y-%m-%dT%H:%M:%S+00:00',
    coalesce(nullif(:now, ''), 'now'),
    '-' || coalesce(nullif(:days, ''), 7) || ' days'
  )
  and revisions.fetched_at <= strftime('%Y-%m-%dT%H:%M:%S+00:00', coalesce(nullif(:now, ''), 'now'))
"""
CHANGES_SQL = (
    "select"
    + _CHANGE_COLUMNS
    + _ATOM_COLUMNS
    + """  'Version ' || revisions.version || ' of ' || articles.url || ' (' || articles.site
    || '): ' || revisions.change_class || ' change to ' || revisions.changed_fields
    as atom_content"""
    + _RECENT
    + """  and revisions.change_class = 'substantive'
order by revisions.fetched_at desc, revisions.id desc
limit 500"""
)
# Built from the constant pieces above: nothing from input is joined in.
CORRECTIONS_SQL = (
    "select"  # noqa: S608
    + _CHANGE_COLUMNS
    + """  (select group_concat(value, char(10)) from json_each(revisions.corrections))
    as corrections,"""
    + _ATOM_COLUMNS
    + """  (select group_concat(value, char(10)) from json_each(revisions.corrections))
    as atom_content"""
    + _RECENT
    + """  and json_valid(revisions.corrections)
  and json_array_length(revisions.corrections) > 0
order by revisions.fetched_at desc, revisions.id desc
limit 500"""
)


def change_queries(article_base: str) -> dict[str, str]:
    """The SQL of ``changes`` and ``corrections``, linking each row to ``article_base`` + id.

    ``article_base`` is a path such as ``/archive/articles/`` (the database's name is only
    known when it is served); it becomes an SQL string literal, quotes doubled.
    """
    literal = "'" + article_base.replace("'", "''") + "'"
    return {
        "changes": CHANGES_SQL.replace("{article_base}", literal),
        "corrections": CORRECTIONS_SQL.replace("{article_base}", literal),
    }
