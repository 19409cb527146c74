"""The archive schema and its migrations.

The schema version lives in SQLite's ``PRAGMA user_version``. Each migration takes the archive
from one version to the next inside the caller's write transaction, so a failed migration
leaves the file as it was. An archive written by a newer newsarchive is refused rather than
guessed at: an older program could silently drop columns it does not know.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from crawler.archive.clusters import add_cluster_tables

if TYPE_CHECKING:
    from collections.abc import Callable

    import sqlite_utils

# The articles columns in table order; ArticleItem's fields are these (tests check both).
ARTICLE_COLUMNS = (
    "id",
    "url",
    "canonical_url",
    "site",
    "site_name",
    "title",
    "description",
    "authors",
    "published",
    "published_raw",
    "modified",
    "modified_raw",
    "language",
    "section",
    "tags",
    "body",
    "word_count",
    "lead_image",
    "source",
    "field_sources",
    "access",
    "content_hash",
    "first_seen",
    "last_seen",
    "gone_at",
    "duplicate_of",
    "version",
)
# Kept by the archive itself, never taken from a fetch.
BOOKKEEPING_COLUMNS = ("first_seen", "last_seen", "gone_at", "duplicate_of", "version")

ARTICLES_SQL = """
CREATE TABLE articles (
    id INTEGER PRIMARY KEY,
    url TEXT NOT NULL,
    canonical_url TEXT,
    site TEXT NOT NULL,
    site_name TEXT,
    title TEXT,
    description TEXT,
    authors TEXT,              -- JSON list of names
    published TEXT,            -- ISO 8601, UTC
    published_raw TEXT,
    modified TEXT,             -- ISO 8601, UTC
    modified_raw TEXT,
    language TEXT,
    section TEXT,
    tags TEXT,                 -- JSON list
    body TEXT,
    word_count INTEGER,
    lead_image TEXT,           -- JSON object: url, caption, credit
    source TEXT,
    field_sources TEXT,        -- JSON object: field -> where it came from
    access TEXT NOT NULL DEFAULT 'open',
    content_hash TEXT NOT NULL,
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    gone_at TEXT,
    duplicate_of INTEGER REFERENCES articles(id),
    version INTEGER NOT NULL DEFAULT 1
)
"""

ARTICLE_URLS_SQL = """
CREATE TABLE article_urls (
    url TEXT PRIMARY KEY,
    article_id INTEGER NOT NULL REFERENCES articles(id),
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL
)
"""

REVISIONS_SQL = """
CREATE TABLE revisions (
    id INTEGER PRIMARY KEY,
    article_id INTEGER NOT NULL REFERENCES articles(id),
    version INTEGER NOT NULL,
    content_hash TEXT NOT NULL,
    fetched_at TEXT NOT NULL,
    url TEXT NOT NULL,
    title TEXT,
    description TEXT,
    authors TEXT,
    published TEXT,
    modified TEXT,
    body TEXT,
    word_count INTEGER,
    page_id INTEGER REFERENCES pages(id),
    UNIQUE (article_id, version)
)
"""

PAGES_SQL = """
CREATE TABLE pages (
    id INTEGER PRIMARY KEY,
    url TEXT NOT NULL,
    status INTEGER NOT NULL,
    headers TEXT,              -- JSON object
    fetched_at TEXT NOT NULL,  -- first fetch of this exact body
    last_fetched_at TEXT NOT NULL,
    html_sha256 TEXT NOT NULL,
    html_size INTEGER NOT NULL,
    html_gzip BLOB NOT NULL,   -- the body as fetched, gzip-compressed
    article_id INTEGER REFERENCES articles(id),
    UNIQUE (url, html_sha256)
)
"""

CRAWLS_SQL = """
CREATE TABLE crawls (
    id INTEGER PRIMARY KEY,
    site TEXT NOT NULL,
    command TEXT NOT NULL,     -- crawl or archive
    started_at TEXT NOT NULL,
    finished_at TEXT,
    articles_new INTEGER NOT NULL DEFAULT 0,
    articles_changed INTEGER NOT NULL DEFAULT 0,
    articles_unchanged INTEGER NOT NULL DEFAULT 0,
    pages_skipped INTEGER NOT NULL DEFAULT 0,
    errors INTEGER NOT NULL DEFAULT 0,
    finish_reason TEXT,
    exit_code INTEGER
)
"""

INDEXES_SQL = (
    "CREATE INDEX idx_articles_site_published ON articles (site, published)",
    "CREATE INDEX idx_articles_published ON articles (published)",
    "CREATE INDEX idx_articles_content_hash ON articles (content_hash)",
    "CREATE INDEX idx_article_urls_article ON article_urls (article_id)",
    "CREATE INDEX idx_revisions_article ON revisions (article_id, version)",
    "CREATE INDEX idx_pages_article ON pages (article_id)",
    "CREATE INDEX idx_crawls_site ON crawls (site, started_at)",
)

# One row per (article, author): "articles by author" as an indexed lookup for SQL users,
# derived from the JSON list so it can never disagree with it.
ARTICLE_AUTHORS_VIEW_SQL = """
CREATE VIEW article_authors AS
SELECT articles.id AS article_id, json_each.value AS author, articles.site, articles.published
FROM articles, json_each(articles.authors)
WHERE json_valid(articles.authors)
"""


def _create_v1(db: sqlite_utils.Database) -> None:
    for statement in (ARTICLES_SQL, ARTICLE_URLS_SQL, PAGES_SQL, REVISIONS_SQL, CRAWLS_SQL):
        db.execute(statement)
    for statement in INDEXES_SQL:
        db.execute(statement)
    db.execute(ARTICLE_AUTHORS_VIEW_SQL)
    # FTS5 over what a reader searches; triggers keep it in step with every write.
    db.table("articles").enable_fts(
        ["title", "description", "body"], fts_version="FTS5", create_triggers=True
    )


# One row per site: what template learning knows of it (crawler.extract.templates). The
# ``state`` JSON is the learner itself (block counts, pages seen); ``blocks`` lists the sample
# text of the blocks judged template when it was saved, for people reading the archive.
SITE_TEMPLATES_SQL = """
CREATE TABLE site_templates (
    site TEXT PRIMARY KEY,
    pages_seen INTEGER NOT NULL,
    blocks TEXT NOT NULL,      -- JSON list: sample text of each template block
    state TEXT NOT NULL,       -- JSON: SiteTemplate.to_json()
    updated_at TEXT NOT NULL
)
"""


def _add_site_templates_v2(db: sqlite_utils.Database) -> None:
    db.execute(SITE_TEMPLATES_SQL)


# One row per article: when to check it again and what to send when we do. The validators
# (ETag, Last-Modified) live here rather than in a table of their own because they belong to
# exactly the URL a revisit requests, and one row per article means one write per check, in the
# same transaction as the article, so the schedule and the articles never disagree. An article
# with no row (archived before schema 3, or by a tool that sets no schedule) is due.
SCHEDULE_SQL = """
CREATE TABLE schedule (
    article_id INTEGER PRIMARY KEY REFERENCES articles(id),
    url TEXT NOT NULL,             -- the URL a revisit requests (the last one fetched)
    next_check TEXT NOT NULL,      -- ISO 8601, UTC
    interval_seconds INTEGER NOT NULL,
    last_checked TEXT NOT NULL,    -- the last fetch, full or conditional
    last_change TEXT NOT NULL,     -- the last fetch that found new content
    etag TEXT,
    last_modified TEXT
)
"""


def _add_schedule_v3(db: sqlite_utils.Database) -> None:
    db.execute(SCHEDULE_SQL)
    db.execute("CREATE INDEX idx_schedule_next_check ON schedule (next_check)")


# The denominator of a site's error rate: the requests the crawl handed to the downloader
# (Scrapy's ``downloader/request_count``: pages, feeds, sitemaps, robots.txt, retries and
# revisits). ``errors`` alone cannot tell a bad day of a large site from a small one. Crawls
# recorded before schema 4 keep NULL: their request count is unknown, not zero.
def _add_crawl_requests_v4(db: sqlite_utils.Database) -> None:
    db.execute("ALTER TABLE crawls ADD COLUMN requests INTEGER")


# Search in the many languages an archive holds: FTS5's default ``unicode61`` tokenizer keeps
# diacritics, so "Zurich" never finds "Zürich" nor "cafe" "café". ``remove_diacritics 2`` folds
# them on both sides (the index and the query), including the letters that version 1 of the
# option missed. The index is rebuilt from the articles, with its triggers.
FTS_TOKENIZER = "unicode61 remove_diacritics 2"


def _fold_diacritics_in_search_v5(db: sqlite_utils.Database) -> None:
    db.table("articles").enable_fts(
        ["title", "description", "body"],
        fts_version="FTS5",
        create_triggers=True,
        tokenize=FTS_TOKENIZER,
        replace=True,
    )


# What a reader of revisions needs beyond the content itself:
# - ``changed_fields``: JSON list of the fields that differ from the version before (NULL for
#   an article's first version);
# - ``change_class``: ``trivial`` (white space, punctuation, timestamps), ``cosmetic`` (a few
#   words) or ``substantive`` (NULL for a first version);
# - ``corrections``: JSON list of the correction and "Updated ..." notices this version's text
#   brought that the version before did not have;
# - ``reason``: why the version was written: ``crawl`` (a fetch found new content),
#   ``reextract`` (a better extractor read a stored page again) or ``import`` (a WARC).
# Takedowns: ``newsarchive forget`` removes an article everywhere and keeps only the SHA-256 of
# each URL it was known by, so later crawls and imports can refuse it without the archive
# still naming it.
TAKEDOWNS_SQL = """
CREATE TABLE takedowns (
    url_hash TEXT PRIMARY KEY,     -- SHA-256 hex of the URL (crawler.urls identity form)
    forgotten_at TEXT NOT NULL,    -- ISO 8601, UTC
    reason TEXT NOT NULL
)
"""


def _add_revision_classes_and_takedowns_v6(db: sqlite_utils.Database) -> None:
    for column, kind in (
        ("changed_fields", "TEXT"),
        ("change_class", "TEXT"),
        ("corrections", "TEXT"),
        ("reason", "TEXT NOT NULL DEFAULT 'crawl'"),
    ):
        db.execute(f"ALTER TABLE revisions ADD COLUMN {column} {kind}")
    db.execute(TAKEDOWNS_SQL)


# The full-text index follows only the columns it holds. sqlite-utils' update trigger fires on
# every UPDATE of an article, so each revisit that only moved ``last_seen`` (a 304, an
# unchanged page), and each ``duplicate_of`` or ``gone_at`` change, deleted and re-indexed the
# whole body. ``AFTER UPDATE OF`` limits it to the indexed columns; the index itself is unchanged.
REINDEX_ON_TEXT_CHANGE_SQL = """
CREATE TRIGGER articles_au AFTER UPDATE OF title, description, body ON articles BEGIN
  INSERT INTO articles_fts (articles_fts, rowid, title, description, body)
    VALUES ('delete', old.rowid, old.title, old.description, old.body);
  INSERT INTO articles_fts (rowid, title, description, body)
    VALUES (new.rowid, new.title, new.description, new.body);
