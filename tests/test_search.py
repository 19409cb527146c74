"""Search that accepts what readers type: the FTS5 translation, and the ``search`` page.

The archive is made by ``newsarchive archive`` fetching pages from a loopback site written for
these tests (headlines about a harbour bridge and a ferry, an accented word, a headline that
carries markup), then served by the same ``build_datasette`` that ``newsarchive serve`` runs.
"""

from __future__ import annotations

import asyncio
import html
import sqlite3
from typing import TYPE_CHECKING

import httpx
import pytest

from crawler.datasette import build_datasette
from crawler.datasette.search_home import highlighted
from crawler.datasette.search_query import MATCH_NOTHING, MAX_TERMS, to_fts5_match
from tests.conftest import run_cli

if TYPE_CHECKING:
    from pathlib import Path

# slug -> (headline, paragraphs). Each body is long enough to pass the body-length guard.
STORIES = {
    "harbor-bridge": (
        "Harbor bridge reopens after a summer of repairs",
        [
            "The harbor bridge carried its first cars in three months on Monday morning.",
            "Crews replaced the deck joints and repainted the towers, the city engineer said.",
            "Commuters who had taken the long way round the bay welcomed the reopening.",
        ],
    ),
    "ferry-winter": (
        "Ferry adds a winter crossing on Saturdays",
        [
            "The island ferry will run an extra Saturday crossing from December to March.",
            "Boats leave from the pier near the old customs house at nine in the morning.",
            "The operator said demand from weekend visitors justified the added sailing.",
        ],
    ),
    "toll-rise": (
        "Toll on the river crossing rises next spring",
        [
            "Drivers on the river bridge will pay a higher toll from April, the authority said.",
            "The increase pays for repairs: deck repairs, rail repairs and joint repairs.",
            "A monthly pass keeps its current price for residents of the two towns.",
        ],
    ),
    "cafe-rent": (
        "Café owners on Quay Street protest a rent review",
        [
            "Owners of the Zürich-style café on Quay Street say the new rent would close them.",
            "The landlord said the review follows the market and is open to negotiation.",
            "Regulars signed a petition that will be handed to the council next week.",
        ],
    ),
    "markup": (
        "Council debates <script>alert('owned')</script> filter for its website",
        [
            "Councillors debated whether the website should filter pasted scripts entirely.",
            "The clerk said the old form accepted any text and showed it back unchanged.",
            "A vote on the new filter is expected at the meeting after next, members said.",
        ],
    ),
}


def story_page(slug: str, day: int) -> str:
    headline, paragraphs = STORIES[slug]
    body = "".join(f"<p>{html.escape(paragraph)}</p>" for paragraph in paragraphs)
    return (
        "<html><head>"
        f"<title>{html.escape(headline)}</title>"
        f'<meta property="article:published_time" content="2026-11-{day:02d}T09:00:00+00:00">'
        '<meta name="author" content="Ada Reyes">'
        f"</head><body><article><h1>{html.escape(headline)}</h1>{body}</article></body></html>"
    )


@pytest.fixture(scope="module")
def news_archive(tmp_path_factory) -> Path:
    """The test stories archived into ``news.db`` from a loopback site."""
    from crawler.demo.server import SiteServer

    folder = tmp_path_factory.mktemp("search")
    (folder / "site").mkdir()
    for day, slug in enumerate(STORIES, start=1):
        (folder / "site" / f"{slug}.html").write_text(story_page(slug, day), encoding="utf-8")
    db = folder / "news.db"
    with SiteServer(folder / "site") as server:
        urls = [server.url(f"/{slug}.html") for slug in STORIES]
        result = run_cli("archive", *urls, "--db", str(db))
    assert result.returncode == 0, result.stdout + result.stderr
    return db


def fetch(db: Path, path: str, params: dict[str, str] | None = None) -> httpx.Response:
    async def inner() -> httpx.Response:
        datasette = build_datasette(db)
        await datasette.invoke_startup()
        query = "?" + str(httpx.QueryParams(params)) if params else ""
        return await datasette.client.get(path + query)

    return asyncio.run(inner())


