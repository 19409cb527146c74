"""Datasette on the archive: metadata, canned queries, and the one way ``serve`` builds it.

``build_datasette`` is what ``newsarchive serve`` runs and what the tests query, so the tests
see exactly what a user sees. The archive is opened read-only (Datasette's default ``mode=ro``),
never ``immutable`` (``-i``): a crawl may be writing to it, and an immutable file is assumed
never to change. Datasette 0.65 keys metadata by the database name, which is the file's stem,
so the metadata is built for the file being served: otherwise canned queries silently vanish.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from datasette.app import Datasette
from datasette.plugins import pm
from datasette.utils import tilde_encode

from crawler.archive.changes import change_queries
from crawler.archive.clusters import CLUSTERS_SQL
from crawler.archive.reads import HEALTH_SQL, SITE_TOTALS_SQL

# Our Datasette plugins, one module per part of the archive they shape. They are registered
# by ``build_datasette`` rather than through an entry point, so the archive served is the same
# whether or not the package was reinstalled, and a plain ``datasette`` elsewhere is untouched.
PLUGIN_MODULES: tuple[str, ...] = (
    "crawler.datasette.article_page",  # the article page, its versions and raw pages
    "crawler.datasette.search_home",  # search that accepts typed words, highlighted results
    "crawler.datasette.home",  # the home page: search box, figures, ways in
    "crawler.datasette.table_articles",  # the articles table readable at 1280 px
    "crawler.datasette.home_chart",  # articles per day per site, drawn as SVG
    "crawler.datasette.atom_feeds",  # Atom feeds of changes and corrections, empty ones too
)
# Templates that override Datasette's own (index, row, query pages) and the files they use.
TEMPLATES_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"
STATIC_MOUNT = "newsarchive"  # served at /newsarchive/

# Best matches first: bm25 weighs a match in the headline 10, the standfirst 5, the text 1.
# search_match() (crawler/datasette/search_home.py) turns what was typed into FTS5 syntax;
# snippet() marks matched words with U+E000 / U+E001, turned into <mark> after escaping.
# A word in most articles would have every match ranked before the first page is known
# (127 ms at 100,000 articles): only the newest SEARCH_NEWEST matches (by id, the order the
# archive took them in) are ranked, which is every match of all but the most common words. The
# ranking picks the SEARCH_LIMIT ids alone; one more pass over the matches from the oldest of
# them on reads the text of those rows only, for snippet(). (The ``+`` keeps SQLite from
# answering the IN with one FTS5 lookup per id, which measured slower than the one pass.)
SEARCH_COLUMNS = """select
  articles.id,
  articles.title,
  articles.site_name,
  articles.published,
  snippet(articles_fts, 2, char(57344), char(57345), '…', 24) as snippet,
  articles.url
"""
SEARCH_SQL = """
with newest as (
  select rowid from articles_fts
  where articles_fts match search_match(:q)
  order by rowid desc
  limit {newest}
),
best as (
  select rowid from articles_fts
  where articles_fts match search_match(:q)
    and rowid >= (select min(rowid) from newest)
  order by bm25(articles_fts, 10, 5, 1), rowid desc
  limit {limit}
)
{columns}from articles_fts
join articles on articles.id = articles_fts.rowid
where articles_fts match search_match(:q)
  and articles_fts.rowid >= (select min(rowid) from best)
  and +articles_fts.rowid in (select rowid from best)
order by bm25(articles_fts, 10, 5, 1), articles_fts.rowid desc
limit {limit}
""".strip()
SEARCH_LIMIT = 100  # the search page says "the 100 best" when it is cut there
SEARCH_NEWEST = 2000  # matches ranked at most (the newest)
SEARCH_SQL = SEARCH_SQL.format(columns=SEARCH_COLUMNS, limit=SEARCH_LIMIT, newest=SEARCH_NEWEST)

# Articles edited after they were first archived, the latest change first.
CHANGED_ARTICLES_SQL = """
select
  articles.id,
  articles.title,
  articles.site_name,
  articles.version,
  max(revisions.fetched_at) as changed_at,
  articles.published
from articles
join revisions on revisions.article_id = articles.id
where articles.version > 1
group by articles.id
order by changed_at desc
limit 500
""".strip()

# Articles per site and publication day, over the :days (default 30) up to the newest one.
# Comparing the ISO text with a date (not substr of it) lets the published index find them.
ARTICLES_PER_DAY_SQL = """
select
  site,
  substr(published, 1, 10) as day,
  count(*) as articles
