"""What a revision records about its change, on real archives and real crawls.

The store is driven directly for the archive's part (first versions, the version compared
against); the crawl tests edit the private copy of a fixture site between two crawls, with the
clock moved (``NEWSARCHIVE_NOW``) so the edited posts are due, and read the revisions back.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from typing import TYPE_CHECKING
from xml.etree import ElementTree

import pytest

from crawler.archive import open_archive, store_articles
from crawler.datasette import build_datasette
from tests.conftest import FixtureSites, crawl_fixture_sites

if TYPE_CHECKING:
    from pathlib import Path

    import httpx

ATOM = "{http://www.w3.org/2005/Atom}"
T0 = "2026-12-01T12:00:00+00:00"
MONTH_LATER = "2026-12-31T12:00:00+00:00"  # past every fixture article's next check
LATER_STILL = "2027-01-30T12:00:00+00:00"
TYPO_POST = "/posts/tomatoes-again/"
PARAGRAPH_POST = "/posts/my-neighbours-bees/"
RETOUCHED_POST = "/posts/learning-to-sharpen-a-hand-saw/"
REDATED_POST = "/posts/a-slow-sunday-at-the-hollins-ferry-market/"
CORRECTED_POST = "/posts/the-first-seed-catalogue-of-the-year/"
MODIFIED = '<meta property="article:modified_time" content="2026-03-21T10:42:00+00:00">'
CORRECTION = (
    "Correction: An earlier version of this post said the catalogue comes in January. "
    "It comes in February."
)


def record(body: str, fetched_at: str, **fields) -> dict:
    url = "http://news.test/a/"
    return {
        "url": url,
        "site": "news",
        "title": fields.pop("title", "Council approves the harbor budget"),
        "body": body,
        "authors": ["A. Writer"],
        "content_hash": str(hash((body, fields.get("title")))),
        "page": {
            "url": url,
            "status": 200,
            "headers": {},
            "body": body.encode(),
            "fetched_at": fetched_at,
        },
        **fields,
    }


def revisions(db: Path, url: str | None = None) -> list[dict]:
    with sqlite3.connect(db) as conn:
        conn.row_factory = sqlite3.Row
        sql = (
            "select revisions.*, articles.url as article_url from revisions "
            "join articles on articles.id = revisions.article_id"
        )
        rows = conn.execute(sql + " order by revisions.article_id, version").fetchall()
    return [dict(row) for row in rows if url is None or row["article_url"] == url]


def test_the_store_compares_each_version_with_the_one_before(archive_path):
    db = open_archive(archive_path)
    body = "The council voted 7 to 2 for the budget.\n\nUpdated 10:42"
    store_articles(db, [record(body, T0)])
    store_articles(db, [record(body.replace("10:42", "11:05"), MONTH_LATER)])
    fixed = body.replace("7 to 2", "6 to 3") + "\n\nCorrection: The vote was misreported."
    store_articles(db, [record(fixed, LATER_STILL, revision_reason="reextract")])

    first, stamp, correction = revisions(archive_path)
    assert (first["changed_fields"], first["change_class"], first["corrections"]) == (
        None,
        None,
        None,
    )
    assert (stamp["change_class"], json.loads(stamp["changed_fields"])) == ("trivial", ["body"])
    assert stamp["corrections"] is None  # the same "Updated" line, another time
    assert correction["change_class"] == "substantive"
    assert json.loads(correction["corrections"]) == ["Correction: The vote was misreported."]
    assert correction["reason"] == "reextract"


def test_a_first_version_keeps_the_correction_it_already_carries(archive_path):
    db = open_archive(archive_path)
    store_articles(db, [record("Text.\n\nClarification: The plan is for 2027.", T0)])
    (first,) = revisions(archive_path)
    assert first["change_class"] is None
    assert json.loads(first["corrections"]) == ["Clarification: The plan is for 2027."]


def edit(sites: FixtureSites, path: str, old: str, new: str) -> None:
    page = sites.page("blog", path)
    html = page.read_text(encoding="utf-8")
    assert old in html, old
    page.write_text(html.replace(old, new, 1), encoding="utf-8")


def crawl(sites: FixtureSites, db: Path, now: str) -> str:
    return crawl_fixture_sites(sites, db, "blog", env={"NEWSARCHIVE_NOW": now}).stdout


@pytest.mark.slow
def test_edits_between_two_crawls_get_their_class_fields_and_notices(fixture_sites, archive_path):
    # First state: a typo, a wrong month, a modification time.
    edit(fixture_sites, TYPO_POST, "The first seedlings came up", "The first seedlngs came up")
    edit(fixture_sites, RETOUCHED_POST, "</head>", MODIFIED + "\n</head>")
    edit(fixture_sites, REDATED_POST, "</head>", MODIFIED + "\n</head>")
    edit(fixture_sites, CORRECTED_POST, "a catalogue in February", "a catalogue in January")
    crawl(fixture_sites, archive_path, T0)
    # Second state, a month on: the typo fixed, a paragraph added, the modification time
    # moved with a quote straightened, the wrong month corrected with a notice.
    edit(fixture_sites, TYPO_POST, "seedlngs", "seedlings")
    edit(
        fixture_sites,
        PARAGRAPH_POST,
        "</h1>",
        "</h1>\n<p>The swarm that left the hive in June came back in August and has settled "
        "in the old apple tree, where the neighbours can watch it from their kitchen.</p>",
    )
    edit(fixture_sites, RETOUCHED_POST, "10:42:00", "15:15:00")  # and the CMS curls a quote:
    edit(fixture_sites, RETOUCHED_POST, "I don’t feel", "I don't feel")
    edit(fixture_sites, REDATED_POST, "10:42:00", "15:15:00")  # the modification time alone
    edit(fixture_sites, CORRECTED_POST, "a catalogue in January", "a catalogue in February")
    edit(fixture_sites, CORRECTED_POST, "</main>", f"<p>{CORRECTION}</p>\n</main>")

    stdout = crawl(fixture_sites, archive_path, MONTH_LATER)

    assert "blog: 0 new, 4 changed, 2 unchanged" in stdout
    blog = fixture_sites.servers["blog"]
    latest = {
        path: revisions(archive_path, blog.url(path))[-1]
        for path in (TYPO_POST, PARAGRAPH_POST, RETOUCHED_POST, CORRECTED_POST)
    }
    expected = {
        TYPO_POST: ("cosmetic", ["body"]),
        PARAGRAPH_POST: ("substantive", ["body"]),
        RETOUCHED_POST: ("trivial", ["body", "modified"]),
        CORRECTED_POST: ("substantive", ["body"]),
    }
    assert {
        path: (row["change_class"], json.loads(row["changed_fields"]))
        for path, row in latest.items()
    } == expected
    assert all(row["version"] == 2 for row in latest.values())
    # A new modification time alone is no new content: no version, so no trivial one either.
    assert [row["version"] for row in revisions(archive_path, blog.url(REDATED_POST))] == [1]
    # The notice reached the stored text through extraction, and is linked to this revision.
    assert CORRECTION in latest[CORRECTED_POST]["body"]
    assert json.loads(latest[CORRECTED_POST]["corrections"]) == [CORRECTION]
    assert [path for path, row in latest.items() if row["corrections"]] == [CORRECTED_POST]


def served(db: Path, path: str) -> httpx.Response:
    async def fetch() -> httpx.Response:
        datasette = build_datasette(db)
        await datasette.invoke_startup()
        return await datasette.client.get(path)

    return asyncio.run(fetch())


def entries(feed: str) -> list[dict[str, str]]:
    root = ElementTree.fromstring(feed)
    return [
        {
            "id": entry.findtext(f"{ATOM}id"),
            "title": entry.findtext(f"{ATOM}title"),
            "updated": entry.findtext(f"{ATOM}updated"),
            "content": entry.findtext(f"{ATOM}content"),
            "link": entry.find(f"{ATOM}link").get("href"),
        }
        for entry in root.findall(f"{ATOM}entry")
    ]


@pytest.fixture
def changed_archive(tmp_path) -> Path:
    """An archive with a trivial, a substantive and a corrected version, days apart."""
    db_path = tmp_path / "news.db"
    db = open_archive(db_path)
    body = "The council voted 7 to 2 for the budget."
    title = "Council <script>alert(1)</script> approves budget"
    store_articles(db, [record(body, "2026-11-01T08:00:00+00:00", title=title)])
    store_articles(db, [record(body + " ", "2026-11-10T08:00:00+00:00", title=title)])
    store_articles(
        db, [record(body.replace("7 to 2", "6 to 3"), "2026-11-20T08:00:00+00:00", title=title)]
    )
    fixed = body.replace("7 to 2", "6 to 3") + "\n\nCorrection: The <b>vote</b> was misreported."
    store_articles(db, [record(fixed, "2026-11-21T08:00:00+00:00", title=title)])
    db.close()
    return db_path


def test_changes_query_lists_substantive_changes_of_the_last_days(changed_archive):
    rows = served(
        changed_archive, "/news/changes.json?now=2026-11-21T12:00:00%2B00:00&_shape=array"
    ).json()
    assert [(row["version"], row["change_class"]) for row in rows] == [
        (4, "substantive"),
        (3, "substantive"),
    ]  # newest first; the trivial version 2 is left out
    assert rows[0]["atom_link"] == f"/news/articles/{rows[0]['article_id']}"
    assert json.loads(rows[1]["changed_fields"]) == ["body"]
    one_day = served(
        changed_archive,
        "/news/changes.json?now=2026-11-21T12:00:00%2B00:00&days=1&_shape=array",
    ).json()
    assert [row["version"] for row in one_day] == [4]
    before = served(
        changed_archive, "/news/changes.json?now=2026-11-20T12:00:00%2B00:00&_shape=array"
    ).json()
    assert [row["version"] for row in before] == [3]  # nothing after "now" either


def test_corrections_query_gives_the_notice_text(changed_archive):
    rows = served(
        changed_archive, "/news/corrections.json?now=2026-11-21T12:00:00%2B00:00&_shape=array"
    ).json()
    assert [(row["version"], row["corrections"]) for row in rows] == [
        (4, "Correction: The <b>vote</b> was misreported.")
    ]


def test_changes_atom_feed_parses_and_escapes_stored_text(changed_archive):
    response = served(changed_archive, "/news/changes.atom?now=2026-11-21T12:00:00%2B00:00")
    assert response.status_code == 200
    assert "<script>" not in response.text  # escaped as text, never markup
    feed = entries(response.text)
    assert [entry["updated"] for entry in feed] == [
        "2026-11-21T08:00:00+00:00",
        "2026-11-20T08:00:00+00:00",
    ]
    assert feed[0]["title"] == "Council <script>alert(1)</script> approves budget"
    assert feed[0]["id"].startswith("tag:newsarchive,2026:article/")
    assert feed[0]["id"] != feed[1]["id"]
    assert feed[0]["link"].startswith("/news/articles/")
    notices = entries(
        served(changed_archive, "/news/corrections.atom?now=2026-11-21T12:00:00%2B00:00").text
    )
    assert [entry["content"] for entry in notices] == [
        "Correction: The <b>vote</b> was misreported."
    ]


def test_an_empty_changes_feed_is_a_valid_feed(changed_archive):
    response = served(changed_archive, "/news/changes.atom?now=2026-10-01T00:00:00%2B00:00")
    assert response.status_code == 200
    root = ElementTree.fromstring(response.text)
    assert root.tag == f"{ATOM}feed"
    assert root.findtext(f"{ATOM}title") == "Substantive changes"
    assert entries(response.text) == []
