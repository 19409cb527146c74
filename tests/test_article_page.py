"""The article page, its versions and its raw page, on a real archive in a real Datasette.

Datasette is built by ``build_datasette``, exactly as ``newsarchive serve`` builds it, and
queried through its own ASGI client; pages are parsed with lxml to assert on what they show.
The archive file is called ``gazette.db``: the page must not depend on the database name.
"""

from __future__ import annotations

import asyncio
import sqlite3
from typing import TYPE_CHECKING

import lxml.html
import pytest

from crawler.archive import open_archive, store_articles
from crawler.datasette import build_datasette
from tests.test_history import FIRST_BODY, URL, record, write_versions

if TYPE_CHECKING:
    from pathlib import Path

    import httpx

SCRIPT_PAGE = (
    "<html><head><meta charset='iso-8859-1'><title>Caf\xe9</title></head><body>"
    "<script>document.title = 'ran'; fetch('/-/raw/');</script>"
    "<p>Caf\xe9 on the quay</p></body></html>"
).encode("latin-1")


@pytest.fixture
def gazette(tmp_path) -> Path:
    return make_archive(tmp_path / "gazette.db")


def make_archive(db_path: Path) -> Path:
    """Article 1 with three versions; article 2, gone, paywalled, a copy of 1, with traps."""
    write_versions(db_path)
    db = open_archive(db_path)
    store_articles(
        db,
        [
            record(
                FIRST_BODY + "\n\nA reader wrote <script>alert('owned')</script> to us.",
                "2026-11-04T12:00:00+00:00",
                url="http://news.test/wire/harbour-bridge/",
                title="Bridge <b>closing</b>",
                authors=["Wire Desk"],
                source="Harbour Press via Newswire",
                access="paywalled",
                lead_image={
                    "url": "javascript:alert(1)",
                    "caption": "The bridge at dusk",
                    "credit": "Sam Lens",
                },
                aliases=["http://news.test/amp/harbour-bridge/"],
                field_sources={"title": "json-ld", "authors": ["json-ld", "meta:author"]},
                headers={"content-type": "text/html; charset=ISO-8859-1"},
                page_html=SCRIPT_PAGE,
            )
        ],
    )
    db.close()
    with sqlite3.connect(db_path) as conn:  # what dedupe and a gone check record
        conn.execute(
            "update articles set duplicate_of = 1, gone_at = '2026-11-05T06:00:00+00:00' "
            "where id = 2"
        )
        conn.execute(
            'update articles set lead_image = \'{"url": "http://news.test/img/bridge.jpg", '
            '"caption": "Cables on the harbour bridge", "credit": "Ann Photo"}\' '
            "where id = 1"
        )
    return db_path


def get(db: Path, path: str, login: tuple[str, str] | None = None) -> httpx.Response:
    async def fetch() -> httpx.Response:
        datasette = build_datasette(db, login=login)
        await datasette.invoke_startup()
        return await datasette.client.get(path)

    return asyncio.run(fetch())


def page_of(response: httpx.Response) -> lxml.html.HtmlElement:
    assert response.status_code == 200, response.text[:500]
    return lxml.html.fromstring(response.text)


def texts(page: lxml.html.HtmlElement, css: str) -> list[str]:
    return [" ".join(element.text_content().split()) for element in page.cssselect(css)]


