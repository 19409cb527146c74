"""The home page, the articles table as readers see it, changed articles and the per-day chart.

On a real archive: ``newsarchive archive`` fetches the test stories of ``tests/test_search.py``
from a loopback site, then one story is edited and fetched again (so it has two versions),
and the archive is served by ``build_datasette`` as ``newsarchive serve`` serves it.
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
from typing import TYPE_CHECKING

import pytest

from crawler.datasette import build_datasette
from crawler.datasette.home_chart import Day, days_of, nice_top
from crawler.datasette.table_articles import DEFAULT_COLUMNS, json_cell, shortened
from tests.conftest import run_cli
from tests.test_search import STORIES, story_page

if TYPE_CHECKING:
    from pathlib import Path

    import httpx

LONG_PARAGRAPH = "The tide tables were read aloud at the harbour office every morning. " * 8


@pytest.fixture(scope="module")
def edited_archive(tmp_path_factory) -> Path:
    """The test stories in ``daily.db``, the ferry story archived twice with an edit between."""
    from crawler.demo.server import SiteServer

    folder = tmp_path_factory.mktemp("home")
    site = folder / "site"
    site.mkdir()
    for day, slug in enumerate(STORIES, start=1):
        (site / f"{slug}.html").write_text(story_page(slug, day), encoding="utf-8")
    db = folder / "daily.db"
    with SiteServer(site) as server:
        urls = [server.url(f"/{slug}.html") for slug in STORIES]
        first = run_cli("archive", *urls, "--db", str(db))
        assert first.returncode == 0, first.stdout + first.stderr
        ferry = site / "ferry-winter.html"
        ferry.write_text(
            ferry.read_text(encoding="utf-8").replace(
                "</article>", f"<p>{LONG_PARAGRAPH}</p></article>"
            ),
            encoding="utf-8",
        )
        again = run_cli("archive", server.url("/ferry-winter.html"), "--db", str(db))
        assert again.returncode == 0, again.stdout + again.stderr
    return db


def fetch(db: Path, path: str) -> httpx.Response:
    async def inner() -> httpx.Response:
        datasette = build_datasette(db)
        await datasette.invoke_startup()
        return await datasette.client.get(path)

    return asyncio.run(inner())


def column_headers(page: str) -> list[str]:
    return re.findall(r'<th [^>]*data-column="([^"]+)"', page)


def test_home_page_has_a_search_form_posting_to_the_search_query(edited_archive):
    page = fetch(edited_archive, "/").text
    form = re.search(r'<form class="home-search" action="([^"]+)" method="get"', page)
    assert form is not None
    assert form.group(1) == "/daily/search"
    assert '<input id="home-q" type="search" name="q"' in page
    assert "harb*" in page  # the hint
    # Submitting it lands on search results.
    results = fetch(edited_archive, form.group(1) + "?q=ferry").text
    assert "Ferry adds a winter crossing" in results


def test_home_page_counts_and_ways_in(edited_archive):
    page = fetch(edited_archive, "/").text
    assert f"<strong>{len(STORIES)}</strong> articles" in page
    assert "<strong>1</strong> site," in page
    with sqlite3.connect(edited_archive) as conn:
        (last_crawl,) = conn.execute("select max(started_at) from crawls").fetchone()
    assert f'<time datetime="{last_crawl}">' in page
    for href in (
        "/daily/articles?_sort_desc=published",
        "/daily/latest_by_site",
        "/daily/sites",
        "/daily/changed_articles",
        "/daily/crawls?_sort_desc=started_at",
        "/daily/-/articles-per-day",
    ):
        assert f'href="{href}"' in page
        assert fetch(edited_archive, href).status_code == 200, href
    assert 'href="/daily/article_urls"' in page  # the stock table list stays for SQL users


def test_articles_table_shows_the_default_columns_and_no_full_body(edited_archive):
    page = fetch(edited_archive, "/daily/articles").text
    shown = column_headers(page)
    assert sorted(shown) == sorted(DEFAULT_COLUMNS)  # in the table's order
    # On a phone, the last label given to each cell position names the column shown there.
    labels = dict(re.findall(r'td:nth-of-type\((\d+)\):before \{ content: "([^"]+)"', page))
    assert [labels[str(n)] for n in range(1, len(shown) + 1)] == shown
    assert "Showing 7 of 27 columns" in page
    assert LONG_PARAGRAPH[:80] not in page  # no body at all in the default view
    assert "Ada Reyes" in page
    assert '["Ada Reyes"]' not in page  # the authors list as names
    with sqlite3.connect(edited_archive) as conn:
        (ferry_id,) = conn.execute("select id from articles where url like '%ferry%'").fetchone()
    assert f'<a href="/daily/articles/{ferry_id}">Ferry adds a winter crossing' in page


def test_asked_columns_are_shown_with_long_text_cut(edited_archive):
    page = fetch(edited_archive, "/daily/articles?_col=title&_col=body").text
    assert column_headers(page) == ["id", "title", "body"]
    cells = re.findall(r'<td class="col-body[^"]*">(.*?)</td>', page, re.DOTALL)
    assert len(cells) == len(STORIES)
    assert all(len(cell) <= 200 + len("…") + 40 for cell in cells)  # escaping adds a little
    assert any(cell.endswith("…") for cell in cells)
    everything = fetch(edited_archive, "/daily/articles?_nocol=body").text
    assert len(column_headers(everything)) > len(DEFAULT_COLUMNS)
    assert "body" not in column_headers(everything)


def test_show_all_columns_link_lists_every_column(edited_archive):
    page = fetch(edited_archive, "/daily/articles").text
    link = re.search(r'<a href="([^"]+)">show all columns</a>', page)
    assert link is not None
    full = fetch(edited_archive, link.group(1).replace("&amp;", "&")).text
    with sqlite3.connect(edited_archive) as conn:
        columns = [row[1] for row in conn.execute("pragma table_info(articles)")]
    assert column_headers(full) == columns


def test_exports_keep_every_column(edited_archive):
    rows = fetch(edited_archive, "/daily/articles.json?_shape=array").json()
    assert len(rows) == len(STORIES)
    assert {"body", "url", "content_hash", "field_sources"} <= set(rows[0])
    ferry = next(row for row in rows if "ferry" in row["url"])
    assert LONG_PARAGRAPH.strip() in ferry["body"]
    csv = fetch(edited_archive, "/daily/articles.csv").text
    assert csv.splitlines()[0].split(",")[:3] == ["id", "url", "canonical_url"]


def test_article_page_keeps_the_whole_body(edited_archive):
    with sqlite3.connect(edited_archive) as conn:
        (ferry_id,) = conn.execute("select id from articles where url like '%ferry%'").fetchone()
    page = fetch(edited_archive, f"/daily/articles/{ferry_id}").text
    assert LONG_PARAGRAPH.strip()[-60:] in page


def test_changed_articles_lists_the_edited_one(edited_archive):
    rows = fetch(edited_archive, "/daily/changed_articles.json?_shape=array").json()
    assert [(row["title"], row["version"]) for row in rows] == [
        ("Ferry adds a winter crossing on Saturdays", 2)
    ]
    page = fetch(edited_archive, "/daily/changed_articles").text
    assert f'href="/daily/articles/{rows[0]["id"]}"' in page


def test_chart_draws_a_bar_per_day_offline(edited_archive):
    page = fetch(edited_archive, "/daily/-/articles-per-day")
    assert page.status_code == 200
    assert "<svg" in page.text
    bars = re.findall(r"<rect [^>]*><title>(\S+) (\S+): (\d+)</title>", page.text)
    # One story a day from Nov 1; the site of an archived URL is its host.
    assert bars == [(f"2026-11-{day:02d}", "127.0.0.1", "1") for day in range(1, 6)]
    # Nothing the page loads comes from the internet (the footer's link is only a link).
    assert not re.search(r'src="https?://|<link [^>]*href="https?://', page.text)
    rows = fetch(edited_archive, "/daily/articles_per_day.json?_shape=array&days=2").json()
    assert [row["day"] for row in rows] == ["2026-11-04", "2026-11-05"]


def test_chart_days_are_bounded(edited_archive):
    assert fetch(edited_archive, "/daily/-/articles-per-day?days=x").status_code == 200
    assert fetch(edited_archive, "/daily/-/articles-per-day?days=-5").status_code == 200
    assert fetch(edited_archive, "/nosuchdb/-/articles-per-day").status_code == 404


def test_days_fill_gaps_with_zero():
    days = days_of(
        [
            {"site": "a", "day": "2026-11-01", "articles": 2},
            {"site": "b", "day": "2026-11-03", "articles": 1},
        ]
    )
    assert days == [
        Day(days[0].day, {"a": 2}),
        Day(days[1].day, {}),
        Day(days[2].day, {"b": 1}),
    ]
    assert [str(day.day) for day in days] == ["2026-11-01", "2026-11-02", "2026-11-03"]
    assert days_of([]) == []


@pytest.mark.parametrize(("value", "top"), [(1, 1), (3, 5), (7, 10), (11, 20), (140, 200)])
def test_axis_top_is_round(value, top):
    assert nice_top(value) == top


def test_json_cells_and_shortening():
    assert json_cell('["Ada Reyes", "Jo Li"]') == "Ada Reyes, Jo Li"
    assert json_cell('{"url": "x", "caption": "y"}') == '{"url": "x", "caption": "y"}'
    assert json_cell("not json") is None
    assert json_cell("3") is None
    assert shortened("x" * 250) == "x" * 200 + "…"
    assert shortened("short") == "short"
