"""Atom feeds that stay valid when empty: datasette-atom's renderer, and an empty feed.

datasette-atom 0.9 builds the feed's ``<updated>`` from ``max()`` of the rows' ``atom_updated``
and so answers 500 on an empty result, which a feed of "changes in the last 7 days" often is.
A feed reader would see an error for a quiet week. This plugin takes the ``.atom`` extension
over (``trylast``: the last renderer registered for an extension wins), answers an empty result
with an empty feed built by the same library (feedgen) and leaves every other result to
datasette-atom, so escaping and everything else stay the library's.
"""

from __future__ import annotations

from typing import Any

import datasette_atom
from datasette import hookimpl
from datasette.utils.asgi import Response
from feedgen.feed import FeedGenerator

from crawler.clock import now


@hookimpl(trylast=True)  # type: ignore[untyped-decorator]
def register_output_renderer(datasette: Any) -> dict[str, Any]:
    return {
        "extension": "atom",
        "render": render_atom,
        "can_render": datasette_atom.can_render_atom,
    }


def render_atom(
    datasette: Any,
    request: Any,
    sql: str,
    columns: list[str],
    rows: list[Any],
    database: str,
    table: str | None,
    query_name: str | None,
    view_name: str,
    data: dict[str, Any],
) -> Response:
    if rows or not datasette_atom.REQUIRED_COLUMNS.issubset(columns):
        return datasette_atom.render_atom(
            datasette, request, sql, columns, rows, database, table, query_name, view_name, data
        )
    feed = FeedGenerator()
    feed.id(request.url)
    feed.link(href=request.url, rel="self")
    feed.updated(now().replace(microsecond=0))
    title = sql
    if query_name:
        query = (datasette.metadata(database=database) or {}).get("queries", {}).get(query_name)
        title = (query or {}).get("title") or query_name
    feed.title(title)
    return Response(
        feed.atom_str(pretty=True), content_type="application/xml; charset=utf-8", status=200
    )
