"""The ``search`` canned query's plugin: what readers type becomes FTS5, results link home.

Datasette runs only SQL, so the translation of typed words into an FTS5 expression
(``crawler.datasette.search_query``) is registered as the SQL function ``search_match(:q)``
through ``prepare_connection``: the canned query stays plain SQL that a reader can open and
edit, and Python's parser is the one the unit tests check. An empty query becomes an FTS5
expression that matches nothing, so the page opened without ``q`` answers 200 with the form.

In the HTML results, the headline links to the archived copy (``/DB/articles/ID``), which
outlives the original URL, and the snippet's matched words are highlighted. FTS5's
``snippet()`` marks them with two private-use characters rather than ``<mark>``: the stored
text is escaped first and only then are those characters turned into tags, so a scraped
``<script>`` stays text while the highlight stays markup.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from markupsafe import Markup, escape
from pluggy import HookimplMarker

from crawler.datasette.search_query import to_fts5_match

if TYPE_CHECKING:
    import sqlite3

    from datasette.app import Datasette

# Datasette's own marker, made from typed pluggy: ``datasette.hookimpl`` is untyped for mypy.
hookimpl = HookimplMarker("datasette")

MARK_START = "\ue000"  # what snippet() puts before a matched word (see SEARCH_SQL)
MARK_END = "\ue001"
MARKED = re.compile(f"{MARK_START}([^{MARK_START}{MARK_END}]*){MARK_END}")
# The columns that tell an article row of a query (search, latest_by_site, changed_articles)
# from any other query's: revisions and pages have an id and a title but no site_name.
ARTICLE_COLUMNS = frozenset({"id", "title", "site_name"})


@hookimpl
def prepare_connection(conn: sqlite3.Connection) -> None:
    """``search_match(text)``: the FTS5 expression for what a reader typed."""
    conn.create_function("search_match", 1, to_fts5_match, deterministic=True)


def highlighted(snippet: str) -> Markup:
    """``snippet`` escaped, its marked words in ``<mark>``; stray marker characters dropped."""
    parts: list[Markup] = []
    position = 0
    for match in MARKED.finditer(snippet):
        parts.append(escape(strip_marks(snippet[position : match.start()])))
        parts.append(Markup("<mark>{}</mark>").format(match.group(1)))
        position = match.end()
    parts.append(escape(strip_marks(snippet[position:])))
    return Markup("").join(parts)


def strip_marks(text: str) -> str:
    """``text`` without the highlight marker characters."""
    return text.replace(MARK_START, "").replace(MARK_END, "")


def is_article_row(row: Any) -> bool:
    """Whether a query result row is an article's (has ``ARTICLE_COLUMNS``)."""
    keys = getattr(row, "keys", None)
    return keys is not None and set(keys()) >= ARTICLE_COLUMNS


@hookimpl
def render_cell(
    row: Any, value: Any, column: str, table: str | None, database: str, datasette: Datasette
) -> Markup | None:
    """In article queries, the headline as a link to the archived article, the snippet marked."""
    if table is not None or not is_article_row(row) or not isinstance(value, str):
        return None
    if column == "snippet":
        return highlighted(value)
    if column == "title":
        href = datasette.urls.row(database, "articles", str(row["id"]))
        return Markup('<a class="search-hit" href="{}">{}</a>').format(href, value)
    return None
