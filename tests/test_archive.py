"""The archive package alone: opening, refusing bad paths, idempotent writes, locking."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from typing import TYPE_CHECKING

import pytest
import sqlite_utils

from crawler.archive import ArchiveError, ArchiveLocked, open_archive, store_articles
from crawler.archive.lock import run_lock
from crawler.archive.schema import MIGRATIONS, SCHEMA_VERSION
from crawler.archive.templates import (
    BodyUpdate,
    load_site_template,
    save_site_template,
    stored_articles,
)

if TYPE_CHECKING:
    from pathlib import Path


def record(url: str = "http://news.test/a/", body: str = "First text.", **fields) -> dict:
    return {
        "url": url,
        "site": "news",
        "title": fields.pop("title", "A headline"),
        "body": body,
        "authors": ["A. Writer"],
        "content_hash": fields.pop("content_hash", str(hash(body))),
        "page": {
            "url": url,
            "status": 200,
            "headers": {"content-type": "text/html"},
            "body": f"<html><body><p>{body}</p></body></html>".encode(),
            "fetched_at": fields.pop("fetched_at", "2026-11-01T00:00:00+00:00"),
        },
        **fields,
    }


def test_new_archive_has_schema_wal_and_fts(archive_path):
    db = open_archive(archive_path)
    assert {"articles", "article_urls", "revisions", "pages", "crawls", "articles_fts"} <= set(
        db.table_names()
    )
    assert db.execute("pragma journal_mode").fetchone()[0] == "wal"
    assert db.execute("pragma user_version").fetchone()[0] == SCHEMA_VERSION


def test_store_is_idempotent_and_versions_changes(archive_path):
    db = open_archive(archive_path)
    first = store_articles(db, [record()])
    again = store_articles(db, [record(fetched_at="2026-11-02T00:00:00+00:00")])
    changed = store_articles(
        db, [record(body="Corrected text.", fetched_at="2026-11-03T00:00:00+00:00")]
    )
    assert [o.outcome for o in first + again + changed] == ["new", "unchanged", "changed"]
    assert len({o.article_id for o in first + again + changed}) == 1
    assert db.execute("select count(*) from articles").fetchone()[0] == 1
    assert db.execute("select version, first_seen, last_seen from articles").fetchone() == (
        2,
        "2026-11-01T00:00:00+00:00",
        "2026-11-03T00:00:00+00:00",
    )
    assert db.execute("select count(*) from revisions").fetchone()[0] == 2
    assert db.execute("select count(*) from pages").fetchone()[0] == 2


def test_article_keeps_identity_across_url_aliases(archive_path):
    db = open_archive(archive_path)
    (first,) = store_articles(db, [record(aliases=["http://news.test/a"])])
    (moved,) = store_articles(db, [record(url="http://news.test/a", body="Moved and edited.")])
    assert moved.article_id == first.article_id
    assert moved.outcome == "changed"


def test_full_text_search_follows_updates(archive_path):
    db = open_archive(archive_path)
    store_articles(db, [record(body="The harbor bridge reopened.")])
    store_articles(db, [record(body="The ferry fares rose.")])

    def search(term: str) -> int:
        return db.execute(
            "select count(*) from articles_fts where articles_fts match ?", [term]
        ).fetchone()[0]

    assert search("ferry") == 1
    assert search("bridge") == 0


def test_failed_batch_leaves_nothing_behind(archive_path):
    db = open_archive(archive_path)
    broken = record(url="http://news.test/b/")
    del broken["page"]["status"]  # NOT NULL column: the second insert of the batch fails
    with pytest.raises(KeyError):
        store_articles(db, [record(), broken])
    assert db.execute("select count(*) from articles").fetchone()[0] == 0
    assert db.execute("select count(*) from article_urls").fetchone()[0] == 0


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p.mkdir(), "is a directory"),
        (lambda p: p.parent.joinpath("file").write_text("x"), "is a file"),
        (lambda p: p.write_bytes(b"this is not sqlite" * 100), "not a newsarchive"),
    ],
    ids=["directory", "parent-is-file", "not-a-database"],
)
def test_unusable_archive_path_gives_one_line_error(tmp_path, make, message):
    path = tmp_path / "archive.db"
    make(path)
    if message == "is a file":
        path = tmp_path / "file" / "archive.db"
    with pytest.raises(ArchiveError) as error:
        open_archive(path)
    assert message in str(error.value)
    assert str(path) in str(error.value)
    assert "\n" not in str(error.value)


def test_newer_schema_is_refused(archive_path):
    open_archive(archive_path).close()
    with sqlite3.connect(archive_path) as conn:
        conn.execute(f"pragma user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(ArchiveError, match="newer than this newsarchive knows"):
        open_archive(archive_path)


def hold_write_lock(path: Path, seconds: float) -> subprocess.Popen:
    code = (
        "import sqlite3, sys, time\n"
        f"c = sqlite3.connect({str(path)!r}, isolation_level=None)\n"
        "c.execute('BEGIN IMMEDIATE'); print('locked', flush=True)\n"
        f"time.sleep({seconds}); c.execute('COMMIT')\n"
    )
    holder = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "locked"
    return holder


def test_writer_waits_for_a_short_lock_and_fails_loudly_on_a_long_one(archive_path):
    open_archive(archive_path).close()
    holder = hold_write_lock(archive_path, 0.5)
    db = open_archive(archive_path, busy_timeout_ms=5000)
    (outcome,) = store_articles(db, [record()])  # waits ~0.5 s, then writes
    assert outcome.outcome == "new"
    holder.wait(timeout=10)

    holder = hold_write_lock(archive_path, 5)
    impatient = open_archive(archive_path, busy_timeout_ms=300)
    started = time.monotonic()
    with pytest.raises(ArchiveLocked):
        store_articles(impatient, [record(url="http://news.test/c/")])
    assert time.monotonic() - started < 4
    holder.kill()
    holder.wait(timeout=10)
    assert db.execute("select count(*) from articles").fetchone()[0] == 1


def test_second_run_lock_is_refused_and_released(archive_path):
    code = (
        f"from crawler.archive.lock import run_lock\nwith run_lock({str(archive_path)!r}): pass\n"
    )
    with run_lock(archive_path):
        held = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=False
        )
    free = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert held.returncode != 0
    assert "locked by another run" in held.stderr
    assert free.returncode == 0, free.stderr


def test_article_columns_match_the_table_and_the_item(archive_path):
    from crawler.archive.schema import ARTICLE_COLUMNS
    from crawler.items import ArticleItem

    db = open_archive(archive_path)
    assert tuple(db["articles"].columns_dict) == ARTICLE_COLUMNS
    assert set(ArticleItem.fields) == {*ARTICLE_COLUMNS, "page"}


# --- site templates ------------------------------------------------------------------------


def test_site_template_is_saved_per_site_and_read_back(archive_path):
    db = open_archive(archive_path)
    assert "site_templates" in db.table_names()
    assert load_site_template(db, "news") is None
    for pages in (5, 9):  # the second save replaces the first
        save_site_template(
            db,
            "news",
            state={"format": 1, "pages": pages},
            blocks=["Exit mobile version"],
            updated_at="2026-11-01T00:00:00+00:00",
        )
    assert load_site_template(db, "news") == {"format": 1, "pages": 9}
    assert db.execute("select site, pages_seen, blocks from site_templates").fetchall() == [
        ("news", 9, '["Exit mobile version"]')
    ]


def test_cleaning_a_stored_body_rewrites_article_fts_and_its_revision(archive_path):
    db = open_archive(archive_path)
    body = "The harbor bridge reopened.\n\nSign up for our newsletter."
    (stored,) = store_articles(db, [record(body=body, content_hash="old", field_sources="{}")])
    store_articles(db, [record(url="http://news.test/b/", body="Other.", content_hash="other")])
    (article,) = stored_articles(db, [stored.article_id])
    assert article["body"] == body
    assert article["authors"] == ["A. Writer"]
    update = BodyUpdate(
        article_id=stored.article_id,
        old_hash="old",
        body="The harbor bridge reopened.",
        word_count=4,
        content_hash="new",
        field_sources={"body": "trafilatura+template"},
    )
    stale = BodyUpdate(**{**update.__dict__, "article_id": 2, "old_hash": "not-its-hash"})
    cleaned = save_site_template(
        db, "news", state={}, blocks=[], updated_at="2026-11-01", updates=[update, stale]
    )
    assert cleaned == 1
    assert db.execute(
        "select body, word_count, content_hash, field_sources, version from articles where id = ?",
        [stored.article_id],
    ).fetchone() == ("The harbor bridge reopened.", 4, "new", '{"body": "trafilatura+template"}', 1)
    assert db.execute(
        "select count(*), body, content_hash from revisions where article_id = ?",
        [stored.article_id],
    ).fetchone() == (1, "The harbor bridge reopened.", "new")
    assert db.execute("select body from articles where id = 2").fetchone() == ("Other.",)
    matches = "select count(*) from articles_fts where articles_fts match ?"
    assert db.execute(matches, ["newsletter"]).fetchone() == (0,)
    assert db.execute(matches, ["harbor"]).fetchone() == (1,)
    # The next fetch of the same content, cleaned from the start, is unchanged.
    (again,) = store_articles(
        db, [record(body="The harbor bridge reopened.", content_hash="new", field_sources="{}")]
    )
    assert again.outcome == "unchanged"


def test_archive_of_schema_1_gains_site_templates_and_schedule(archive_path):
    conn = sqlite3.connect(archive_path)
    MIGRATIONS[0](sqlite_utils.Database(conn))
    conn.execute("pragma user_version = 1")
    conn.commit()
    conn.close()
    db = open_archive(archive_path)
    assert db.execute("pragma user_version").fetchone()[0] == SCHEMA_VERSION == 8
    assert {"site_templates", "schedule", "takedowns"} <= set(db.table_names())
    assert {"changed_fields", "change_class", "corrections", "reason"} <= set(
        db.table("revisions").columns_dict
    )


def test_archive_of_schema_4_finds_words_with_or_without_diacritics(archive_path):
    conn = sqlite3.connect(archive_path, isolation_level=None)
    old = sqlite_utils.Database(conn)
    for migration in MIGRATIONS[:4]:
        migration(old)
    conn.execute("pragma user_version = 4")
    # Stored under the old tokenizer, which folds one diacritic but not two (Vietnamese).
    old.table("articles").insert(
        {
            "url": "http://news.test/a/",
            "site": "news",
            "body": "Ông Nguyễn Văn Ân mở quán cà phê ở Zürich.",
            "content_hash": "h",
            "first_seen": "2026-11-01T00:00:00+00:00",
            "last_seen": "2026-11-01T00:00:00+00:00",
        }
    )
    matches = "select count(*) from articles_fts where articles_fts match ?"
    assert old.execute(matches, ["nguyen"]).fetchone() == (0,)
    conn.close()

    db = open_archive(archive_path)  # migrates: the index is rebuilt with the new tokenizer

    def search(term: str) -> int:
        return db.execute(matches, [term]).fetchone()[0]

    terms = ("nguyen", "Nguyễn", "NGUYEN", "zurich", "Zürich", "ca phe", "quan")
    assert [search(term) for term in terms] == [1] * len(terms)
    assert search("paris") == 0
    # The rebuilt index follows later writes too.
    store_articles(db, [record(url="http://news.test/b/", body="Trần Hưng Đạo in Malmö.")])
    assert (search("tran hung"), search("malmo")) == (1, 1)


def test_store_schedules_each_article_and_a_check_reschedules_it(archive_path):
    from crawler.archive.reads import revisit_plan, schedule_of

    db = open_archive(archive_path)
    page = {"etag": '"v1"', "last-modified": "Sun, 01 Nov 2026 00:00:00 GMT"}
    first = record(published="2026-10-31T00:00:00+00:00")
    first["page"]["headers"] = page
    ((stored,),) = [store_articles(db, [first], interval_for=lambda age, since: int(age) // 10)]
    row = schedule_of(db, stored.article_id)
    assert row is not None
    assert (row["interval_seconds"], row["next_check"]) == (8640, "2026-11-01T02:24:00+00:00")
    assert (row["etag"], row["last_modified"]) == ('"v1"', page["last-modified"])

    plan = revisit_plan(db, site="news", now="2026-11-01T02:00:00+00:00")
    assert [(p["known_url"], p["due"], p["etag"]) for p in plan] == [
        ("http://news.test/a/", False, '"v1"')
    ]
    assert revisit_plan(db, site="news", now="2026-11-01T03:00:00+00:00")[0]["due"]
    assert revisit_plan(db, site="other", now="2026-11-01T03:00:00+00:00") == []

    check = {"url": "http://news.test/a/", "fetched_at": "2026-11-02T00:00:00+00:00"}
    (unchanged,) = store_articles(db, [], [{**check, "outcome": "unchanged"}])
    assert (unchanged.outcome, unchanged.version) == ("unchanged", 1)
    row = schedule_of(db, stored.article_id)
    assert row is not None
    # No policy handed in: due again at once; the validators a 304 did not repeat are kept.
    assert (row["next_check"], row["etag"]) == ("2026-11-02T00:00:00+00:00", '"v1"')
    assert row["last_change"] == "2026-11-01T00:00:00+00:00"
    assert db.execute("select last_seen from articles").fetchone() == (check["fetched_at"],)

    gone_at = "2026-11-03T00:00:00+00:00"
    store_articles(db, [], [{**check, "fetched_at": gone_at, "outcome": "gone"}])
    store_articles(
        db, [], [{**check, "fetched_at": "2026-11-04T00:00:00+00:00", "outcome": "gone"}]
    )
    assert db.execute("select gone_at from articles").fetchone() == (gone_at,)
    store_articles(
        db, [], [{**check, "fetched_at": "2026-11-05T00:00:00+00:00", "outcome": "unchanged"}]
    )
    assert db.execute("select gone_at, count(*) from articles").fetchone() == (None, 1)
    assert (
        store_articles(db, [], [{**check, "url": "http://news.test/unknown", "outcome": "gone"}])
        == []
    )


def test_an_article_without_a_schedule_row_is_due(archive_path):
    from crawler.archive.reads import revisit_plan

    db = open_archive(archive_path)
    store_articles(db, [record()])
    db.execute("delete from schedule")
    db.conn.commit()
    (row,) = revisit_plan(db, site="news", now="2000-01-01T00:00:00+00:00")
    assert row["due"]
    assert row["etag"] is None


def test_cleaning_a_stored_body_signs_it_again_for_near_duplicates(archive_path):
    db = open_archive(archive_path)
    story = " ".join(f"The council met on day {n} to debate the harbor bridge." for n in range(12))
    (stored,) = store_articles(
        db, [record(body=story + "\n\nSign up for our newsletter.", content_hash="old")]
    )
    signed = "select content_hash from article_signatures where article_id = ?"
    assert db.execute(signed, [stored.article_id]).fetchone() == ("old",)
    update = BodyUpdate(
        article_id=stored.article_id,
        old_hash="old",
        body=story,
        word_count=len(story.split()),
        content_hash="new",
        field_sources={},
    )
    save_site_template(db, "news", state={}, blocks=[], updated_at="2026-11-01", updates=[update])
    assert db.execute(signed, [stored.article_id]).fetchone() == ("new",)


def test_the_search_index_is_rewritten_only_when_indexed_text_changes(archive_path):
    """A revisit that moves ``last_seen`` leaves the full-text index alone (schema 8)."""
    db = open_archive(archive_path)
    (stored,) = store_articles(db, [record(body="The harbor bridge reopened.")])

    def writes_to_index(sql: str) -> int:
        before = db.conn.total_changes
        db.execute(sql, [stored.article_id])
        return db.conn.total_changes - before

    assert writes_to_index("update articles set last_seen = 'later' where id = ?") == 1
    assert writes_to_index("update articles set gone_at = 'gone' where id = ?") == 1
    assert writes_to_index("update articles set body = 'The ferry sailed.' where id = ?") > 1
    matches = "select count(*) from articles_fts where articles_fts match ?"
    assert db.execute(matches, ["ferry"]).fetchone() == (1,)
    assert db.execute(matches, ["harbor"]).fetchone() == (0,)