from articles
where published >= date(
    (select max(published) from articles),
    '-' || (coalesce(cast(nullif(:days, '') as integer), 30) - 1) || ' days'
  )
  and duplicate_of is null
group by day, site
order by day, site
""".strip()

LATEST_BY_SITE_SQL = """
select published, title, site_name, url, id, site
from (
  select site, site_name, published, title, url, id,
    row_number() over (partition by site order by published desc, id desc) as n
  from articles
  where duplicate_of is null
)
where n <= 10
order by site, published desc
""".strip()

ARTICLE_COLUMNS = {
    "id": "The article's identity; it stays when the URL changes (see article_urls)",
    "url": "The URL the article was last fetched at",
    "canonical_url": "The canonical URL the page declares, kept only when it names an article "
    "of the same site (not the home page, a section or a listing)",
    "site": "The site's slug in sites.toml",
    "site_name": "The site's display name",
    "title": "Headline",
    "description": "Standfirst or summary",
    "authors": "JSON list of author names",
    "published": "Publication time, ISO 8601 in UTC",
    "published_raw": "The publication date as the page gave it",
    "modified": "Last modification time the page declares, ISO 8601 in UTC",
    "modified_raw": "The modification date as the page gave it",
    "language": "Primary language subtag, such as en",
    "section": "Section of the site",
    "tags": "JSON list of tags or keywords",
    "body": "The article text, boilerplate removed; paragraphs separated by a blank line",
    "word_count": "Words in body",
    "lead_image": "JSON object: url, caption, credit",
    "source": "Wire or syndication credit, such as 'Israel Hayom via JNS'",
    "field_sources": "JSON object: where each field came from (json-ld, meta:..., html:...)",
    "access": "open, paywalled, consent_wall, js_required or truncated",
    "content_hash": "SHA-256 of headline, standfirst, authors and body",
    "first_seen": "When the archive first fetched the article (UTC)",
    "last_seen": "When the archive last fetched it (UTC)",
    "gone_at": "When the article disappeared (404/410 or redirected away)",
    "duplicate_of": "The earliest copy of the story this article copies (syndication clusters); "
    "NULL for the earliest copy and for articles archived once",
    "version": "How many distinct contents the article has had (see revisions)",
}


def metadata_for(database: str) -> dict[str, Any]:
    """Datasette metadata for an archive whose database name is ``database``."""
    change_sql = change_queries(f"/{tilde_encode(database)}/articles/")
    return {
        "title": "News archive",
        "description": "Articles archived by newsarchive: full text, revisions and raw pages.",
        "databases": {
            database: {
                "tables": {
                    "articles": {
                        "description": "One row per article, its latest content.",
                        "columns": ARTICLE_COLUMNS,
                        "sort_desc": "published",
                        "fts_table": "articles_fts",
                        "fts_pk": "id",
                        "facets": ["site", "language", "access", {"array": "authors"}],
                        "facet_size": 5,  # the rows, not the facet lists, above the fold
                        "label_column": "title",
                    },
                    "article_urls": {
                        "description": "Every URL an article was seen at, to its article id.",
                    },
                    "revisions": {
                        "description": "Every distinct content of an article over time.",
                    },
                    "pages": {
                        "description": "Raw fetches: status, headers and gzip-compressed HTML, "
                        "for re-extraction without crawling again.",
                    },
                    "crawls": {"description": "One row per run and site, with its counts."},
                    # The near-duplicate index (crawler/archive/clusters.py): bytes and band
                    # keys no reader browses; the clusters query shows what they find.
                    "article_signatures": {"hidden": True},
                    "article_bands": {"hidden": True},
                    "site_templates": {
                        "description": "Per site, the paragraphs that repeat across its pages "
                        "(newsletter prompts, theme lines) and are removed from bodies: "
                        "blocks lists them, state holds the counts they were learned from.",
                    },
                    "takedowns": {
                        "description": "Articles removed with newsarchive forget: the SHA-256 "
                        "of each URL they were known by (never the URL), when, and why. "
                        "Crawls do not archive them again.",
                    },
                },
                "queries": {
                    "search": {
                        "title": "Search articles",
                        "description": "Full-text search over headline, standfirst and text, "
                        "best matches first (bm25, the headline weighted above the text); "
                        f"a word found in more than {SEARCH_NEWEST:,} articles ranks the "
                        f"newest {SEARCH_NEWEST:,} of them.",
                        "sql": SEARCH_SQL,
                        "limit": SEARCH_LIMIT,  # read by templates/query.html
                    },
                    "changed_articles": {
                        "title": "Changed articles",
                        "description": "Articles whose content changed after they were first "
                        "archived, the latest change first; their versions are in revisions.",
                        "sql": CHANGED_ARTICLES_SQL,
                        "hide_sql": True,
                    },
                    "articles_per_day": {
                        "title": "Articles per day by site",
                        "description": "Articles per site and publication day over the days "
                        "(default 30) before the newest article; drawn at /DB/-/articles-per-day.",
                        "sql": ARTICLES_PER_DAY_SQL,
                    },
                    "latest_by_site": {
                        "title": "Latest articles by site",
                        "description": "The ten newest articles of each site.",
                        "sql": LATEST_BY_SITE_SQL,
                        "hide_sql": True,
                    },
                    "clusters": {
                        "title": "Syndication clusters",
                        "description": "One row per story archived more than once (the same "
                        "wire story on several sites, or the same text under several "
                        "addresses): its earliest copy, the number of copies, their sites, "
                        "and when the story was first and last seen. Largest first.",
                        "sql": CLUSTERS_SQL,
                        "hide_sql": True,
                    },
                    "health": {
                        "title": "Extraction health by site and day",
                        "description": "Per site and day an article was first archived: the "
                        "share of articles with an empty body, no date, no author or a "
                        "truncated body, and the median body length in characters. A site "
                        "redesign that breaks extraction shows here the next day. Parameters: "
                        "days (default 14), site (default all), now (ISO 8601; default the "
                        "current time). The same query as `newsarchive stats --health`.",
                        "sql": HEALTH_SQL,
                        "hide_sql": True,
                    },
                    "changes": {
                        "title": "Substantive changes",
                        "description": "Revisions that changed an article substantively "
                        "(new words in a headline, a changed figure, a new paragraph, a "
                        "correction), newest first. Parameters: days (default 7), now (ISO "
                        "8601; default the current time). Also as an Atom feed: changes.atom.",
                        "sql": change_sql["changes"],
                        "hide_sql": True,
                    },
                    "corrections": {
                        "title": "Corrections and update notices",
                        "description": "Revisions that brought a correction, clarification or "
                        "update notice, with its text, newest first. Parameters: days "
                        "(default 7), now (ISO 8601; default the current time). Also as an "
                        "Atom feed: corrections.atom.",
                        "sql": change_sql["corrections"],
                        "hide_sql": True,
                    },
                    "sites": {
                        "title": "Sites: articles, error rate, last crawl",
                        "description": "Per site: articles and how many are gone, articles "
                        "first archived per day over the last days, errors / requests of the "
                        "site's crawls in those days, the last crawl, its exit code and the "
                        "newest publication date. Parameters: days (default 7), site (default "
                        "all), now (ISO 8601; default the current time). The same query as "
                        "`newsarchive stats`.",
                        "sql": SITE_TOTALS_SQL,
                        "hide_sql": True,
                    },
                },
            }
        },
    }


def database_name(path: Path | str) -> str:
    """The name Datasette 0.65 gives a database file: its stem."""
    return Path(path).stem


def with_login(metadata: dict[str, Any], user: str, password_hash: str) -> dict[str, Any]:
    """``metadata`` where only ``user``, logged in through ``/-/login``, may see anything.

    datasette-auth-passwords checks the password against ``password_hash`` (made by its own
    ``datasette hash-password``) and sets a signed cookie; the instance-wide ``allow`` block
    refuses every other visitor (403) on every page but the login form.
    """
    return {
        **metadata,
        "allow": {"id": user},
        "plugins": {"datasette-auth-passwords": {f"{user}_password_hash": password_hash}},
    }


def build_datasette(
    path: Path | str,
    settings: dict[str, Any] | None = None,
    login: tuple[str, str] | None = None,
) -> Datasette:
    """The Datasette that ``newsarchive serve`` runs on the archive at ``path``.

    ``login`` (user name, password hash) closes it to everyone but that user.
    """
    path = Path(path)
    register_plugins()
    metadata = metadata_for(database_name(path))
    if login is not None:
        metadata = with_login(metadata, *login)
    return Datasette(
        files=[str(path)],
        metadata=metadata,
        template_dir=str(TEMPLATES_DIR),
        static_mounts=[(STATIC_MOUNT, str(STATIC_DIR))],
        settings={"sql_time_limit_ms": 1000, "max_returned_rows": 1000, **(settings or {})},
    )


def register_plugins() -> None:
    """Register ``PLUGIN_MODULES`` with Datasette's plugin manager (once per process)."""
    for name in PLUGIN_MODULES:
        module = importlib.import_module(name)
        if not pm.is_registered(module):
            pm.register(module, name=name)