def test_article_page_shows_the_article_to_read(gazette):
    page = page_of(get(gazette, "/gazette/articles/1"))
    assert texts(page, "head > title") == ["Harbour bridge to close for three weeks"]
    assert texts(page, "h1") == ["Harbour bridge to close for three weeks"]
    assert texts(page, ".na-byline") == ["By Ada Lovelace and Grace Hopper"]
    assert texts(page, ".na-standfirst") == ["Two weeks of works on the city's busiest crossing."]
    assert texts(page, ".na-kicker") == ["The Test Times"]
    body = texts(page, ".na-body p")
    assert body[1] == "Engineers found cracks in three of its cables last month."
    assert body[-1] == "The works cost 4 million."
    assert len(body) == 5
    dates = texts(page, ".na-dates div")
    assert "Published 1 Nov 2026, 07:30 UTC" in dates
    assert "First archived 1 Nov 2026, 08:00 UTC" in dates
    # The third version is a re-extraction: no fetch, so the last check stays the second.
    assert "Last checked 2 Nov 2026, 09:15 UTC" in dates
    # The lead image is described and linked, never loaded from the original site.
    assert texts(page, ".na-caption") == ["Cables on the harbour bridge"]
    assert texts(page, ".na-credit") == ["Credit: Ann Photo"]
    assert page.cssselect("img") == []
    assert "http://news.test/img/bridge.jpg" in [a.get("href") for a in page.cssselect("a")]
    links = {" ".join(a.text_content().split()): a.get("href") for a in page.cssselect("a")}
    assert links["Original page"] == URL
    assert links["Versions (3)"] == "#versions"
    assert links["Raw page"].startswith("/-/page/gazette/")
    assert links["JSON"] == "/gazette/articles/1.json"
    # Nothing the archive keeps as JSON reaches the reader as JSON.
    article_text = page.cssselect("article")[0].text_content()
    assert '["' not in article_text
    assert '{"' not in article_text


def test_versions_section_shows_classes_fields_and_a_coloured_diff(gazette):
    page = page_of(get(gazette, "/gazette/articles/1"))
    versions = page.cssselect("#versions .na-version")
    assert [v.get("id") for v in versions] == ["v3", "v2", "v1"]
    v2 = versions[1]
    assert texts(v2, ".na-badge") == ["substantive"]
    assert texts(v2, ".na-changed") == ["Changed: title, body"]
    assert texts(v2, ".na-corrections li")[0].startswith("Correction: an earlier version")
    assert texts(versions[0], ".na-badge") == ["reextract"]
    assert texts(versions[0], ".na-changed") == []  # NULL classes show nothing, not "None"
    assert "None" not in versions[0].text_content()
    added = texts(v2, ".na-diff-added")
    removed = texts(v2, ".na-diff-removed")
    assert "+Engineers found cracks in three of its cables last month." in added
    assert "-Engineers found cracks in two of its cables last month." in removed
    assert texts(v2, ".na-diff-file") == [
        "--- v1 2026-11-01T08:00:00+00:00",
        "+++ v2 2026-11-02T09:15:00+00:00",
    ]
    assert texts(versions[2], ".na-diff span") == []
    assert "The first version archived." in versions[2].text_content()


def test_gone_paywalled_duplicate_is_said_in_words_and_traps_stay_text(gazette):
    response = get(gazette, "/gazette/articles/2")
    page = page_of(response)
    assert texts(page, "head > title") == ["Bridge <b>closing</b>"]  # escaped, shown as typed
    assert "<b>closing" not in response.text
    assert texts(page, ".na-gone") == [
        "Gone from the site since 5 Nov 2026, 06:00 UTC: this is the archived copy."
    ]
    assert texts(page, ".na-access")[0].startswith("Paywalled:")
    duplicate = page.cssselect(".na-duplicate a")
    assert [(a.get("href"), a.text_content()) for a in duplicate] == [
        ("/gazette/articles/1", "Harbour bridge to close for three weeks")
    ]
    assert texts(page, ".na-source") == ["Source: Harbour Press via Newswire"]
    assert texts(page, ".na-field-sources dl div") == [
        "authors json-ld, meta:author",
        "title json-ld",
    ]
    # Scraped markup is text; a javascript: URL is shown, never linked.
    assert "&lt;script&gt;alert(" in response.text
    assert "<script>alert(" not in response.text
    assert not [a for a in page.cssselect("a") if "javascript" in (a.get("href") or "").lower()]
    # The other URLs it was seen at are listed.
    seen = [a.get("href") for a in page.cssselect("#urls a")]
    assert seen == ["http://news.test/wire/harbour-bridge/", "http://news.test/amp/harbour-bridge/"]


