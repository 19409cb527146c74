"""The article page: Datasette's row page of ``articles``, made for a person to read.

Datasette's own ways, not a web app of our own: ``templates/row.html`` extends Datasette's
``row.html`` and, when the ``article`` variable is set, shows ``_article.html`` instead of the
one-row table. Overriding ``row.html`` rather than ``row-{db}-articles.html`` is what makes it
work whatever the archive file is called (the database name is the file's stem). The variable
comes from ``extra_template_vars``, read through ``crawler.archive.history`` on Datasette's own
read-only connection; every other row page, and the row's JSON, stay Datasette's.
``render_cell`` shows the JSON list columns of ``articles`` (authors, tags) as names in the
table view too. The raw page routes live in ``crawler.datasette.article_raw``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from datasette.utils import urlsafe_components
from pluggy import HookimplMarker

from crawler.archive import history
from crawler.datasette.article_raw import raw_page_routes, raw_prefix
from crawler.datasette.article_view import article_view

if TYPE_CHECKING:
    import sqlite3
    from collections.abc import Awaitable, Callable

    from datasette.app import Datasette
    from datasette.utils.asgi import Request

# Datasette's own marker, made from typed pluggy: ``datasette.hookimpl`` is untyped for mypy.
hookimpl = HookimplMarker("datasette")
TABLE = "articles"
STYLESHEET = "/newsarchive/article.css"
LIST_COLUMNS = ("authors", "tags")


def load_article(conn: sqlite3.Connection, article_id: int) -> dict[str, Any] | None:
    """The article page's data for ``article_id``, or None when there is no such article."""
    row = history.article(conn, article_id)
    if row is None:
        return None
    versions = history.versions(conn, article_id)
    return article_view(
        row,
        history=versions,
        diffs=history.diffs(versions),
        urls=history.article_urls(conn, article_id),
        earliest=history.earliest_copy(conn, article_id),
    )


def article_id_of(request: Request) -> int | None:
    """The article id in a row page's URL, or None when it is not a plain integer."""
    components = urlsafe_components(request.url_vars.get("pks", ""))
    if len(components) != 1 or not components[0].isdigit():
        return None
    return int(components[0])


@hookimpl
def extra_template_vars(
    view_name: str,
    table: str | None,
    database: str | None,
    request: Request | None,
    datasette: Datasette,
) -> Callable[[], Awaitable[dict[str, Any]]] | dict[str, Any]:
    if view_name != "row" or table != TABLE or database is None or request is None:
        return {}
    article_id = article_id_of(request)
    if article_id is None:
        return {}

    async def article_vars() -> dict[str, Any]:
        db = datasette.get_database(database)
        article = await db.execute_fn(lambda conn: load_article(conn, article_id))
        if article is None:
            return {}
        return {
            "article": article,
            "article_urls": {
                "row": datasette.urls.row(database, TABLE, str(article_id)),
                "json": datasette.urls.row(database, TABLE, str(article_id), format="json"),
                "revisions": datasette.urls.table(database, "revisions")
                + f"?article_id={article_id}",
                "raw": raw_prefix(datasette, database),
                "earliest": datasette.urls.row(database, TABLE, str(article["earliest"]["id"]))
                if article["earliest"]
                else None,
            },
        }

    return article_vars


@hookimpl
def extra_css_urls(view_name: str, table: str | None, datasette: Datasette) -> list[str]:
    if view_name == "row" and table == TABLE:
        return [datasette.urls.path(STYLESHEET)]
    return []


@hookimpl
def render_cell(value: Any, column: str, table: str | None) -> str | None:
    """Authors and tags of ``articles`` as names, not JSON (Jinja escapes the string)."""
    if table == TABLE and column in LIST_COLUMNS and isinstance(value, str):
        return ", ".join(history.json_list(value))
    return None


@hookimpl
def register_routes() -> list[tuple[str, Any]]:
    return raw_page_routes()
