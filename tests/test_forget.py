"""``newsarchive forget``: an article taken down from a real crawl, everywhere, and kept out."""

from __future__ import annotations

import asyncio
import hashlib
import json
import shutil
import sqlite3
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import pytest

from crawler.archive import open_archive, store_articles
from crawler.archive.lock import run_lock
from crawler.archive.takedowns import article_tables
from crawler.datasette import build_datasette
from crawler.urls import identity_url
from tests import test_export
from tests.conftest import crawl_fixture_sites, run_cli
from tests.test_export import rows

if TYPE_CHECKING:
    from pathlib import Path

    import httpx

# The archive crawled once for this module, and a copy a test may change.
crawled = test_export.crawled
archive_copy = test_export.archive_copy
MARATHON = "marathon-draws-record-field-despite-cold-snap"


def datasette_get(db: Path, path: str) -> httpx.Response:
    async def fetch() -> httpx.Response:
        datasette = build_datasette(db)
        await datasette.invoke_startup()
        return await datasette.client.get(path)

    return asyncio.run(fetch())


def search(db: Path, words: str) -> list[int]:
    return [
        row["rowid"]
        for row in rows(db, "select rowid from articles_fts where articles_fts match ?", words)
    ]


def rows_of(db: Path, article_id: int) -> dict[str, int]:
    """How many rows of each table name the article (every table with an article_id)."""
    archive = open_archive(db)
    tables = article_tables(archive)
    archive.close()
    with sqlite3.connect(db) as conn:
        counts = {
            table: conn.execute(
                f"select count(*) from [{table}] where article_id = ?",
                [article_id],
            ).fetchone()[0]
            for table in tables
        }
        counts["articles"] = conn.execute(
            "select count(*) from articles where id = ?", [article_id]
        ).fetchone()[0]
    return counts


def forget(db: Path, url: str, reason: str = "court order 12/34"):
    return run_cli("forget", url, "--reason", reason, "--db", str(db))


def test_forget_end_to_end(fixture_sites, archive_path, tmp_path):
    crawl_fixture_sites(fixture_sites, archive_path)
    (article,) = rows(archive_path, "select * from articles where url like ?", f"%{MARATHON}%")
    known = {
        row["url"]
        for row in rows(
            archive_path, "select url from article_urls where article_id = ?", article["id"]
        )
    }
    assert search(archive_path, "marathon") == [article["id"]]
    assert datasette_get(archive_path, f"/archive/articles/{article['id']}.json").status_code == 200
    before = rows_of(archive_path, article["id"])
    assert before["articles"] == before["revisions"] == before["pages"] == before["schedule"] == 1
    assert before["article_urls"] >= 1

    # Asked for by the URL a reader shares, tracking parameters and all.
    result = forget(archive_path, article["url"] + "?utm_source=newsletter#comments")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"Forgot article {article['id']}: deleted ")
    assert set(rows_of(archive_path, article["id"]).values()) == {0}
    assert search(archive_path, "marathon") == []
    assert search(archive_path, "levee")  # the index still answers for the others
    takedowns = rows(archive_path, "select * from takedowns")
    assert {row["url_hash"] for row in takedowns} == {
        hashlib.sha256(identity_url(url).encode()).hexdigest() for url in {*known, article["url"]}
    }
    assert {row["reason"] for row in takedowns} == {"court order 12/34"}
    assert MARATHON not in json.dumps(takedowns)

    # Crawled again: the sitemap still lists it; the spider does not even fetch it.
    path = urlsplit(article["url"]).path
    paper = fixture_sites.servers["paper"]
    assert paper.hits(path) == 1
    result = crawl_fixture_sites(fixture_sites, archive_path)
    assert paper.hits(path) == 1
    assert paper.hits("/sitemap-news.xml") == 2
    assert "paper: 0 new, 0 changed" in result.stdout
    assert "1 refused as taken down" in result.stdout
    assert rows(archive_path, "select id from articles where url like ?", f"%{MARATHON}%") == []
    assert (
        rows(archive_path, "select url from article_urls where url like ?", f"%{MARATHON}%") == []
    )
    assert rows(archive_path, "select id from pages where url like ?", f"%{MARATHON}%") == []

    # Asked for by name: fetched, and refused by the store, with the reason.
    result = run_cli(
        "archive",
        article["url"],
        "--sites",
        str(fixture_sites.sites_file),
        "--db",
        str(archive_path),
    )
    assert result.returncode == 1
    assert f"error     {article['url']}: taken down with newsarchive forget" in result.stdout
    assert paper.hits(path) == 2
    assert rows(archive_path, "select count(*) as n from articles") == [{"n": 20}]

    out = tmp_path / "all.jsonl"
    assert (
        run_cli("export", "--db", str(archive_path), "--format", "jsonl", str(out)).returncode == 0
    )
    exported = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(exported) == 20
    assert MARATHON not in out.read_text()

    assert datasette_get(archive_path, f"/archive/articles/{article['id']}.json").status_code == 404
    found = datasette_get(archive_path, "/archive/articles.json?_search=marathon&_shape=array")
    assert found.json() == []
    searched = datasette_get(archive_path, "/archive/search.json?q=marathon&_shape=array")
    assert searched.json() == []


