"""``newsarchive import-warc``: a WARC written with warcio from the fixture sites, imported.

The WARC holds what a capture tool writes: a request and a response record per page fetched
from the loopback fixture server, a revisit record and a warcinfo record. Imported into an
empty archive, its articles must be the articles a crawl of the same sites stores.
"""

from __future__ import annotations

import io
import shutil
import sqlite3
import subprocess
import urllib.request
from typing import TYPE_CHECKING

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from tests.conftest import crawl_fixture_sites, run_cli

if TYPE_CHECKING:
    from pathlib import Path

    from tests.conftest import FixtureSites

WARC_DATE = "2026-10-05T08:30:00Z"
ARCHIVE_DATE = "2026-10-05T08:30:00+00:00"


def write_warc(path: Path, urls: list[str], *, gzip: bool = True) -> None:
    """A capture of ``urls`` as a crawler writes it: warcinfo, then request + response each,
    and at the end a revisit record of the first URL (a second capture, same payload)."""
    with path.open("wb") as out:
        writer = WARCWriter(out, gzip=gzip)
        writer.write_record(writer.create_warcinfo_record(path.name, {"software": "tests"}))
        for url in urls:
            with urllib.request.urlopen(url, timeout=10) as answer:  # loopback only
                body, status, reason = answer.read(), answer.status, answer.reason
                headers = list(answer.headers.items())
            request = StatusAndHeaders(f"GET {url} HTTP/1.1", [], is_http_request=True)
            writer.write_record(
                writer.create_warc_record(
                    url, "request", payload=io.BytesIO(b""), http_headers=request
                )
            )
            writer.write_record(
                writer.create_warc_record(
                    url,
                    "response",
                    payload=io.BytesIO(body),
                    http_headers=StatusAndHeaders(f"{status} {reason}", headers, "HTTP/1.1"),
                    warc_headers_dict={"WARC-Date": WARC_DATE},
                )
            )
        writer.write_record(writer.create_revisit_record(urls[0], "sha1:AAAA", urls[0], WARC_DATE))


def rows(db: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()


def import_warc(warc: Path, db: Path, sites: Path):
    return run_cli("import-warc", str(warc), "--db", str(db), "--sites", str(sites))


@pytest.fixture
def crawled_and_captured(
    fixture_sites: FixtureSites, tmp_path: Path
) -> tuple[FixtureSites, Path, list[str]]:
    """The blog and paper crawled into ``crawled.db``, and the URLs of a capture of them:
    every page the crawl stored, the two home pages and a robots.txt (not HTML)."""
    crawled = tmp_path / "crawled.db"
    crawl_fixture_sites(fixture_sites, crawled, "blog", "paper")
    pages = [url for (url,) in rows(crawled, "SELECT url FROM pages ORDER BY id")]
    blog, paper = fixture_sites.servers["blog"], fixture_sites.servers["paper"]
    return fixture_sites, crawled, [*pages, blog.url("/"), paper.url("/"), blog.url("/robots.txt")]


def articles(db: Path) -> dict[str, tuple]:
    """What a reader calls the article. Not ``published``: a date that only the sitemap gave
    the crawl is not in a capture of the page."""
    return {
        url: rest
        for url, *rest in rows(
            db, "SELECT url, site, site_name, title, body, authors, content_hash FROM articles"
        )
    }


def test_import_gives_the_articles_a_crawl_gives(
    crawled_and_captured: tuple[FixtureSites, Path, list[str]], tmp_path: Path
) -> None:
    sites, crawled, urls = crawled_and_captured
    warc = tmp_path / "capture.warc.gz"
    write_warc(warc, urls)
    imported = tmp_path / "imported.db"

    result = import_warc(warc, imported, sites.sites_file)

    assert result.returncode == 0, result.stdout + result.stderr
    pages = len(urls) - 1  # robots.txt is text/plain
    records = 1 + 2 * len(urls) + 1
    assert result.stdout.startswith(
        f"import-warc: {records} records, {pages} pages; articles: 14 new, 0 changed, "
        "0 unchanged; 2 skipped as non-articles, 0 dropped; records passed over: "
        f"1 not html, {len(urls)} request, 1 revisit, 1 warcinfo"
    )
    assert articles(imported) == articles(crawled)
    assert len(articles(imported)) == 14
    assert set(rows(imported, "SELECT reason, fetched_at FROM revisions")) == {
        ("import", ARCHIVE_DATE)
    }
    assert set(rows(imported, "SELECT first_seen, last_seen FROM articles")) == {
        (ARCHIVE_DATE, ARCHIVE_DATE)
    }
    assert rows(imported, "SELECT count(*), min(fetched_at), max(fetched_at) FROM pages") == [
        (14, ARCHIVE_DATE, ARCHIVE_DATE)
    ]
    assert rows(imported, "SELECT command, site, finish_reason FROM crawls") == [
        ("import-warc", "capture.warc.gz", "finished")
    ]

    again = import_warc(warc, imported, sites.sites_file)
    assert again.returncode == 0, again.stderr
    assert "articles: 0 new, 0 changed, 14 unchanged" in again.stdout
    assert rows(imported, "SELECT count(*) FROM revisions") == [(14,)]


def test_import_names_sites_by_host_when_no_site_holds_them(
    crawled_and_captured: tuple[FixtureSites, Path, list[str]], tmp_path: Path
) -> None:
    _, _, urls = crawled_and_captured
    warc = tmp_path / "capture.warc"
    write_warc(warc, urls, gzip=False)
    imported = tmp_path / "imported.db"

    result = import_warc(warc, imported, tmp_path / "no-sites.toml")

    assert result.returncode == 0, result.stdout + result.stderr
    # The paper's articles say so (JSON-LD NewsArticle); the blog's posts are articles only
    # by the `allow` rule of its site in the sites file, which this import does not have.
    assert rows(imported, "SELECT site, count(*) FROM articles GROUP BY site ORDER BY site") == [
        ("127.0.0.2", 8)
    ]
    assert "articles: 8 new, 0 changed, 0 unchanged; 8 skipped as non-articles" in result.stdout
    assert "note: 127.0.0.2 is in no site of the sites file: its 9 page(s)" in result.stderr
    assert "note: 127.0.0.3 is in no site of the sites file: its 7 page(s)" in result.stderr


def test_import_refuses_a_file_that_is_not_a_warc_and_writes_nothing(tmp_path: Path) -> None:
    page = tmp_path / "page.warc.gz"
    page.write_text("<html><body><p>not a WARC</p></body></html>", encoding="utf-8")
    db = tmp_path / "archive.db"

    result = import_warc(page, db, tmp_path / "sites.toml")

    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        (
            f"Error: {page}: not a WARC file (Unknown archive format, first line: "
            "['<html><body><p>not', 'a', 'WARC</p></body></html>'])"
        )
    ]
    assert result.stdout == ""
    assert not db.exists()


