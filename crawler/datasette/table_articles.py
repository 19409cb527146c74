"""The ``articles`` table readable at a glance: default columns, short cells, lists as lists.

Datasette 0.65 has no metadata setting for a table's default columns, and a redirect adding
``?_col=`` would leak those parameters into the page's own CSV and JSON links. So the columns
are chosen where the HTML is drawn: for the articles table view with neither ``_col`` nor
``_nocol`` in the URL, ``templates/_table.html`` shows only ``DEFAULT_COLUMNS`` and offers a
link to all of them; Datasette's ``?_col=`` / ``?_nocol=`` and the ``.json`` / ``.csv``
exports are untouched and return every column. Long text is cut to ``CELL_CHARS`` characters
in the table view only (the row page, ``/DB/articles/ID``, keeps the whole body).
JSON lists (authors, tags) are shown as names and JSON objects compactly, in both views.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from markupsafe import Markup
from pluggy import HookimplMarker

if TYPE_CHECKING:
    from collections.abc import Iterable

    from datasette.app import Datasette
    from datasette.utils.asgi import Request

# Datasette's own marker, made from typed pluggy: ``datasette.hookimpl`` is untyped for mypy.
hookimpl = HookimplMarker("datasette")

DEFAULT_COLUMNS = ("id", "title", "site", "published", "authors", "word_count", "version")
CELL_CHARS = 200
JSON_COLUMNS = frozenset({"authors", "tags", "lead_image", "field_sources"})
ISO_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(\+00:00|Z)$")


def shortened(text: str, limit: int = CELL_CHARS) -> str:
    """``text`` cut to ``limit`` characters at most, with an ellipsis when cut."""
    return text if len(text) <= limit else text[:limit].rstrip() + "…"


def json_cell(text: str) -> str | None:
    """A JSON list of names as ``a, b``; any other JSON compactly; None if not JSON."""
    try:
        value = json.loads(text)
    except ValueError:
        return None
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return ", ".join(value)
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
    return None


@hookimpl
def render_cell(value: Any, column: str, table: str | None) -> str | None:
    """The articles table's JSON columns as names or compact JSON (escaped by the template)."""
    if table != "articles" or column not in JSON_COLUMNS or not isinstance(value, str):
        return None
    return json_cell(value)


def short_time(text: str) -> str:
    """An ISO 8601 UTC time as ``YYYY-MM-DD HH:MM`` (the archive stores every time in UTC)."""
    return text[:16].replace("T", " ") if ISO_TIME.match(text) else text


def table_cell(cell: dict[str, Any], href: str | None = None) -> Markup | str:
    """A cell of the articles table view: markup (links) as is, times short, text shortened.

    ``href``, given for the title, makes the headline a link to the article's page.
    """
    value = cell["value"]
    if isinstance(value, Markup):
        return value
    text = shortened(short_time(str(value)))
    if href is not None:
        return Markup('<a href="{}">{}</a>').format(href, text)
    return text


def all_columns_url(request: Request, columns: list[str]) -> str:
    """This page's URL asking for every column with ``_col``."""
    args = [
        (key, value)
        for key in request.args
        if key not in ("_col", "_next")
        for value in request.args.getlist(key)
    ]
    args += [("_col", column) for column in columns]
    return f"{request.path}?{urlencode(args)}"


@hookimpl
def extra_template_vars(
    view_name: str,
    database: str | None,
    table: str | None,
    columns: list[str] | None,
    request: Request | None,
    datasette: Datasette,
) -> dict[str, Any] | None:
    """``articles_view`` for the articles table view: the columns to show and the cell filter."""
    if view_name != "table" or table != "articles" or request is None or database is None:
        return None
    chosen = "_col" in request.args or "_nocol" in request.args
    every = list(columns or [])

    def cell(cell: dict[str, Any], row: Iterable[dict[str, Any]]) -> Markup | str:
        if cell["column"] != "title":
            return table_cell(cell)
        ids = [other["raw"] for other in row if other["column"] == "id"]
        href = datasette.urls.row(database, "articles", str(ids[0])) if ids else None
        return table_cell(cell, href)

    return {
        "articles_view": {
            "columns": None if chosen else [c for c in DEFAULT_COLUMNS if c in every],
            "all_columns": len(every),
            "all_columns_url": all_columns_url(request, every),
            "cell": cell,
        }
    }
