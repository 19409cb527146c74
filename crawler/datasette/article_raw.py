"""The stored raw page of an article, as its source and rendered, without letting it run.

A stored page is whatever a site sent: scripts, forms, trackers. It must never run code in
the archive's origin (where a script could read every other page, or act as a logged-in
reader), and showing it must not call the original site (no hot-linking, no tracking). So:

- ``/-/raw/DB/PAGE_ID`` serves the bytes as stored with ``Content-Security-Policy: sandbox``
  (an opaque origin, no scripts, no forms) and ``default-src 'none'`` (nothing is fetched:
  images, styles and frames from the original site stay unloaded), plus ``nosniff``; opened
  directly, it is as inert as inside the frame.
- ``/-/page/DB/PAGE_ID`` shows it inside ``<iframe sandbox>`` with no ``allow-scripts`` and no
  ``allow-same-origin``; ``/-/page/DB/PAGE_ID/source`` shows the HTML source as escaped text.

The charset is the one the site declared (header, then ``<meta>``), found with w3lib, the
library Scrapy itself decodes pages with. Both routes ask Datasette whether the visitor may
see the ``pages`` table, so a ``serve --login`` archive stays closed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from datasette.utils import tilde_decode, tilde_encode
from datasette.utils.asgi import NotFound, Response
from w3lib.encoding import (
    html_body_declared_encoding,
    html_to_unicode,
    http_content_type_encoding,
)

from crawler.archive import history
from crawler.datasette.article_view import safe_href, when

if TYPE_CHECKING:
    from datasette.app import Datasette
    from datasette.utils.asgi import Request

# Nothing runs, nothing is fetched; inline styles are kept so the page still looks like itself.
RAW_CSP = (
    "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'"
)
RAW_HEADERS = {
    "Content-Security-Policy": RAW_CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
TEMPLATE = "_article_raw.html"


def raw_page_routes() -> list[tuple[str, Any]]:
    """The routes ``register_routes`` adds."""
    return [
        (r"^/-/raw/(?P<database>[^/]+)/(?P<page_id>[0-9]+)$", raw_bytes),
        (r"^/-/page/(?P<database>[^/]+)/(?P<page_id>[0-9]+)$", raw_rendered),
        (r"^/-/page/(?P<database>[^/]+)/(?P<page_id>[0-9]+)/source$", raw_source),
    ]


def raw_prefix(datasette: Datasette, database: str, kind: str = "page") -> str:
    """``/-/page/ROUTE/`` (or ``/-/raw/ROUTE/``): a page id appended makes the link."""
    route = datasette.get_database(database).route
    return str(datasette.urls.path(f"/-/{kind}/{tilde_encode(route)}/"))


def charset_of(page: history.RawPage) -> str | None:
    """The charset the site declared for the page (header, then ``<meta>``), or None."""
    found = http_content_type_encoding(page.headers.get("content-type"))
    return found or html_body_declared_encoding(page.body)


async def load_page(datasette: Datasette, request: Request) -> tuple[str, history.RawPage]:
    """The database name and the page the URL names; 403 or 404 when not to be shown."""
    route = tilde_decode(request.url_vars["database"])
    try:
        db = datasette.get_database(route=route)
    except KeyError:
        raise NotFound(f"No database {route}") from None
    database = db.name
    await datasette.ensure_permissions(
        request.actor,
        [("view-table", (database, "pages")), ("view-database", database), "view-instance"],
    )
    page_id = int(request.url_vars["page_id"])
    page = await db.execute_fn(lambda conn: history.raw_page(conn, page_id))
    if page is None:
        raise NotFound(f"No stored page {page_id} in {database}")
    return database, page


async def raw_bytes(datasette: Datasette, request: Request) -> Response:
    """The page's bytes as stored, served so that they cannot run or fetch anything."""
    _, page = await load_page(datasette, request)
    charset = charset_of(page)
    content_type = f"text/html; charset={charset}" if charset else "text/html"
    return Response(page.body, headers=dict(RAW_HEADERS), content_type=content_type)


async def raw_rendered(datasette: Datasette, request: Request) -> Response:
    """The page rendered inside a sandboxed frame."""
    return await _raw_view(datasette, request, "rendered")


async def raw_source(datasette: Datasette, request: Request) -> Response:
    """The page's HTML source as text."""
    return await _raw_view(datasette, request, "source")


async def _raw_view(datasette: Datasette, request: Request, mode: str) -> Response:
    database, page = await load_page(datasette, request)
    source = None
    if mode == "source":
        _, source = html_to_unicode(page.headers.get("content-type"), page.body)
    base = f"{raw_prefix(datasette, database)}{page.id}"
    context = {
        "mode": mode,
        "database": database,
        "page": page,
        "page_href": safe_href(page.url),
        "fetched_at": when(page.fetched_at),
        "source": source,
        "charset": charset_of(page),
        "urls_raw": {
            "bytes": f"{raw_prefix(datasette, database, 'raw')}{page.id}",
            "rendered": base,
            "source": base + "/source",
            "article": datasette.urls.row(database, "articles", str(page.article_id))
            if page.article_id is not None
            else None,
        },
    }
    html = await datasette.render_template(TEMPLATE, context, request=request)
    return Response.html(html)
