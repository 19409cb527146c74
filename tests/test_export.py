"""``newsarchive export``: the fixture sites crawled for real, exported, and parsed back."""

from __future__ import annotations

import csv
import hashlib
import json
import resource
import shutil
import signal
import sqlite3
import subprocess
import sys
from typing import TYPE_CHECKING

import pytest

from crawler.archive import open_archive, store_articles
from crawler.demo.server import SiteServer
from tests.conftest import SITE_DIR, SITE_HOSTS, run_cli, sites_toml
from tests.peak_rss import measured, peak_kib

if TYPE_CHECKING:
    from pathlib import Path

# wp and blog are first seen on December 1st, paper on the 15th: --since tells them apart. (After
# every fixture article's date: a date in the future would be refused as published.)
EARLY, LATE = "2026-12-01T09:00:00+00:00", "2026-12-15T00:00:00+00:00"
JSON_COLUMNS = ("authors", "tags", "lead_image", "field_sources")


def crawl_at_two_times(folder: Path) -> Path:
    """The three fixture sites crawled into ``folder/archive.db``: two at EARLY, paper at LATE."""
    servers = {name: SiteServer(SITE_DIR / name, host=h).start() for name, h in SITE_HOSTS.items()}
    sites_file = folder / "sites.toml"
    sites_file.write_text(sites_toml(servers), encoding="utf-8")
    db = folder / "archive.db"
    try:
        for now, slugs in ((EARLY, ("wp", "blog")), (LATE, ("paper",))):
            args = ("crawl", *slugs, "--sites", str(sites_file), "--db", str(db))
            result = run_cli(*args, env={"NEWSARCHIVE_NOW": now})
            assert result.returncode == 0, result.stdout + result.stderr
    finally:
        for server in servers.values():
            server.stop()
    return db


@pytest.fixture(scope="module")
def crawled(tmp_path_factory) -> Path:
    return crawl_at_two_times(tmp_path_factory.mktemp("export"))


@pytest.fixture
def archive_copy(crawled, tmp_path) -> Path:
    """A copy of the crawled archive that a test may change."""
    copy = tmp_path / "copy.db"
    shutil.copy(crawled, copy)
    return copy


def rows(db: Path, sql: str = "select * from articles order by id", *params) -> list[dict]:
    with sqlite3.connect(db) as conn:
        conn.row_factory = sqlite3.Row
        return [dict(row) for row in conn.execute(sql, params)]


