"""``newsarchive extract``: saved pages, stdin and URLs in, article records out, nothing archived.

Files are real files under tmp_path, URLs are served by the real loopback server (and, for
redirects, a small real HTTP server in this module); the command runs in-process through
click's CliRunner, and once as a subprocess with real stdin.
"""

from __future__ import annotations

import gzip
import json
import shutil
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from click.testing import CliRunner

from crawler.cli import cli
from crawler.demo.server import SiteServer
from crawler.page_fetch import Fetcher, FetchError
from crawler.sites import DEFAULT_USER_AGENT
from tests.conftest import SEED_PATH, SITE_DIR

BLOG_POST = SITE_DIR / "blog" / "posts" / "tomatoes-again" / "index.html"
PAPER_PATH = "/news/2026/11/marathon-draws-record-field-despite-cold-snap.html"
PAPER_POST = SITE_DIR / "paper" / PAPER_PATH.lstrip("/")
SEED_FILE = SITE_DIR / "wp" / SEED_PATH.strip("/") / "index.html"
SEED_BASE = "http://127.0.0.1:8000"


def extract(*args: str, stdin: bytes | None = None):
    result = CliRunner().invoke(cli, ["extract", *args], input=stdin)
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


def records(result) -> list[dict]:
    return [json.loads(line) for line in result.stdout.splitlines()]


def error_lines(result) -> list[str]:
    return result.stderr.splitlines()


def error(given: str, reason: str) -> str:
    return f"newsarchive extract: {given}: {reason}"


DISALLOWED = f"robots.txt disallows it for {DEFAULT_USER_AGENT}"


@pytest.fixture
def paper(tmp_path):
    root = tmp_path / "paper"
    shutil.copytree(SITE_DIR / "paper", root)
    with SiteServer(root, host="127.0.0.2") as server:
        yield server


