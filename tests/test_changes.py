"""What a revision records about its change, on real archives and real crawls.

The store is driven directly for the archive's part (first versions, the version compared
against); the crawl tests edit the private copy of a fixture site between two crawls, with the
clock moved (``NEWSARCHIVE_NOW``) so the edited posts are due, and read the revisions back.
"""

from __future__ import annotations

import json
import sqlite3
from typing import TYPE_CHECKING

from crawler.archive import open_archive, store_articles
from tests.conftest import FixtureSites, crawl_fixture_sites

if TYPE_CHECKING:
    from pathlib import Path

T0 = "2026-12-01T12:00:00+00:00"
MONTH_LATER = "2026-12-31T12:00:00+00:00"  # past every fixture article's next check
LATER_STILL = "2027-01-30T12:00:00+00:00"
TYPO_POST = "/posts/tomatoes-again/"
PARAGRAPH_POST = "/posts/my-neighbours-bees/"
RETOUCHED_POST = "/posts/learning-to-sharpen-a-hand-saw/"
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


def test_edits_between_two_crawls_get_their_class_fields_and_notices(fixture_sites, archive_path):
    # First state: a typo, a wrong month, a modification time.
    edit(fixture_sites, TYPO_POST, "The first seedlings came up", "The first seedlngs came up")
    edit(fixture_sites, RETOUCHED_POST, "</head>", MODIFIED + "\n</head>")
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
    # The notice reached the stored text through extraction, and is linked to this revision.
    assert CORRECTION in latest[CORRECTED_POST]["body"]
    assert json.loads(latest[CORRECTED_POST]["corrections"]) == [CORRECTION]
    assert [path for path, row in latest.items() if row["corrections"]] == [CORRECTED_POST]