def test_tables_added_later_are_covered(archive_copy):
    with sqlite3.connect(archive_copy) as conn:
        conn.execute(
            "create table reader_notes (id integer primary key, article_id integer, note text)"
        )
        conn.execute(
            "insert into reader_notes (article_id, note) values (3, 'check the quote'), (4, 'fine')"
        )
    url = rows(archive_copy, "select url from articles where id = 3")[0]["url"]
    result = forget(archive_copy, url)
    assert result.returncode == 0, result.stderr
    assert "1 reader_notes" in result.stdout
    assert [row["article_id"] for row in rows(archive_copy, "select * from reader_notes")] == [4]
    assert rows(archive_copy, "pragma foreign_key_check") == []


def test_near_duplicates_point_at_the_earliest_remaining_copy(archive_copy):
    original, later, earlier, untouched = (rows(archive_copy)[i] for i in (0, 1, 2, 3))
    with sqlite3.connect(archive_copy) as conn:
        conn.execute(
            "update articles set duplicate_of = ?, first_seen = ? where id = ?",
            [original["id"], "2026-12-03T00:00:00+00:00", later["id"]],
        )
        conn.execute(
            "update articles set duplicate_of = ?, first_seen = ? where id = ?",
            [original["id"], "2026-12-02T00:00:00+00:00", earlier["id"]],
        )
    result = forget(archive_copy, original["url"])
    assert result.returncode == 0, result.stderr
    assert "2 near-duplicates of it now point at the earliest remaining copy" in result.stdout
    after = {row["id"]: row["duplicate_of"] for row in rows(archive_copy)}
    assert original["id"] not in after
    assert after[earlier["id"]] is None
    assert after[later["id"]] == earlier["id"]
    assert after[untouched["id"]] is None


def test_forgotten_text_does_not_linger_in_the_file(archive_copy, tmp_path):
    article = rows(archive_copy, "select * from articles where url like ?", f"%{MARATHON}%")[0]
    marker = article["title"].encode()
    control = tmp_path / "control.db"
    shutil.copy(archive_copy, control)
    assert marker in archive_copy.read_bytes()

    assert forget(archive_copy, article["url"]).returncode == 0
    assert not archive_copy.with_name("copy.db-wal").exists() or (
        marker not in archive_copy.with_name("copy.db-wal").read_bytes()
    )
    data = archive_copy.read_bytes()
    assert marker not in data
    assert MARATHON.encode() not in data
    assert b"marathon" not in data.lower()  # nor in the search index's terms

    # The control: the same rows deleted without secure_delete stay readable in the file.
    conn = sqlite3.connect(control, isolation_level=None)
    conn.execute("pragma secure_delete = 0")
    conn.execute("pragma foreign_keys = 0")
    for table in ("revisions", "pages", "schedule", "article_urls"):
        conn.execute(f"delete from {table} where article_id = ?", [article["id"]])
    conn.execute("delete from articles where id = ?", [article["id"]])
    conn.close()
    assert marker in control.read_bytes()


def test_unknown_and_already_forgotten_urls_exit_1(archive_copy):
    result = forget(archive_copy, "http://127.0.0.9/never/archived/")
    assert result.returncode == 1
    assert result.stderr == (
        "Error: http://127.0.0.9/never/archived/: no article in the archive is known by this URL\n"
    )
    url = rows(archive_copy, "select url from articles where id = 5")[0]["url"]
    assert forget(archive_copy, url).returncode == 0
    again = forget(archive_copy, url)
    assert again.returncode == 1
    assert (
        again.stderr == f"Error: {url}: already forgotten (newsarchive forget); nothing to remove\n"
    )


