"""The order of the ``search`` page on a real archive, through the Datasette ``serve`` runs.

Two rules (README "Finding articles"): a word found in at most ``SEARCH_NEWEST`` articles has
every match ranked by bm25, headline above text; a word found in more is ranked among its
newest ``SEARCH_NEWEST`` matches only (by article id, the order the archive took them in), so
a search for a word that is everywhere answers in milliseconds at any archive size.

The archive holds ``SEARCH_NEWEST`` + 300 articles, stored through ``store_articles``: every one
has "harbour" in its text, a few also in the headline, old ones and new ones; "ferry" is in a
handful, the oldest among them.
"""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING

import pytest

from crawler.archive import open_archive, store_articles
from crawler.datasette import SEARCH_LIMIT, SEARCH_NEWEST
from tests.test_search import fetch

if TYPE_CHECKING:
    from pathlib import Path

OLD = 300  # articles older than the newest SEARCH_NEWEST
TOTAL = OLD + SEARCH_NEWEST
HARBOUR_HEADLINES = {3, 40, 299, OLD + 7, OLD + 901, TOTAL - 1}  # ids, old and new
FERRY = {2: 1, 150: 3, 1200: 2, TOTAL - 5: 1}  # id -> times in the text
FERRY_HEADLINE = 1200


def record(number: int) -> dict:
    url = f"http://news.test/story/{number}"
    title = f"Council notes, item {number}"
    if number in HARBOUR_HEADLINES:
        title = f"Harbour works, item {number}"
    if number == FERRY_HEADLINE:
        title = f"Ferry timetable, item {number}"
    body = f"The harbour office published notice {number} about moorings and dues."
    body += " The ferry was late." * FERRY.get(number, 0)
    return {
        "url": url,
        "site": "news",
        "title": title,
        "body": body,
        "content_hash": f"hash-{number}",
        "page": {
            "url": url,
            "status": 200,
            "headers": {},
            "body": f"<p>{body}</p>".encode(),
            "fetched_at": f"2026-11-01T00:00:{number % 60:02d}+00:00",
        },
    }


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("ranking") / "news.db"
    db = open_archive(path)
    numbers = list(range(1, TOTAL + 1))
    for start in range(0, TOTAL, 500):
        store_articles(db, [record(n) for n in numbers[start : start + 500]])
    assert db.execute("select max(id), count(*) from articles").fetchone() == (TOTAL, TOTAL)
    db.close()
    return path


def search(archive: Path, q: str) -> list[dict]:
    response = fetch(archive, "/news/search.json", {"q": q, "_shape": "array"})
    assert response.status_code == 200, response.text
    return response.json()


def ranked(archive: Path, match: str, newer_than: int = 0) -> list[int]:
    """Every match above ``newer_than`` by bm25 (headline 10, standfirst 5, text 1)."""
    with sqlite3.connect(archive) as conn:
        return [
            rowid
            for (rowid,) in conn.execute(
                "select rowid from articles_fts where articles_fts match ? and rowid > ? "
                "order by bm25(articles_fts, 10, 5, 1), rowid desc",
                [match, newer_than],
            )
        ]


def test_a_word_in_few_articles_has_every_match_ranked(archive):
    rows = search(archive, "ferry")
    ids = [row["id"] for row in rows]
    assert sorted(ids) == sorted(FERRY) == sorted(ranked(archive, "ferry"))
    assert ids == ranked(archive, "ferry")
    assert ids[0] == FERRY_HEADLINE  # in the headline: first, though not the most in the text
    assert 2 in ids  # the oldest article is there: fewer matches than the newest rule's bound
    assert "\ue000ferry\ue001" in rows[0]["snippet"].lower()


def test_a_word_everywhere_is_ranked_among_its_newest_matches(archive):
    rows = search(archive, "harbour")
    ids = [row["id"] for row in rows]
    assert len(ids) == SEARCH_LIMIT
    # Only the newest SEARCH_NEWEST matches are ranked: no id at or below OLD.
    assert min(ids) > OLD
    # ... and among those, best first: the new headline matches lead, the old ones are out.
    newest = ranked(archive, "harbour", newer_than=OLD)
    assert ids == newest[:SEARCH_LIMIT]
    headlines = sorted(n for n in HARBOUR_HEADLINES if n > OLD)
    assert sorted(ids[: len(headlines)]) == headlines
    assert not {n for n in HARBOUR_HEADLINES if n <= OLD} & set(ids)
    # Ranking every match would have put the old headline matches on the page.
    assert {3, 40, 299} <= set(ranked(archive, "harbour")[:SEARCH_LIMIT])
    assert all("\ue000harbour\ue001" in row["snippet"].lower() for row in rows)


def test_two_words_follow_the_same_rules(archive):
    # Both words: only the few ferry articles match, all of them ranked.
    ids = [row["id"] for row in search(archive, "harbour ferry")]
    assert sorted(ids) == sorted(FERRY)
    assert ids == ranked(archive, '"harbour" "ferry"')
