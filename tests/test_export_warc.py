"""``newsarchive export-warc``, read back with FastWARC: a reader independent of warcio."""

from __future__ import annotations

import hashlib
import sqlite3
from datetime import datetime, timezone
from typing import TYPE_CHECKING

import pytest
from fastwarc.warc import ArchiveIterator, WarcRecordType

from crawler.export.warc import http_headers
from tests import test_export
from tests.conftest import run_cli
from tests.test_export import rows

if TYPE_CHECKING:
    from pathlib import Path

# The archive crawled once for this module, and a copy a test may change.
crawled = test_export.crawled
archive_copy = test_export.archive_copy


def read_warc(path: Path) -> list:
    """Every record, its payload read: (record, WARC headers, HTTP headers, payload)."""
    records = []
    with path.open("rb") as stream:
        for record in ArchiveIterator(stream, parse_http=True):
            http = record.http_headers
            payload = record.reader.read()
            records.append((record, dict(record.headers), http, payload))
    return records


def test_every_stored_page_reads_back_with_its_stored_sha256(crawled, tmp_path):
    out = tmp_path / "all.warc.gz"
    result = run_cli("export-warc", "--db", str(crawled), str(out))
    assert result.returncode == 0, result.stderr
    pages = rows(crawled, "select * from pages order by id")
    assert len(pages) == 21
    assert result.stdout.startswith(f"Exported {len(pages)} pages (")

    records = read_warc(out)
    info, *responses = records
    assert info[0].record_type == WarcRecordType.warcinfo
    assert info[0].headers.status_line == "WARC/1.1"
    assert b"software: newsarchive/" in info[3]
    assert len(responses) == len(pages)
    for (record, headers, http, payload), page in zip(responses, pages, strict=True):
        assert record.record_type == WarcRecordType.response
        assert headers["WARC-Target-URI"] == page["url"]
        assert hashlib.sha256(payload).hexdigest() == page["html_sha256"]
        assert len(payload) == page["html_size"]
        fetched = datetime.fromisoformat(page["fetched_at"]).astimezone(timezone.utc)
        assert record.record_date == fetched
        assert headers["WARC-Date"] == fetched.strftime("%Y-%m-%dT%H:%M:%SZ")
        assert headers["WARC-Payload-Digest"].startswith("sha256:")
        assert http.status_code == page["status"] == 200
        assert http.status_line == "HTTP/1.1 200 OK"
        assert http.get("Content-Length") == str(len(payload))
        assert http.get("Content-Type", "").startswith("text/html")
    assert {page["url"] for page in pages} == {
        headers["WARC-Target-URI"] for _, headers, *_ in responses
    }


def test_fastwarc_verifies_the_digests_warcio_wrote(crawled, tmp_path):
    out = tmp_path / "blog.warc.gz"
    assert run_cli("export-warc", "--site", "blog", "--db", str(crawled), str(out)).returncode == 0
    checked = {}
    # The block digest covers the HTTP headers too: it is checked before they are parsed.
    for parse_http in (False, True):
        with out.open("rb") as stream:
            checked[parse_http] = [
                (record.record_type, record.verify_block_digest())
                if not parse_http
                else (record.record_type, record.verify_payload_digest())
                for record in ArchiveIterator(stream, parse_http=parse_http)
            ]
    response = WarcRecordType.response
    assert checked[False][1:] == checked[True][1:] == [(response, True)] * 6


def test_site_filter_exports_only_that_sites_pages(crawled, tmp_path):
    out = tmp_path / "paper.warc.gz"
    assert run_cli("export-warc", "--site", "paper", "--db", str(crawled), str(out)).returncode == 0
    urls = [headers["WARC-Target-URI"] for _, headers, *_ in read_warc(out)[1:]]
    expected = rows(
        crawled,
        "select pages.url from pages join articles on articles.id = pages.article_id "
        "where articles.site = 'paper' order by pages.id",
    )
    assert urls == [row["url"] for row in expected]
    assert len(urls) == 8


def test_headers_about_the_wire_are_replaced_by_the_stored_bodys_length():
    headers = http_headers(
        404,
        '{"content-encoding": "gzip", "Transfer-Encoding": "chunked", "content-length": "90",'
        ' "content-type": "text/html", "set-cookie": ["a=1", "b=2"]}',
        1234,
    )
    assert headers.statusline == "404 Not Found"
    assert headers.headers == [
        ("Content-Type", "text/html"),
        ("Set-Cookie", "a=1"),
        ("Set-Cookie", "b=2"),
        ("Content-Length", "1234"),
    ]


def test_a_damaged_page_is_refused_and_nothing_is_written(archive_copy, tmp_path):
    with sqlite3.connect(archive_copy) as conn:
        conn.execute("update pages set html_sha256 = ? where id = 3", ["0" * 64])
    out = tmp_path / "damaged.warc.gz"
    result = run_cli("export-warc", "--db", str(archive_copy), str(out))
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1
    assert "page 3 (" in result.stderr
    assert "SHA-256 is not the recorded one" in result.stderr
    assert [path.name for path in tmp_path.iterdir() if "warc" in path.name] == []


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("--site", "nosuch", "x.warc.gz"), 2, "--site 'nosuch'"),
        (("pages.warc",), 2, "pages.warc: a gzipped WARC file's name ends in .warc.gz"),
        (("no/such/folder/x.warc.gz",), 1, "the folder no/such/folder does not exist"),
    ],
)
def test_bad_input_is_one_line(crawled, tmp_path, args, code, message):
    result = run_cli("export-warc", "--db", str(crawled), *args, cwd=tmp_path)
    assert result.returncode == code
    assert result.stderr.count("\n") == 1
    assert message in result.stderr
    assert list(tmp_path.iterdir()) == []