def export(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_cli("export", "--db", str(db), *args)


def test_jsonl_holds_every_article_with_json_columns_as_json(crawled, tmp_path):
    out = tmp_path / "all.jsonl"
    result = export(crawled, "--format", "jsonl", str(out))
    assert result.returncode == 0, result.stderr
    stored = rows(crawled)
    assert result.stdout.strip() == f"Exported {len(stored)} articles to {out} (jsonl)"
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(stored) == 21
    assert [record["id"] for record in records] == [row["id"] for row in stored]
    for record, row in zip(records, stored, strict=True):
        assert {"duplicate_of", "gone_at", "version"} <= record.keys()
        for name, value in row.items():
            expected = json.loads(value) if name in JSON_COLUMNS and value else value
            assert record[name] == expected, name
    assert all(isinstance(record["authors"], list) for record in records)
    assert any(record["lead_image"] and record["lead_image"].get("url") for record in records)


def test_csv_parses_back_with_the_csv_module(crawled, tmp_path):
    out = tmp_path / "all.csv"
    assert export(crawled, "--format", "csv", str(out)).returncode == 0
    with out.open(encoding="utf-8", newline="") as file:
        records = list(csv.DictReader(file))
    stored = rows(crawled)
    assert len(records) == len(stored)
    for record, row in zip(records, stored, strict=True):
        assert record.keys() == row.keys()
        assert record["id"] == str(row["id"])
        assert record["body"] == row["body"]  # paragraphs' blank lines survive quoting
        assert json.loads(record["authors"]) == json.loads(row["authors"])
        assert row["gone_at"] is None
        assert record["gone_at"] == ""


def test_jsonld_is_one_graph_of_schema_org_news_articles(crawled, tmp_path):
    out = tmp_path / "all.jsonld"
    assert export(crawled, "--format", "jsonld", str(out)).returncode == 0
    document = json.loads(out.read_text(encoding="utf-8"))
    assert document["@context"] == "https://schema.org"
    stored = {row["url"]: row for row in rows(crawled)}
    graph = document["@graph"]
    assert sorted(node["url"] for node in graph) == sorted(stored)
    for node in graph:
        row = stored[node["url"]]
        assert node["@type"] == "NewsArticle"
        assert node["headline"] == row["title"]
        assert node.get("datePublished") == row["published"]  # left out when unknown
        assert node["articleBody"] == row["body"]
        assert node["wordCount"] == row["word_count"]
        assert node.get("inLanguage") == row["language"]
        assert node["isAccessibleForFree"] is True
        assert node["mainEntityOfPage"]["@type"] == "WebPage"
        assert node["publisher"] == {
            "@type": "Organization",
            "name": row["site_name"] or row["site"],
        }
        assert [author["name"] for author in node.get("author", [])] == json.loads(row["authors"])
        assert all(author["@type"] == "Person" for author in node.get("author", []))
        assert "isBasedOn" not in node
    assert sum("datePublished" in node for node in graph) >= 15
    images = [node["image"] for node in graph if "image" in node]
    assert images
    assert all(image["@type"] == "ImageObject" and image["url"] for image in images)
    assert any("caption" in image for image in images)


def test_jsonld_names_what_a_duplicate_copies_and_what_is_paywalled(archive_copy, tmp_path):
    first, copy, closed = rows(archive_copy)[:3]
    with sqlite3.connect(archive_copy) as conn:
        conn.execute("update articles set duplicate_of = ? where id = ?", [first["id"], copy["id"]])
        conn.execute("update articles set access = 'paywalled' where id = ?", [closed["id"]])
    out = tmp_path / "dup.jsonld"
    assert export(archive_copy, "--format", "jsonld", str(out)).returncode == 0
    nodes = {node["url"]: node for node in json.loads(out.read_text())["@graph"]}
    assert nodes[copy["url"]]["isBasedOn"] == first["url"]
    assert "isBasedOn" not in nodes[first["url"]]
    assert nodes[closed["url"]]["isAccessibleForFree"] is False


def test_site_filter_exports_only_that_site(crawled, tmp_path):
    out = tmp_path / "paper.jsonl"
    assert export(crawled, "--site", "paper", "--format", "jsonl", str(out)).returncode == 0
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(records) == len(rows(crawled, "select id from articles where site = 'paper'")) == 8
    assert {record["site"] for record in records} == {"paper"}


@pytest.mark.parametrize(
    ("since", "sites"),
    [
        ("2026-12-01", {"wp", "blog", "paper"}),
        ("2026-12-10", {"paper"}),
        ("2026-12-15T00:00:00Z", {"paper"}),
        ("2026-12-14T20:00:00-05:00", set()),  # the 15th, 01:00 UTC: after paper's crawl
    ],
)
def test_since_filters_on_first_seen_in_utc(crawled, tmp_path, since, sites):
    out = tmp_path / "since.jsonl"
    result = export(crawled, "--since", since, "--format", "jsonl", str(out))
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert {record["site"] for record in records} == sites
    assert len(records) == sum(
        len(rows(crawled, "select id from articles where site = ?", site)) for site in sites
    )


def test_dash_writes_the_records_to_stdout_and_the_summary_to_stderr(crawled):
    result = export(crawled, "--site", "blog", "--format", "jsonl", "-")
    assert result.returncode == 0
    assert [json.loads(line)["site"] for line in result.stdout.splitlines()] == ["blog"] * 6
    assert result.stderr.strip() == "Exported 6 articles to stdout (jsonl)"


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("--site", "nosuch"), 2, "--site 'nosuch': the archive"),
        (("--since", "last tuesday"), 2, "--since 'last tuesday': not a date"),
        (("--since", "2026-13-01"), 2, "--since '2026-13-01': not a date"),
        (("--format", "xml"), 2, "'xml' is not one of"),
    ],
)
def test_bad_input_is_one_line_and_no_file(crawled, tmp_path, args, code, message):
    out = tmp_path / "out.jsonl"
    result = export(crawled, "--format", "jsonl", *args, str(out))
    assert result.returncode == code
    assert message in result.stderr
    assert not out.exists()


