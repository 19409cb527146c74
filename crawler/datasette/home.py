"""The home page's figures and our stylesheet, for the ``index.html`` template.

Datasette names a database after its file's stem, so the home page cannot hard-code where the
search form posts: this plugin finds the archive among the served databases (the one with an
``articles`` table) and hands its name and a few numbers (articles, sites, last crawl) to
``templates/index.html``. The numbers come from three short reads, so the page stays fast on
a large archive: ``count(*)`` uses an index, and the rest read one row each.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pluggy import HookimplMarker

if TYPE_CHECKING:
    from datasette.app import Datasette
    from datasette.database import Database

# Datasette's own marker, made from typed pluggy: ``datasette.hookimpl`` is untyped for mypy.
hookimpl = HookimplMarker("datasette")

STYLESHEET = "/newsarchive/home.css"  # crawler/datasette/static/home.css on the static mount

FIGURES_SQL = """
select
  (select count(*) from articles) as articles,
  (select count(distinct site) from articles) as sites,
  (select max(started_at) from crawls) as last_crawl
""".strip()


@hookimpl
def extra_css_urls(datasette: Datasette) -> list[str]:
    """Our stylesheet on every page (home, search, tables, chart)."""
    return [datasette.urls.path(STYLESHEET)]


async def archive_database(datasette: Datasette) -> Database | None:
    """The served database that holds the archive (an ``articles`` table), if any."""
    for database in datasette.databases.values():
        if database.is_memory or database.name.startswith("_"):
            continue
        if await database.table_exists("articles"):
            return database
    return None


async def home_figures(datasette: Datasette) -> dict[str, Any] | None:
    """The archive's name and figures for the home page; None when no archive is served."""
    database = await archive_database(datasette)
    if database is None:
        return None
    row = (await database.execute(FIGURES_SQL)).first()
    return {
        "database": database.name,
        "articles": row["articles"],
        "sites": row["sites"],
        "last_crawl": row["last_crawl"],
    }


@hookimpl
def extra_template_vars(template: str, datasette: Datasette) -> Any:
    """``archive`` for the home page: see ``home_figures``."""
    if template != "index.html":
        return None

    async def inner() -> dict[str, Any]:
        return {"archive": await home_figures(datasette)}

    return inner