END
"""


def _reindex_only_on_text_change_v8(db: sqlite_utils.Database) -> None:
    db.execute("DROP TRIGGER IF EXISTS articles_au")
    db.execute(REINDEX_ON_TEXT_CHANGE_SQL)


MIGRATIONS: tuple[Callable[[sqlite_utils.Database], None], ...] = (
    _create_v1,
    _add_site_templates_v2,
    _add_schedule_v3,
    _add_crawl_requests_v4,
    _fold_diacritics_in_search_v5,
    _add_revision_classes_and_takedowns_v6,
    # Syndication clusters: MinHash signatures and LSH band keys of article bodies
    # (crawler.archive.clusters), built here for the articles already stored.
    add_cluster_tables,
    _reindex_only_on_text_change_v8,
)
SCHEMA_VERSION = len(MIGRATIONS)


def schema_version(db: sqlite_utils.Database) -> int:
    return int(db.execute("PRAGMA user_version").fetchone()[0])


def migrate(db: sqlite_utils.Database) -> int:
    """Bring the archive to ``SCHEMA_VERSION``; returns the version it was at."""
    found = schema_version(db)
    if found > SCHEMA_VERSION:
        raise ValueError(
            f"archive schema version {found} is newer than this newsarchive knows "
            f"({SCHEMA_VERSION}): upgrade newsarchive"
        )
    if found == 0 and db.table_names() and "articles" not in db.table_names():
        raise ValueError("the file holds other tables, not a newsarchive archive")
    for version in range(found, SCHEMA_VERSION):
        MIGRATIONS[version](db)
        db.execute(f"PRAGMA user_version = {version + 1}")
    return found