def test_row_json_and_other_row_pages_stay_datasettes(gazette):
    data = get(gazette, "/gazette/articles/1.json?_shape=array").json()
    assert data[0]["title"] == "Harbour bridge to close for three weeks"
    assert data[0]["authors"] == '["Ada Lovelace", "Grace Hopper"]'
    revision = page_of(get(gazette, "/gazette/revisions/1"))
    assert texts(revision, "h1") == ["revisions: 1"]
    assert get(gazette, "/gazette/articles/99").status_code == 404


def test_article_table_shows_authors_as_names(gazette):
    page = page_of(get(gazette, "/gazette/articles?_sort=id"))
    assert texts(page, "td.col-authors") == ["Ada Lovelace, Grace Hopper", "Wire Desk"]


def test_raw_page_is_served_sandboxed_with_its_charset(gazette):
    with sqlite3.connect(gazette) as conn:
        (page_id,) = conn.execute("select page_id from revisions where article_id = 2").fetchone()
    raw = get(gazette, f"/-/raw/gazette/{page_id}")
    assert raw.status_code == 200
    assert raw.content == SCRIPT_PAGE  # the bytes as the site sent them
    csp = [part.strip() for part in raw.headers["content-security-policy"].split(";")]
    assert "sandbox" in csp  # no allow-scripts, no allow-same-origin: nothing can run
    assert "default-src 'none'" in csp
    assert raw.headers["x-content-type-options"] == "nosniff"
    assert raw.headers["content-type"] == "text/html; charset=cp1252"

    rendered = page_of(get(gazette, f"/-/page/gazette/{page_id}"))
    (frame,) = rendered.cssselect("iframe")
    assert frame.get("sandbox") == ""
    assert frame.get("src") == f"/-/raw/gazette/{page_id}"
    assert rendered.cssselect("script[src*='raw']") == []

    source = get(gazette, f"/-/page/gazette/{page_id}/source")
    assert "&lt;script&gt;document.title = &#39;ran&#39;" in source.text
    assert "<script>document.title" not in source.text
    assert "Café on the quay" in page_of(source).cssselect("pre")[0].text_content()


def test_article_links_to_its_raw_page(gazette):
    page = page_of(get(gazette, "/gazette/articles/2"))
    links = {a.text_content(): a.get("href") for a in page.cssselect(".na-links a")}
    raw = page_of(get(gazette, links["Raw page"]))
    assert "http://news.test/wire/harbour-bridge/" in raw.text_content()
    back = {a.text_content(): a.get("href") for a in raw.cssselect(".na-links a")}
    assert back["Back to the article"] == "/gazette/articles/2"


@pytest.mark.parametrize("path", ["/-/raw/gazette/999", "/-/page/gazette/999", "/-/raw/nope/1"])
def test_unknown_raw_page_is_404(gazette, path):
    assert get(gazette, path).status_code == 404


def test_raw_page_stays_closed_behind_login(gazette):
    from datasette_auth_passwords.utils import hash_password

    login = ("editor", hash_password("a long enough password"))
    assert get(gazette, "/-/raw/gazette/1", login=login).status_code == 403
    assert get(gazette, "/-/page/gazette/1", login=login).status_code == 403
    assert get(gazette, "/-/raw/gazette/1").status_code == 200


def test_article_and_raw_links_work_for_any_database_name(tmp_path):
    odd = make_archive(tmp_path / "my news.db")
    article = get(odd, "/my+news/articles/2")
    links = {a.text_content(): a.get("href") for a in page_of(article).cssselect(".na-links a")}
    assert links["Raw page"].startswith("/-/page/my+news/")
    rendered = page_of(get(odd, links["Raw page"]))
    (frame,) = rendered.cssselect("iframe")
    raw = get(odd, frame.get("src"))
    assert raw.content == SCRIPT_PAGE
    assert get(odd, links["Raw HTML source"]).status_code == 200
