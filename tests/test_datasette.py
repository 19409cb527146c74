"""Datasette on a crawled archive, built exactly as ``newsarchive serve`` builds it."""

from __future__ import annotations

import asyncio
import html
import re
import socket
import sqlite3
import subprocess
import sys
import time
from typing import TYPE_CHECKING

import httpx
import pytest

from crawler.datasette import build_datasette, database_name
from tests.conftest import run_cli

if TYPE_CHECKING:
    from pathlib import Path


@pytest.fixture(scope="module")
def crawled_archive(tmp_path_factory) -> Path:
    """The blog and newspaper fixture sites crawled once into ``news.db``."""
    from crawler.demo.server import SiteServer
    from tests.conftest import SITE_DIR, sites_toml

    folder = tmp_path_factory.mktemp("datasette")
    hosts = {"wp": "127.0.0.1", "paper": "127.0.0.2", "blog": "127.0.0.3"}
    servers = {name: SiteServer(SITE_DIR / name, host=host).start() for name, host in hosts.items()}
    sites_file = folder / "sites.toml"
    sites_file.write_text(sites_toml(servers), encoding="utf-8")
    db = folder / "news.db"  # not "archive": the metadata must follow the file's own name
    result = run_cli("crawl", "--sites", str(sites_file), "--db", str(db))
    for server in servers.values():
        server.stop()
    assert result.returncode == 0, result.stderr
    return db


def get(db: Path, path: str, **settings) -> httpx.Response:
    async def fetch() -> httpx.Response:
        datasette = build_datasette(db, settings or None)
        await datasette.invoke_startup()
        return await datasette.client.get(path)

    return asyncio.run(fetch())


def test_metadata_is_keyed_by_the_database_file_name(crawled_archive):
    assert database_name(crawled_archive) == "news"
    response = get(crawled_archive, "/news.json")
    assert response.status_code == 200
    queries = {query["name"] for query in response.json()["queries"]}
    assert {"search", "latest_by_site"} <= queries


def test_count_query_answers(crawled_archive):
    response = get(
        crawled_archive, "/news.json?sql=select+count(*)+as+n+from+articles&_shape=array"
    )
    assert response.json() == [{"n": 21}]


def test_full_text_search_finds_an_article(crawled_archive):
    response = get(crawled_archive, "/news/articles.json?_search=marathon&_shape=array")
    titles = [row["title"] for row in response.json()]
    assert titles == ["Riverton Marathon draws record field despite cold snap"]


def test_search_canned_query(crawled_archive):
    response = get(crawled_archive, "/news/search.json?q=levee&_shape=array")
    assert response.status_code == 200
    rows = response.json()
    assert rows
    assert all("levee" in (row["snippet"] + row["title"]).lower() for row in rows)
    # Punctuation a reader types must not become FTS syntax errors: an unclosed quote is text,
    # a trailing AND is dropped.
    unclosed = get(crawled_archive, "/news/search.json?q=%22levee+AND&_shape=array")
    assert unclosed.status_code == 200
    assert [row["id"] for row in unclosed.json()] == [row["id"] for row in rows]
    # OR is an operator, as typed; headlines link to the archived article.
    either = get(crawled_archive, "/news/search.json?q=levee+OR+marathon&_shape=array").json()
    titles = {row["title"] for row in either}
    assert "Riverton Marathon draws record field despite cold snap" in titles
    assert {row["id"] for row in rows} < {row["id"] for row in either}
    page = get(crawled_archive, "/news/search?q=marathon").text
    assert re.search(r'<a class="search-hit" href="/news/articles/\d+">Riverton Marathon', page)


def test_latest_by_site_canned_query(crawled_archive):
    rows = get(crawled_archive, "/news/latest_by_site.json?_shape=array").json()
    per_site: dict[str, list[str]] = {}
    for row in rows:
        per_site.setdefault(row["site"], []).append(row["published"])
    assert set(per_site) == {"wp", "paper", "blog"}
    for dates in per_site.values():
        assert dates == sorted(dates, reverse=True)


def test_site_facet_counts_every_article(crawled_archive):
    response = get(crawled_archive, "/news/articles.json?_facet=site")
    facets = response.json()["facet_results"]["site"]["results"]
    assert {facet["value"]: facet["count"] for facet in facets} == {"wp": 7, "paper": 8, "blog": 6}


@pytest.mark.parametrize(
    "sql",
    [
        "delete from articles",
        "update articles set title = 'x'",
        "pragma journal_mode=delete",
        "attach database '/tmp/x.db' as x",
    ],
)
def test_writes_through_datasette_are_rejected(crawled_archive, sql):
    response = get(crawled_archive, "/news.json?" + httpx.QueryParams({"sql": sql}).__str__())
    assert response.status_code == 400
    assert get(
        crawled_archive, "/news.json?sql=select+count(*)+as+n+from+articles&_shape=array"
    ).json() == [{"n": 21}]


def test_expensive_query_is_cut_off(crawled_archive):
    sql = "with recursive r(i) as (select 1 union all select i + 1 from r) select count(*) from r"
    response = get(
        crawled_archive, "/news.json?" + str(httpx.QueryParams({"sql": sql})), sql_time_limit_ms=200
    )
    assert response.status_code == 400
    assert "interrupted" in response.text.lower() or "time limit" in response.text.lower()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_serve_command_answers_on_loopback(crawled_archive):
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "crawler.cli",
            "serve",
            "--db",
            str(crawled_archive),
            "--port",
            str(port),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                response = httpx.get(
                    f"http://127.0.0.1:{port}/news.json?sql=select+1+as+one&_shape=array", timeout=2
                )
                break
            except httpx.TransportError:
                assert server.poll() is None, server.stderr.read()
                assert time.monotonic() < deadline, "serve did not answer within 30 s"
                time.sleep(0.2)
        assert response.json() == [{"one": 1}]
        assert "-i" not in server.args
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_scraped_markup_is_shown_as_text(tmp_path):
    from crawler.demo.server import SiteServer

    (tmp_path / "site").mkdir()
    paragraph = (
        "A reader wrote <script>alert('owned')</script> in the comment box, said the editor."
    )
    (tmp_path / "site" / "story.html").write_text(
        "<html><head><title>Injection test</title></head><body><article><h1>Injection test</h1>"
        + f"<p>{html.escape(paragraph)}</p>" * 5
        + "</article></body></html>"
    )
    db = tmp_path / "inject.db"
    with SiteServer(tmp_path / "site") as server:
        result = run_cli("archive", server.url("/story.html"), "--db", str(db))
    assert result.returncode == 0, result.stdout + result.stderr
    with sqlite3.connect(db) as conn:  # stored as the text it is...
        assert (
            "<script>alert('owned')</script>"
            in conn.execute("select body from articles").fetchone()[0]
        )
    page = get(db, "/inject/articles/1")  # ...and shown as text, never run
    assert page.status_code == 200
    assert "&lt;script&gt;alert(" in page.text
    assert "<script>alert(" not in page.text