def test_unwritable_out_and_missing_archive_fail_with_one_line(crawled, tmp_path):
    missing_folder = tmp_path / "no" / "out.jsonl"
    result = export(crawled, "--format", "jsonl", str(missing_folder))
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"Error: {missing_folder}: the folder {missing_folder.parent} does not exist"
    ]
    result = export(crawled, "--format", "jsonl", str(tmp_path))
    assert (result.returncode, result.stderr.count("\n")) == (1, 1)
    assert "is a directory" in result.stderr
    result = export(tmp_path / "none.db", "--format", "jsonl", str(tmp_path / "x.jsonl"))
    assert (result.returncode, result.stderr.count("\n")) == (1, 1)
    assert "no archive there" in result.stderr
    assert not (tmp_path / "none.db").exists()  # an export never creates an archive


def _limit_file_size() -> None:
    """In the child: no file may grow past 48 KB (EFBIG); SQLite's -shm file needs 32 KB."""
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (48_000, 48_000))


def test_an_export_that_fails_halfway_leaves_the_old_out_untouched(crawled, tmp_path):
    out = tmp_path / "all.jsonl"
    out.write_text("yesterday's export\n")
    command = ["export", "--db", str(crawled), "--format", "jsonl", str(out)]
    result = subprocess.run(
        [sys.executable, "-m", "crawler.cli", *command],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
        preexec_fn=_limit_file_size,
    )
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [f"Error: {out}: cannot write: File too large"]
    assert out.read_text() == "yesterday's export\n"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["all.jsonl"]
    # The control: without the limit the same export succeeds and is larger than the limit.
    assert export(crawled, "--format", "jsonl", str(out)).returncode == 0
    assert out.stat().st_size > 48_000


def store_generated_articles(db: Path, site: str, count: int, body_kib: int) -> None:
    """``count`` articles of ``site``, each with a body of ``body_kib`` KiB, stored for real."""
    words = [
        "harbor",
        "council",
        "levee",
        "budget",
        "ferry",
        "school",
        "market",
        "river",
        "storm",
        "vote",
    ]
    archive = open_archive(db)
    try:
        for start in range(0, count, 50):
            records = []
            for number in range(start, min(count, start + 50)):
                url = f"http://127.0.0.1/{site}/{number}/"
                line = " ".join(words[(number + i) % len(words)] for i in range(200)) + "\n\n"
                body = f"{site} story {number}.\n\n" + line * (body_kib * 1024 // len(line))
                html = f"<html><body><article>{body}</article></body></html>".encode()
                records.append(
                    {
                        "url": url,
                        "site": site,
                        "title": f"{site} story {number}",
                        "authors": ["A. Writer"],
                        "body": body,
                        "word_count": len(body.split()),
                        "content_hash": hashlib.sha256(body.encode()).hexdigest(),
                        "page": {
                            "url": url,
                            "status": 200,
                            "headers": {"content-type": "text/html"},
                            "body": html,
                            "fetched_at": "2026-12-01T00:00:00+00:00",
                        },
                    }
                )
            store_articles(archive, records)
    finally:
        archive.close()


def export_peak_mb(db: Path, tmp_path: Path, *args: str) -> float:
    peak_file = tmp_path / "peak.txt"
    command = [sys.executable, "-m", "crawler.cli", *args, "--db", str(db)]
    done = subprocess.run(
        measured(command, peak_file), capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    return peak_kib(peak_file) / 1024


@pytest.mark.slow
def test_export_memory_does_not_grow_with_the_archive(tmp_path):
    """Rows stream: exporting 39 MiB of article text peaks where 2 MiB does."""
    db = tmp_path / "archive.db"
    store_generated_articles(db, "small", 20, body_kib=100)
    store_generated_articles(db, "large", 400, body_kib=100)
    peaks = {}
    for site in ("small", "large"):
        for fmt in ("jsonl", "csv", "jsonld"):
            out = tmp_path / f"{site}.{fmt}"
            peaks[site, fmt] = export_peak_mb(
                db, tmp_path, "export", "--format", fmt, "--site", site, str(out)
            )
        warc = tmp_path / f"{site}.warc.gz"
        peaks[site, "warc"] = export_peak_mb(db, tmp_path, "export-warc", "--site", site, str(warc))
    assert (tmp_path / "large.jsonl").stat().st_size > 38 * 1024 * 1024
    print({f"{site} {fmt}": f"{mb:.0f} MB" for (site, fmt), mb in peaks.items()})
    for fmt in ("jsonl", "csv", "jsonld", "warc"):
        assert peaks["large", fmt] - peaks["small", fmt] < 12, (fmt, peaks)