def test_a_locked_archive_exits_4_and_keeps_the_article(archive_copy):
    url = rows(archive_copy, "select url from articles where id = 6")[0]["url"]
    with run_lock(archive_copy):
        result = forget(archive_copy, url)
    assert result.returncode == 4
    assert "locked by another run" in result.stderr
    assert rows(archive_copy, "select id from articles where id = 6") == [{"id": 6}]
    assert rows(archive_copy, "select * from takedowns") == []


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        ((), 2, "Missing option '--reason'"),
        (("--reason", "  "), 2, "--reason: give the reason for the takedown"),
    ],
)
def test_a_takedown_needs_a_reason(archive_copy, args, code, message):
    result = run_cli("forget", "http://127.0.0.1/x/", *args, "--db", str(archive_copy))
    assert result.returncode == code
    assert message in result.stderr
    assert rows(archive_copy, "select count(*) as n from articles") == [{"n": 21}]


def test_a_missing_archive_is_not_created(tmp_path):
    result = forget(tmp_path / "none.db", "http://127.0.0.1/x/")
    assert result.returncode == 1
    assert result.stderr == f"Error: {tmp_path / 'none.db'}: no archive there\n"
    assert list(tmp_path.iterdir()) == []


def test_a_reader_holding_a_snapshot_is_reported_not_waited_for(archive_copy):
    url = rows(archive_copy, "select url from articles where id = 7")[0]["url"]
    reader = sqlite3.connect(archive_copy, isolation_level=None)
    reader.execute("begin")
    assert reader.execute("select count(*) from articles").fetchone() == (21,)
    result = forget(archive_copy, url)
    # The reader still sees its snapshot, article included; the -wal file holds those pages.
    assert reader.execute("select count(*) from articles").fetchone() == (21,)
    reader.execute("commit")
    reader.close()
    assert result.returncode == 0, result.stderr
    assert "a reader holds an older snapshot" in result.stderr
    assert rows(archive_copy, "select count(*) as n from articles") == [{"n": 20}]


def test_the_store_refuses_a_record_known_by_a_taken_down_alias(archive_copy):
    article = rows(archive_copy, "select * from articles where id = 8")[0]
    page = rows(archive_copy, "select * from pages where article_id = 8")[0]
    assert forget(archive_copy, article["url"]).returncode == 0
    record = {
        **{name: article[name] for name in ("site", "title", "body", "content_hash")},
        "url": "http://127.0.0.2/moved/elsewhere.html",  # a new URL, its old one an alias
        "aliases": [article["url"] + "?utm_medium=social"],
        "page": {
            "url": "http://127.0.0.2/moved/elsewhere.html",
            "status": 200,
            "headers": {},
            "body": b"<html></html>",
            "fetched_at": page["fetched_at"],
        },
    }
    archive = open_archive(archive_copy)
    try:
        (outcome,) = store_articles(archive, [record])
    finally:
        archive.close()
    assert (outcome.outcome, outcome.article_id) == ("forgotten", 0)
    assert rows(archive_copy, "select count(*) as n from articles") == [{"n": 20}]
    assert rows(archive_copy, "select count(*) as n from pages where url like '%moved%'") == [
        {"n": 0}
    ]
    # The control: the same record with no taken-down alias is stored.
    record["aliases"] = []
    archive = open_archive(archive_copy)
    try:
        (outcome,) = store_articles(archive, [record])
    finally:
        archive.close()
    assert outcome.outcome == "new"


def test_another_articles_revision_naming_its_page_keeps_its_text(archive_copy):
    (page,) = rows(archive_copy, "select id, url from pages where article_id = 9")
    with sqlite3.connect(archive_copy) as conn:  # the same body was fetched for article 10
        conn.execute("update revisions set page_id = ? where article_id = 10", [page["id"]])
    result = forget(archive_copy, page["url"])
    assert result.returncode == 0, result.stderr
    (revision,) = rows(archive_copy, "select * from revisions where article_id = 10")
    assert revision["page_id"] is None
    assert revision["body"]
    assert rows(archive_copy, "select * from pages where id = ?", page["id"]) == []
    assert rows(archive_copy, "pragma foreign_key_check") == []