def ids_of(db: Path, slugs: list[str]) -> set[int]:
    with sqlite3.connect(db) as conn:
        rows = conn.execute("select id, url from articles").fetchall()
    return {id_ for id_, url in rows if any(url.endswith(f"/{slug}.html") for slug in slugs)}


def search_ids(db: Path, q: str) -> list[int]:
    response = fetch(db, "/news/search.json", {"q": q, "_shape": "array"})
    assert response.status_code == 200, response.text
    return [row["id"] for row in response.json()]


# --- the translation, alone -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("bridge ferry", '"bridge" "ferry"'),
        ("bridge OR ferry", '"bridge" OR "ferry"'),
        ("bridge or ferry", '"bridge" "or" "ferry"'),
        ('"harbor bridge"', '"harbor bridge"'),
        ("harb*", '"harb"*'),
        ("bridge NOT toll", '"bridge" NOT "toll"'),
        ("bridge AND NOT toll", '"bridge" NOT "toll"'),
        ("bridge AND ferry", '"bridge" "ferry"'),
        ('"harbor', '"harbor"'),
        ('"harbor bridge', '"harbor" "bridge"'),
        ('bridge "harbor ferry" "toll', '"bridge" "harbor ferry" "toll"'),
        ('say "x""y"', '"say" "x" "y"'),
        ("a:b", '"a:b"'),
        ("-x", '"-x"'),
        ("NEAR(ferry", '"NEAR(ferry"'),
        ("bridge)", '"bridge)"'),
        ("x*y", '"x*y"'),
        ("OR bridge AND", '"bridge"'),
        ("bridge NOT", '"bridge"'),
        ("café*", '"café"*'),
    ],
)
def test_typed_query_becomes_fts5(typed, expected):
    assert to_fts5_match(typed) == expected


@pytest.mark.parametrize(
    "typed", ["", "   ", None, '"', "(", ")", "*", "-", "OR", "NOT NOT", "+ ^"]
)
def test_nothing_searchable_matches_nothing(typed):
    assert to_fts5_match(typed) == MATCH_NOTHING


@pytest.mark.parametrize(
    "typed",
    ['"', "(", "a:b", "-x", "NEAR(", "^x", "x AND", "AND", '"a" "b', "*x", "x**", "{a b}: c"],
)
def test_hostile_input_is_valid_fts5(typed):
    conn = sqlite3.connect(":memory:")
    conn.execute("create virtual table t using fts5(title, body)")
    conn.execute("insert into t values ('x a b', 'c')")
    conn.execute("select * from t where t match ?", [to_fts5_match(typed)]).fetchall()


def test_long_input_is_cut_to_the_term_limit():
    expression = to_fts5_match(" ".join(f"w{n}" for n in range(MAX_TERMS + 10)))
    assert expression.count('"') == 2 * MAX_TERMS
    assert f'"w{MAX_TERMS - 1}"' in expression
    assert f'"w{MAX_TERMS}"' not in expression


def test_highlight_keeps_marks_and_escapes_the_rest():
    marked = highlighted("a <b>\ue000bri&dge\ue001 <mark>x</mark> \ue000stray")
    assert str(marked) == "a &lt;b&gt;<mark>bri&amp;dge</mark> &lt;mark&gt;x&lt;/mark&gt; stray"


# --- the search page on a real archive ---------------------------------------------------------


def test_empty_search_shows_the_form_and_a_hint(news_archive):
    for params in (None, {"q": ""}, {"q": "   "}):
        response = fetch(news_archive, "/news/search", params)
        assert response.status_code == 200
        assert '<form class="home-search" action="/news/search"' in response.text
        assert 'name="q"' in response.text
        assert "harb*" in response.text  # the hint says how to search
        assert "fts5" not in response.text
        assert "0 results" not in response.text