@pytest.mark.parametrize("gzip", [True, False], ids=["warc.gz", "warc"])
def test_import_of_a_truncated_warc_keeps_what_was_read(
    crawled_and_captured: tuple[FixtureSites, Path, list[str]], tmp_path: Path, gzip: bool
) -> None:
    sites, _, urls = crawled_and_captured
    whole = tmp_path / "whole.warc"
    write_warc(whole, urls, gzip=gzip)
    data = whole.read_bytes()
    cut = tmp_path / ("cut.warc.gz" if gzip else "cut.warc")
    cut.write_bytes(data[: len(data) * 2 // 3])
    db = tmp_path / "archive.db"

    result = import_warc(cut, db, sites.sites_file)

    assert result.returncode == 3, result.stdout + result.stderr
    damage = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(damage) == 1
    assert damage[0].startswith(f"Error: {cut}: damaged, ")
    assert damage[0].endswith("the pages before it were imported")
    stored = rows(db, "SELECT count(*) FROM articles")[0][0]
    assert 0 < stored < 14
    assert rows(db, "PRAGMA integrity_check") == [("ok",)]


@pytest.mark.skipif(shutil.which("wget") is None, reason="wget is not installed")
def test_import_of_a_wget_capture_matches_the_crawl(
    fixture_sites: FixtureSites, tmp_path: Path
) -> None:
    """A WARC written by another tool: ``wget --warc-file`` following the paper's links."""
    paper = fixture_sites.servers["paper"]
    capture = tmp_path / "wget"
    capture.mkdir()
    mirror = ("-q", "-r", "-l", "2", "--no-parent", "-e", "robots=off", "--warc-file=paper")
    wget = subprocess.run(
        ["wget", *mirror, paper.url("/")],
        cwd=capture,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (capture / "paper.warc.gz").exists(), wget.stderr
    crawled = tmp_path / "crawled.db"
    crawl_fixture_sites(fixture_sites, crawled, "paper")
    imported = tmp_path / "imported.db"

    result = import_warc(capture / "paper.warc.gz", imported, fixture_sites.sites_file)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "request" in result.stdout.split("records passed over:")[1]
    from_wget, from_crawl = articles(imported), articles(crawled)
    assert len(from_wget) >= 5
    assert {url: from_crawl.get(url) for url in from_wget} == from_wget


def test_an_archive_exported_as_warc_imports_as_the_same_articles_but_what_was_forgotten(
    crawled_and_captured: tuple[FixtureSites, Path, list[str]], tmp_path: Path
) -> None:
    """export-warc and import-warc round trip: the pages an archive keeps are enough to make
    it again elsewhere, and a takedown in the receiving archive holds against the import."""
    sites, crawled, _ = crawled_and_captured
    warc = tmp_path / "archive.warc.gz"
    exported = run_cli("export-warc", "--db", str(crawled), str(warc))
    assert exported.returncode == 0, exported.stderr

    copy = tmp_path / "copy.db"
    result = import_warc(warc, copy, sites.sites_file)
    assert result.returncode == 0, result.stdout + result.stderr
    assert articles(copy) == articles(crawled)
    # The fetch times travel in WARC-Date.
    assert rows(copy, "SELECT url, fetched_at FROM pages ORDER BY url") == rows(
        crawled, "SELECT url, fetched_at FROM pages ORDER BY url"
    )

    (gone_url,) = rows(crawled, "SELECT url FROM articles ORDER BY id LIMIT 1")[0]
    forgotten = run_cli("forget", gone_url, "--reason", "court order", "--db", str(copy))
    assert forgotten.returncode == 0, forgotten.stderr
    again = import_warc(warc, copy, sites.sites_file)
    assert again.returncode == 0, again.stdout + again.stderr
    assert gone_url not in articles(copy)
    assert len(articles(copy)) == len(articles(crawled)) - 1