@pytest.fixture
def dead_url() -> str:
    """A loopback URL on which nothing listens: connection refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/story/"


class RedirectHandler(BaseHTTPRequestHandler):
    """Routes the loopback site server lacks.

    /to?<url> redirects there, /loop redirects to itself, /trickle?n=<bytes> sends a page one
    byte every 0.2 s, /no-length sends 5000 bytes without a Content-Length, /gzip sends the
    blog post gzip-encoded; anything else is a 404.
    """

    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        path, _, query = self.path.partition("?")
        if path == "/to":
            self._answer(302, location=query)
        elif path == "/loop":
            self._answer(302, location="/loop")
        elif path == "/trickle":
            self._trickle(int(query.removeprefix("n=")))
        elif path == "/no-length":
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(b"<p>" + b"x" * 5000)
            self.close_connection = True
        elif path == "/gzip":
            body = gzip.compress(BLOG_POST.read_bytes())
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        else:
            self._answer(404)

    def _trickle(self, size: int) -> None:
        body = b"<p>" + b"x" * (size - 3)
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(size))
        self.end_headers()
        try:
            for byte in body:
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
                time.sleep(0.2)
        except OSError:  # the client gave up
            self.close_connection = True

    def _answer(self, status: int, location: str = "") -> None:
        self.send_response(status)
        if location:
            self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args) -> None:
        pass


@pytest.fixture
def redirector():
    httpd = ThreadingHTTPServer(("127.0.0.3", 0), RedirectHandler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.3:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


# --- files ----------------------------------------------------------------------------------


def test_html_and_gzipped_html_files_give_the_same_record(tmp_path):
    gz = tmp_path / "post.html.gz"
    gz.write_bytes(gzip.compress(BLOG_POST.read_bytes()))
    result = extract(str(BLOG_POST), str(gz))
    assert result.exit_code == 0, result.stderr
    plain, unzipped = records(result)
    assert plain["input"] == str(BLOG_POST)
    assert unzipped["input"] == str(gz)
    assert plain["title"] == "Tomatoes, again"
    assert plain["authors"] == ["Ingrid Halloway"]
    assert plain["published_raw"] == "March 20, 2026"
    assert plain["published"] == "2026-03-20T00:00:00+00:00"
    assert plain["url"] is None
    assert plain["word_count"] > 100
    assert {k: v for k, v in plain.items() if k != "input"} == {
        k: v for k, v in unzipped.items() if k != "input"
    }


def test_published_is_normalized_to_utc_beside_the_raw_string():
    url = "https://ledger.example" + PAPER_PATH
    result = extract("--url", url, str(PAPER_POST))
    assert result.exit_code == 0, result.stderr
    (record,) = records(result)
    assert record["title"] == "Riverton Marathon draws record field despite cold snap"
    assert record["published_raw"] == "2026-11-11T15:40:00-05:00"
    assert record["published"] == "2026-11-11T20:40:00+00:00"
    assert record["authors"] == ["Theo Okafor", "Hanna Vesterberg"]
    assert record["url"] == url
    assert record["lead_image"]["url"].startswith("https://ledger.example/")


def test_bad_inputs_get_one_error_line_each_and_the_rest_is_extracted(tmp_path):
    files = {
        "empty.html": b"",
        "blank.html": b"  \n\t\n",
        "image.html": b"\x89PNG\r\n\x1a\n" + bytes(range(256)),
        "report.pdf": b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n",
        "data.html": b'{"title": "not a page"}\n',
        "notes.html": b"Just a line of text, no markup at all.\n",
        "feed.html": b'<?xml version="1.0"?><rss><channel><title>x</title></channel></rss>',
        "latin1.html": b"<html><title>Caf\xe9</title><body><p>Caf\xe9 au lait</p></body></html>",
        "fake.html.gz": b"<html><body><p>not compressed</p></body></html>",
        "cut.html.gz": gzip.compress(BLOG_POST.read_bytes())[:200],
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    paths = [str(tmp_path / name) for name in files]
    missing = str(tmp_path / "missing.html")
    result = extract(*paths, missing, str(BLOG_POST))
    assert result.exit_code == 3
    assert [r["input"] for r in records(result)] == [str(BLOG_POST)]
    errors = error_lines(result)
    assert len(errors) == len(files) + 1
    reasons = dict(line.removeprefix("newsarchive extract: ").split(": ", 1) for line in errors)
    prefix = str(tmp_path) + "/"
    reasons = {key.removeprefix(prefix): value for key, value in reasons.items()}
    assert reasons == {
        "empty.html": "empty",
        "blank.html": "empty",
        "image.html": "not HTML (a PNG image)",
        "report.pdf": "not HTML (a PDF document)",
        "data.html": "not HTML (looks like JSON)",
        "notes.html": "not HTML (no HTML markup)",
        "feed.html": "not HTML (an XML document, <rss>)",
        "latin1.html": "cannot be decoded: no charset declared and not UTF-8 "
        "(byte 0xe9 at offset 16)",
        "fake.html.gz": "named .gz but not gzip data",
        "cut.html.gz": "truncated gzip data",
        "missing.html": "cannot read it: No such file or directory",
    }


def test_all_inputs_failing_exits_1(tmp_path):
    empty = tmp_path / "empty.html"
    empty.write_bytes(b"")
    result = extract(str(empty), str(tmp_path / "missing.html"))
    assert result.exit_code == 1
    assert result.stdout == ""
    assert len(error_lines(result)) == 2


def test_declared_charsets_are_honoured_bom_first(tmp_path):
    meta = tmp_path / "meta.html"
    meta.write_bytes(
        b'<html><head><meta charset="windows-1252"><title>Caf\xe9 \x93news\x94</title></head>'
        b"<body><p>Caf\xe9.</p></body></html>"
    )
    http_equiv = tmp_path / "equiv.html"
    http_equiv.write_bytes(
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=shift_jis">'
        "<title>東京のニュース</title></head><body><p>本文</p></body></html>".encode("shift_jis")
    )
    bom = tmp_path / "bom.html"
    # The BOM says UTF-8 and wins over a wrong <meta> declaration.
    bom.write_bytes(
        b"\xef\xbb\xbf<html><head><meta charset=iso-8859-1><title>Gr\xc3\xbc\xc3\x9fe</title>"
        b"</head><body><p>x</p></body></html>"
    )
    utf16 = tmp_path / "utf16.html"  # NUL bytes everywhere, yet text: the BOM says so
    utf16.write_bytes(
        b"\xff\xfe" + "<html><title>Ünïcode</title><body><p>x</p></body></html>".encode("utf-16-le")
    )
    result = extract(str(meta), str(http_equiv), str(bom), str(utf16))
    assert result.exit_code == 0, result.stderr
    assert [r["title"] for r in records(result)] == [
        "Café “news”",
        "東京のニュース",
        "Grüße",
        "Ünïcode",
    ]


def test_gzip_bomb_stops_at_the_size_limit(tmp_path):
    bomb = tmp_path / "bomb.html.gz"
    bomb.write_bytes(gzip.compress(b"<html><body><p>" + b" " * (17 * 1024 * 1024)))
    result = extract(str(bomb))
    assert result.exit_code == 1
    assert error_lines(result) == [
        f"newsarchive extract: {bomb}: larger than 16 MiB once decompressed"
    ]


def test_text_format_separates_inputs_with_a_form_feed_line(tmp_path):
    empty = tmp_path / "empty.html"
    empty.write_bytes(b"")
    result = extract("--format", "text", str(BLOG_POST), str(empty), str(PAPER_POST))
    assert result.exit_code == 3
    parts = result.stdout.split("\n\f\n")
    assert len(parts) == 2
    first_title, blank, first_body = parts[0].split("\n", 2)
    assert (first_title, blank) == ("Tomatoes, again", "")
    assert first_body.startswith("The seed trays are on the windowsill")
    assert parts[1].startswith("Riverton Marathon draws record field despite cold snap\n\n")
    assert "\f" not in parts[0] + parts[1]


def test_url_option_with_two_inputs_is_a_usage_error():
    result = extract("--url", "https://example.com/a/", str(BLOG_POST), str(PAPER_POST))
    assert result.exit_code == 2
    assert "--url is allowed with one INPUT only" in result.stderr
    assert result.stdout == ""


def test_url_option_must_be_an_http_url():
    result = extract("--url", "file:///etc/hostname", str(BLOG_POST))
    assert result.exit_code == 2
    assert "not an http(s) URL" in result.stderr


def newsarchive(*args: str, stdin: bytes) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "crawler.cli", *args],
        input=stdin,
        capture_output=True,
        timeout=60,
        check=False,
    )


def test_stdin_in_a_real_process():
    piped = newsarchive("extract", "-", str(PAPER_POST), stdin=BLOG_POST.read_bytes())
    assert piped.returncode == 0, piped.stderr
    lines = piped.stdout.decode().splitlines()
    assert [json.loads(line)["input"] for line in lines] == ["-", str(PAPER_POST)]
    assert json.loads(lines[0])["title"] == "Tomatoes, again"

    nothing = newsarchive("extract", "-", stdin=b"")
    assert nothing.returncode == 1
    assert nothing.stdout == b""
    assert nothing.stderr.decode().strip() == "newsarchive extract: -: empty"


def test_seed_article_with_its_url(tmp_path, seed_expected):
    page = tmp_path / "seed.html"
    page.write_bytes(SEED_FILE.read_bytes().replace(b"{{BASE}}", SEED_BASE.encode()))
    result = extract("--format", "json", "--url", SEED_BASE + SEED_PATH, str(page))
    assert result.exit_code == 0, result.stderr
    (record,) = records(result)
    assert record["title"] == seed_expected["title"]
    assert record["published"] == seed_expected["published"]
    assert record["site_name"] == seed_expected["site_name"]
    assert record["source"] == seed_expected["source"]


# --- URLs -------------------------------------------------------------------------------------


def test_urls_are_fetched_once_and_robots_disallowed_pages_never(paper, dead_url):
    article, private, missing = (
        paper.url(PAPER_PATH),
        paper.url("/private/"),
        paper.url("/news/2026/11/no-such-story.html"),
    )
    result = extract(article, private, missing, paper.url("/sitemap.xml"), dead_url)
    assert result.exit_code == 3
    (record,) = records(result)
    assert record["input"] == article
    assert record["url"] == article
    assert record["canonical_url"] == article
    assert record["published"] == "2026-11-11T20:40:00+00:00"
    host = dead_url.split("/")[2]
    assert error_lines(result) == [
        error(private, DISALLOWED),
        error(missing, "HTTP 404"),
        error(paper.url("/sitemap.xml"), "not HTML (Content-Type application/xml)"),
        error(
            dead_url,
            "connection refused: robots.txt could not be fetched, "
            f"so nothing on {host} may be fetched (RFC 9309)",
        ),
    ]
    assert paper.hits("/private/") == 0
    assert paper.hits(PAPER_PATH) == 1
    assert paper.hits("/robots.txt") == 1  # once per host and process
    assert all(hit.user_agent.startswith("newsarchive/") for hit in paper.requests)


def test_robots_server_error_fails_closed_and_404_allows(paper):
    paper.statuses["/robots.txt"] = 503
    result = extract(paper.url(PAPER_PATH))
    assert result.exit_code == 1
    assert error_lines(result) == [
        error(
            paper.url(PAPER_PATH),
            f"robots.txt answered HTTP 503, so nothing on 127.0.0.2:{paper.port} "
            "may be fetched (RFC 9309)",
        )
    ]
    assert paper.hits(PAPER_PATH) == 0

    paper.statuses["/robots.txt"] = 404
    result = extract(paper.url(PAPER_PATH))
    assert result.exit_code == 0, result.stderr
    assert paper.hits(PAPER_PATH) == 1


def test_redirects_are_followed_to_the_final_url_and_bounded(paper, redirector):
    article = paper.url(PAPER_PATH)
    private = paper.url("/private/")
    via = f"{redirector}/to?{article}"
    result = extract(
        via,
        f"{redirector}/loop",
        f"{redirector}/to?{private}",
        f"{redirector}/to?file:///etc/hostname",
    )
    assert result.exit_code == 3
    (record,) = records(result)
    assert record["input"] == via
    assert record["url"] == article
    assert error_lines(result) == [
        error(f"{redirector}/loop", "too many redirects (more than 5)"),
        error(f"{redirector}/to?{private}", DISALLOWED),
        error(
            f"{redirector}/to?file:///etc/hostname",
            "redirect to a non-http(s) URL refused: file:///etc/hostname",
        ),
    ]
    assert paper.hits("/private/") == 0


def test_non_html_answers_are_refused_by_content_type_or_content(paper):
    (paper.root / "report.pdf").write_bytes(b"%PDF-1.7\n")
    (paper.root / "notes.txt").write_text("plain words, no markup\n")
    (paper.root / "page.txt").write_text("<html><body><p>A saved page.</p></body></html>\n")
    result = extract(paper.url("/report.pdf"), paper.url("/notes.txt"), paper.url("/page.txt"))
    assert result.exit_code == 3
    assert [r["input"] for r in records(result)] == [paper.url("/page.txt")]
    assert error_lines(result) == [
        error(paper.url("/report.pdf"), "not HTML (Content-Type application/pdf)"),
        error(paper.url("/notes.txt"), "not HTML (no HTML markup)"),
    ]


def test_timeout_bounds_the_whole_download_not_each_read(redirector):
    trickle = f"{redirector}/trickle?n=10"  # a byte every 0.2 s: 2 s in all
    started = time.monotonic()
    with pytest.raises(FetchError, match=r"^timed out after 1 s$"):
        Fetcher(timeout=1).fetch(trickle)
    assert time.monotonic() - started < 1.8
    # Control: the same route, given the time, delivers the page.
    assert Fetcher(timeout=4).fetch(trickle).body == b"<p>" + b"x" * 7


def test_size_limit_with_and_without_content_length(paper, redirector):
    with pytest.raises(FetchError, match=r"^larger than .* MiB \(Content-Length \d+\)$"):
        Fetcher(max_size=1000).fetch(paper.url(PAPER_PATH))
    with pytest.raises(FetchError, match=r"^larger than .* MiB$"):
        Fetcher(max_size=1000).fetch(f"{redirector}/no-length")
    assert len(Fetcher(max_size=6000).fetch(f"{redirector}/no-length").body) == 5003
    assert paper.hits(PAPER_PATH) == 1


def test_gzip_content_encoding_is_decoded(redirector):
    result = extract(f"{redirector}/gzip")
    assert result.exit_code == 0, result.stderr
    assert records(result)[0]["title"] == "Tomatoes, again"