def test_or_finds_either_word(news_archive):
    assert set(search_ids(news_archive, "harbor OR ferry")) == ids_of(
        news_archive, ["harbor-bridge", "ferry-winter"]
    )
    assert set(search_ids(news_archive, "bridge OR ferry")) == ids_of(
        news_archive, ["harbor-bridge", "ferry-winter", "toll-rise"]
    )


def test_phrase_needs_the_words_together(news_archive):
    assert set(search_ids(news_archive, '"harbor bridge"')) == ids_of(
        news_archive, ["harbor-bridge"]
    )
    assert search_ids(news_archive, '"bridge harbor"') == []


def test_prefix_finds_longer_words(news_archive):
    assert set(search_ids(news_archive, "harb*")) == ids_of(news_archive, ["harbor-bridge"])
    assert search_ids(news_archive, "harb") == []  # without the star, a whole word


def test_word_typed_without_its_accent_matches(news_archive):
    expected = ids_of(news_archive, ["cafe-rent"])
    assert set(search_ids(news_archive, "cafe")) == expected
    assert set(search_ids(news_archive, "zurich")) == expected
    assert set(search_ids(news_archive, "Café")) == expected


def test_not_leaves_a_word_out(news_archive):
    assert set(search_ids(news_archive, "bridge NOT toll")) == ids_of(
        news_archive, ["harbor-bridge"]
    )


@pytest.mark.parametrize(
    ("typed", "slugs"),
    [
        ('"', []),
        ("(", []),
        ("ferry (", ["ferry-winter"]),
        ('ferry "', ["ferry-winter"]),
        ("harbor:bridge", ["harbor-bridge"]),  # not a column filter: the phrase
        ("a:b", []),
        ("-x", []),
        ("bridge -toll", ["toll-rise"]),  # not a NOT: both words
        ("NEAR(", ["ferry-winter"]),  # the word "near"
        ("NEAR(the old", ["ferry-winter"]),  # the phrase "near the", and "old"
        ("NEAR(ferry pier)", []),  # the phrase "near ferry", in no story
        ("levee AND", []),
        ("ferry AND", ["ferry-winter"]),
    ],
)
def test_hostile_input_never_fails_and_finds_the_right_rows(news_archive, typed, slugs):
    assert set(search_ids(news_archive, typed)) == ids_of(news_archive, slugs)
    page = fetch(news_archive, "/news/search", {"q": typed})
    assert page.status_code == 200
    assert "syntax error" not in page.text


def test_best_match_first_with_the_headline_weighted(news_archive):
    # "repairs" is once in the harbour story's headline and four times in the toll story's
    # text: unweighted bm25 puts the toll story first, the headline's weight the other way.
    (harbor,) = ids_of(news_archive, ["harbor-bridge"])
    (toll,) = ids_of(news_archive, ["toll-rise"])
    assert search_ids(news_archive, "repairs") == [harbor, toll]
    with sqlite3.connect(news_archive) as conn:
        unweighted = conn.execute(
            "select rowid from articles_fts where articles_fts match 'repairs' order by rank"
        ).fetchall()
    assert unweighted == [(toll,), (harbor,)]  # the control: the weights are what decide


def test_results_link_to_the_archived_article(news_archive):
    (article_id,) = ids_of(news_archive, ["ferry-winter"])
    page = fetch(news_archive, "/news/search", {"q": "ferry"}).text
    assert f'<a class="search-hit" href="/news/articles/{article_id}">' in page
    assert "Ferry adds a winter crossing on Saturdays</a>" in page
    assert fetch(news_archive, f"/news/articles/{article_id}").status_code == 200


def test_matched_words_are_marked_and_stored_markup_stays_text(news_archive):
    page = fetch(news_archive, "/news/search", {"q": "filter"}).text
    assert "<mark>filter</mark>" in page
    assert "&lt;script&gt;alert(" in page
    assert "<script>alert(" not in page
    assert "\ue000" not in page
    assert "\ue001" not in page
