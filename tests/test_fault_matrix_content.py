"""Fault matrix rows 15-17: what a page's bytes and fields may be, and what the archive keeps.

Every fixture page is written here byte for byte (so its encoding is exactly what the test
says), served by ``SiteServer`` with a chosen Content-Type per path, and archived through the
real command line (``newsarchive archive URL...``); the archive is read back with sqlite3 and
the run's stats from ``ARCHIVE_STATS_FILE``.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pytest

from crawler import settings
from crawler.charset import undeclared_encoding
from crawler.demo.server import SiteServer
from crawler.extract.dates import parse_date, repairs
from crawler.page_inputs import InputError, page_text
from crawler.runner import EXIT_PARTLY
from pipelines.normalize import MAX_TITLE_CHARS, clean_body, clean_text, normalize_record
from pipelines.validate import access_of, drop_reason
from tests.conftest import CLI_TIMEOUT
from tests.peak_rss import measured, peak_kib

if TYPE_CHECKING:
    from pathlib import Path

HOST = "127.0.0.9"
HTML = "text/html"
# Peak resident memory of the crawl process, measured alone (tests.peak_rss). Measured about
# 250 MB with a 12 MB text node.
MAX_CHILD_RSS_MB = 512


@dataclass(frozen=True)
class Page:
    """One fixture page: its exact bytes and the Content-Type header it is served with."""

    data: bytes
    content_type: str = HTML


@dataclass
class Run:
    """A finished ``newsarchive archive`` run: its output, stored rows and stats."""

    stdout: str
    stderr: str
    returncode: int
    rows: dict[str, dict]
    stats: dict
    peak_rss_mb: float

    def line(self, path: str) -> str:
        """The output line of the URL ending in ``path``."""
        lines = self.stdout.splitlines()
        return next(line for line in lines if line.split()[1].rstrip(":").endswith(path))


def article(
    title: str | None,
    paragraphs: list[str],
    head: str = "",
    body_tag: bool = True,
) -> str:
    """A plain article page: ``<title>`` and ``<h1>`` carry ``title``, then the paragraphs."""
    title_tag = f"<title>{title}</title>" if title is not None else ""
    heading = f"<h1>{title}</h1>" if title is not None else ""
    content = heading + "".join(f"<p>{p}</p>" for p in paragraphs)
    body = f"<body><article>{content}</article></body>" if body_tag else content
    return f"<!DOCTYPE html><html><head>{head}{title_tag}</head>{body}</html>"


def filler(topic: str) -> list[str]:
    """Two paragraphs of plain ASCII text, distinct per page (no page is a duplicate)."""
    return [
        (
            f"The council met on Tuesday to discuss {topic} and the budget for the coming "
            "year, hearing from residents who had waited most of the evening to speak."
        ),
        (
            f"Officials said a decision on {topic} would follow next month, after a second "
            "reading of the proposal and a public consultation in the town hall."
        ),
    ]


def archive_pages(tmp_path: Path, pages: dict[str, Page]) -> Run:
    """Serve ``pages`` and archive each of them in one run of the command line."""
    root = tmp_path / "site"
    for path, page in pages.items():
        file = root / path.lstrip("/")
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_bytes(page.data)
    db = tmp_path / "archive.db"
    stats_file = tmp_path / "stats.json"
    with SiteServer(root, host=HOST) as server:
        server.content_types.update({path: page.content_type for path, page in pages.items()})
        peak_file = tmp_path / "peak.txt"
        cli = [sys.executable, "-m", "crawler.cli"]
        result = subprocess.run(
            measured(
                [
                    *cli,
                    "archive",
                    *(server.url(path) for path in pages),
                    "--db",
                    str(db),
                    "-s",
                    f"ARCHIVE_STATS_FILE={stats_file}",
                    "-s",
                    "CLOSESPIDER_TIMEOUT=60",
                    "-v",  # INFO: else the log level is CRITICAL and ERROR lines go uncounted
                ],
                peak_file,
            ),
            capture_output=True,
            check=False,
            text=True,
            timeout=CLI_TIMEOUT,
        )
    rows: dict[str, dict] = {}
    if db.exists():
        conn = sqlite3.connect(db)
        conn.row_factory = sqlite3.Row
        for row in conn.execute("SELECT * FROM articles"):
            rows[row["url"].removeprefix(server.base_url)] = dict(row)
        conn.close()
    stats = json.loads(stats_file.read_text()) if stats_file.exists() else {}
    assert peak_file.exists(), result.stderr[-2000:]
    peak_mb = peak_kib(peak_file) / 1024
    return Run(result.stdout, result.stderr, result.returncode, rows, stats, peak_mb)


def assert_clean_run(run: Run) -> None:
    """No ERROR line in the log, and no traceback; the counter did count (INFO lines)."""
    assert run.stats.get("log_count/INFO", 0) > 0, run.stats
    assert "log_count/ERROR" not in run.stats, run.stderr[-3000:]
    assert "Traceback" not in run.stderr, run.stderr[-3000:]


def assert_valid_utf8(db_value: str) -> None:
    """Text as stored in SQLite encodes to UTF-8 (no lone surrogates) and holds no NUL."""
    db_value.encode("utf-8")
    assert "\x00" not in db_value


# --- Row 15: charset traps ---------------------------------------------------------------

CAFE = "Café déjà vu at the Hôtel de Ville"
TOKYO = "東京の朝刊ニュース：新しい駅が開業"
ZURICH = "Zürich: Straße gesperrt, Bäckerei öffnet früher"
INVALID_TITLE = b"Broken \xff\xfe bytes in a headline"


def charset_pages() -> dict[str, tuple[Page, str]]:
    """Path -> (page, the title w3lib's precedence yields from its bytes)."""
    cafe_cp1252 = article(CAFE, filler("the market hall")).encode("cp1252")
    tokyo_sjis = article(TOKYO, filler("the railway")).encode("shift_jis")
    meta_sjis = article(TOKYO, filler("the station"), '<meta charset="shift_jis">')
    zurich_bom = b"\xef\xbb\xbf" + article(
        ZURICH, filler("the bridge"), '<meta charset="iso-8859-1">'
    ).encode("utf-8")
    header_wins = article(CAFE, filler("the harbour"), '<meta charset="utf-8">').encode("cp1252")
    undeclared = article(CAFE, filler("the library")).encode("cp1252")
    invalid = (
        article("TITLE", filler("the school")).encode("utf-8").replace(b"TITLE", INVALID_TITLE)
    )
    return {
        # A Windows-1252 page whose server says UTF-8: the header decides, bad bytes -> U+FFFD.
        "/cp1252-as-utf8.html": (
            Page(cafe_cp1252, "text/html; charset=utf-8"),
            "Caf\ufffd d\ufffdj\ufffd vu at the H\ufffdtel de Ville",
        ),
        "/sjis-as-utf8.html": (
            Page(tokyo_sjis, "text/html; charset=UTF-8"),
            clean_text(TOKYO.encode("shift_jis").decode("utf-8", "replace")),
        ),
        # No charset in the header: the <meta> decides.
        "/sjis-meta.html": (Page(meta_sjis.encode("shift_jis"), HTML), TOKYO),
        # A UTF-8 BOM beats the header (windows-1252) and the <meta> (iso-8859-1).
        "/bom-beats-header.html": (Page(zurich_bom, "text/html; charset=windows-1252"), ZURICH),
        # The header (windows-1252) beats the <meta> (utf-8).
        "/header-beats-meta.html": (Page(header_wins, "text/html; charset=windows-1252"), CAFE),
        # Nothing declared: detection (not UTF-8, so Windows-1252).
        "/undeclared-cp1252.html": (Page(undeclared, HTML), CAFE),
        "/invalid-bytes.html": (
            Page(invalid, "text/html; charset=utf-8"),
            "Broken \ufffd\ufffd bytes in a headline",
        ),
    }


def test_charset_traps_decode_by_precedence_and_store_valid_utf8(tmp_path):
    """Row 15: BOM, then header, then <meta>, then detection; mislabelled bytes never raise."""
    cases = charset_pages()
    run = archive_pages(tmp_path, {path: page for path, (page, _) in cases.items()})
    assert_clean_run(run)
    assert run.returncode == 0, run.stdout + run.stderr
    for path, (_, title) in cases.items():
        row = run.rows[path]
        assert row["title"] == title, path
        assert_valid_utf8(row["title"])
        assert_valid_utf8(row["body"])
        assert filler("x")[0].split(" x ")[-1] in row["body"].replace("\n\n", " "), path
    assert "\ufffd" not in run.rows["/sjis-meta.html"]["body"]
    assert "\ufffd" in run.rows["/sjis-as-utf8.html"]["title"]


@pytest.mark.parametrize(
    "path",
    [
        "/cp1252-as-utf8.html",
        "/sjis-as-utf8.html",
        "/sjis-meta.html",
        "/bom-beats-header.html",
        "/header-beats-meta.html",
        "/invalid-bytes.html",
    ],
)
def test_extract_decodes_a_declared_page_as_the_crawl_does(path):
    """Row 15: ``newsarchive extract`` reads the same bytes into the same title text."""
    page, title = charset_pages()[path]
    text = page_text(page.data, settings.DOWNLOAD_MAXSIZE, content_type=page.content_type)
    assert f"<h1>{title}</h1>" in " ".join(text.split())


def test_extract_refuses_an_undeclared_legacy_page_with_a_reason():
    """Row 15: extract does not guess a legacy charset; it names the first bad byte instead."""
    page, _ = charset_pages()["/undeclared-cp1252.html"]
    with pytest.raises(InputError, match=r"no charset declared and not UTF-8 \(byte 0xe9"):
        page_text(page.data, settings.DOWNLOAD_MAXSIZE, content_type=page.content_type)


def test_undeclared_legacy_bytes_fall_back_to_cp1252_only_when_it_fits():
    """Row 15: detection keeps Cyrillic and Japanese; a Western page reads as Windows-1252."""
    western = article(CAFE, filler("the square")).encode("cp1252")
    cyrillic = article("Новости", ["Городской совет собрался во вторник вечером."] * 3)
    japanese = article(TOKYO, [TOKYO + "。市民は喜んでいます。"] * 3)
    assert undeclared_encoding(western) == "cp1252"
    assert undeclared_encoding(cyrillic.encode("cp1251")) is None
    assert undeclared_encoding(japanese.encode("shift_jis")) is None


# --- Row 16: malformed and hostile HTML --------------------------------------------------

DEPTH = 10_000
BIG_NODE_BYTES = 20 * 1024 * 1024
# Under DOWNLOAD_MAXSIZE, so it is parsed: the page that sets the memory peak.
LARGE_NODE_BYTES = 12 * 1024 * 1024


def hostile_pages() -> dict[str, Page]:
    unclosed = (
        "<html><head><title>Unclosed tags everywhere</title><body><div><h1>Unclosed tags everywhere"
        + "".join(f"<p><span>{p}" for p in filler("the unclosed tags"))
    )
    nested = (
        "<html><head><title>Ten thousand deep</title></head><body><h1>Ten thousand deep</h1>"
        + "".join(f"<p>{p}</p>" for p in filler("deep nesting"))
        + "<div>" * DEPTH
        + "<p>Text at the bottom of the nest.</p>"
        + "</div>" * DEPTH
        + "</body></html>"
    )
    big = article("A twenty megabyte text node", ["x" * BIG_NODE_BYTES])
    large = article(
        "A twelve megabyte text node",
        [*filler("large pages"), "word " * (LARGE_NODE_BYTES // 5)],
    )
    nul = article("Nul\x00 bytes in the title", [p.replace(" ", "\x00 ", 3) for p in filler("NUL")])
    no_body = article("A page without a body", filler("the missing body"), body_tag=False)
    title_only = "<html><head><title>Nothing but a title</title></head></html>"
    return {
        "/unclosed.html": Page(unclosed.encode()),
        "/nested.html": Page(nested.encode()),
        "/big-text-node.html": Page(big.encode()),
        "/large-text-node.html": Page(large.encode()),
        "/nul-bytes.html": Page(nul.encode()),
        "/no-body.html": Page(no_body.encode()),
        "/title-only.html": Page(title_only.encode()),
        "/empty.html": Page(b"<html><head></head><body>   </body></html>"),
    }


def test_hostile_html_gives_an_item_or_a_reason_and_the_crawl_continues(tmp_path):
    """Row 16: every page is archived, dropped with a reason or refused; no ERROR; bounded RSS."""
    run = archive_pages(tmp_path, hostile_pages())
    assert_clean_run(run)
    assert run.returncode == EXIT_PARTLY  # the refused and the empty page are errors
    for path in (
        "/unclosed.html",
        "/nested.html",
        "/nul-bytes.html",
        "/no-body.html",
        "/large-text-node.html",
    ):
        row = run.rows[path]
        assert "Tuesday to discuss" in row["body"], path
        assert_valid_utf8(row["title"])
        assert_valid_utf8(row["body"])
    assert run.rows["/unclosed.html"]["title"] == "Unclosed tags everywhere"
    assert run.rows["/nested.html"]["title"] == "Ten thousand deep"
    # HTML's parsing rules turn a NUL into U+FFFD (libxml2 does the same).
    assert run.rows["/nul-bytes.html"]["title"] == "Nul\ufffd bytes in the title"
    assert run.rows["/no-body.html"]["title"] == "A page without a body"
    # Larger than DOWNLOAD_MAXSIZE: refused before it is read, with the reason on its line.
    assert BIG_NODE_BYTES > settings.DOWNLOAD_MAXSIZE
    assert "/big-text-node.html" not in run.rows
    assert "larger than" in run.line("/big-text-node.html")
    # Nothing of an article: dropped with a reason, counted.
    assert run.line("/empty.html").endswith(": empty")
    assert run.stats.get("archive/dropped/empty") == 1
    # A title alone is something of an article (row 17): kept, flagged truncated.
    assert run.rows["/title-only.html"]["access"] == "truncated"
    assert run.peak_rss_mb < MAX_CHILD_RSS_MB


# --- Row 17: missing and garbage fields --------------------------------------------------

EPOCH_MS = "1741084200000"  # 2025-03-04T10:30:00Z
HUGE_TITLE = ("Headline words repeated " * 5000)[: 100 * 1024]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("yesterday", None),
        ("31/02/2025", None),
        ("2025-03-04T10:30:00", "2025-03-04T10:30:00+00:00"),
        (EPOCH_MS, "2025-03-04T10:30:00+00:00"),
        ("2999-01-01T00:00:00Z", None),
    ],
)
def test_garbage_dates_parse_to_utc_or_none(raw, expected):
    """Row 17: each garbage date is an ISO-8601 UTC instant or None, never an exception."""
    assert parse_date(raw) == expected


def test_a_guess_repairing_an_impossible_date_is_recognised():
    """Row 17: htmldate's 2025-02-01 for "31/02/2025" is a repair; a real other date is not."""
    assert repairs("31/02/2025", "2025-02-01")
    assert not repairs("yesterday", "2025-02-01")
    assert not repairs("2025-02-28", "2025-02-01")  # the page's date parses: not a repair
    assert not repairs("31/02/2025", "2024-06-17")


def test_a_date_without_zone_is_read_in_the_sites_zone():
    """Row 17: no time zone means the site's zone (Chicago is UTC-6 in March)."""
    assert parse_date("2025-03-04T10:30:00", "America/Chicago") == "2025-03-04T16:30:00+00:00"


@pytest.mark.parametrize("raw", ["yesterday", "31/02/2025", "2999-01-01T00:00:00Z"])
def test_normalize_keeps_the_raw_string_of_a_date_it_cannot_use(raw):
    """Row 17: the value becomes NULL, the page's own string stays in ``*_raw``."""
    record = normalize_record({"url": "http://127.0.0.9/a", "published_raw": raw})
    assert record["published"] is None
    assert record["published_raw"] == raw


def test_normalize_caps_a_huge_title_and_raw_date():
    """Row 17: a 100 KB title is cut to MAX_TITLE_CHARS, ending in an ellipsis."""
    record = normalize_record(
        {"url": "http://127.0.0.9/a", "title": HUGE_TITLE, "published_raw": "x" * 100_000}
    )
    assert MAX_TITLE_CHARS - 2 <= len(record["title"]) <= MAX_TITLE_CHARS
    assert record["title"].endswith("…")
    assert len(record["published_raw"]) <= 200


def test_only_a_record_without_title_and_body_is_dropped():
    """Row 17: no title and no body drops; either one alone is kept, a short body flagged."""
    assert drop_reason(None, "") == "empty"
    assert drop_reason("Harbor fire", "") is None
    assert drop_reason(None, "Some text.") is None
    assert access_of("", "open", 200) == "truncated"
    assert clean_body("") == ""


def date_page(raw: str, topic: str) -> Page:
    head = f'<meta property="article:published_time" content="{raw}">'
    return Page(article(f"Garbage date: {topic}", filler(topic), head).encode())


def test_missing_and_garbage_fields_end_to_end(tmp_path):
    """Row 17: one page per case through the CLI; drop only a page with no title and no body."""
    pages = {
        "/no-title.html": Page(article(None, filler("the missing title")).encode()),
        "/title-only.html": Page(b"<html><head><title>Only a headline here</title></head></html>"),
        "/nothing.html": Page(b"<html><head></head><body><div></div></body></html>"),
        "/yesterday.html": date_page("yesterday", "yesterday"),
        "/no-zone.html": date_page("2025-03-04T10:30:00", "zones"),
        "/epoch-ms.html": date_page(EPOCH_MS, "epochs"),
        "/year-2999.html": date_page("2999-01-01T00:00:00Z", "the far future"),
        "/huge-title.html": Page(article(HUGE_TITLE, filler("long headlines")).encode()),
    }
    run = archive_pages(tmp_path, pages)
    assert_clean_run(run)
    assert run.returncode == EXIT_PARTLY  # the empty page is the one error
    assert run.line("/nothing.html").endswith(": empty")
    assert run.stats.get("archive/dropped/empty") == 1
    assert "/nothing.html" not in run.rows
    assert run.rows["/no-title.html"]["title"] is None
    assert "council met on Tuesday" in run.rows["/no-title.html"]["body"]
    assert run.rows["/title-only.html"]["title"] == "Only a headline here"
    assert run.rows["/title-only.html"]["access"] == "truncated"
    for path, raw in [
        ("/yesterday.html", "yesterday"),
        ("/year-2999.html", "2999-01-01T00:00:00Z"),
    ]:
        assert run.rows[path]["published"] is None, path
        assert run.rows[path]["published_raw"] == raw, path
    for path in ("/no-zone.html", "/epoch-ms.html"):
        assert run.rows[path]["published"] == "2025-03-04T10:30:00+00:00", path
    assert run.rows["/epoch-ms.html"]["published_raw"] == EPOCH_MS
    # Extraction takes no headline candidate over twice titles.MAX_TITLE_CHARS (a 100 KB
    # "headline" is a container's text, not a title); the article is kept for its body.
    huge = run.rows["/huge-title.html"]
    assert huge["title"] is None
    assert "long headlines" in huge["body"]


def test_an_impossible_date_is_null_with_its_raw_string_end_to_end(tmp_path):
    """Row 17: "31/02/2025" on a page is stored as published NULL, published_raw kept."""
    run = archive_pages(tmp_path, {"/feb-31.html": date_page("31/02/2025", "February")})
    assert_clean_run(run)
    row = run.rows["/feb-31.html"]
    assert row["published_raw"] == "31/02/2025"
    assert row["published"] is None
