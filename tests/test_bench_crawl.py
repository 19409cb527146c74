"""The crawl benchmark, run small: every row does the whole job, and the table says so.

No timings are asserted (the machine is shared); what is asserted is what each row did,
read from the server's own counts and the crawl's stats: a benchmark whose rows silently
crawled nothing would print fast, meaningless numbers.
"""

from __future__ import annotations

import gzip
import json
import sys
import urllib.request
from typing import TYPE_CHECKING
from urllib.parse import urlparse

import pytest

from bench import crawl
from bench.crawl_corpus import SITE_NAME, CorpusMissing, corpus_pages, page_path, write_corpus_site
from bench.crawl_extract import extract_site, page_text, sitemap_entries
from bench.crawl_runs import SiteProcess, run_measured
from bench.crawl_server import path_kind
from bench.data import ARTICLE_PAGES, BENCHMARK, NEWS_METADATA, data_root
from bench.site_gen import write_site

if TYPE_CHECKING:
    from pathlib import Path

PAGES = 40
# A tiny corpus with the evaluation data's layout: <set>/ground-truth.json, <set>/html/<id>.html.gz.
FAKE_IDS = {
    ARTICLE_PAGES: ["dev_0001", "dev_0002"],
    BENCHMARK: ["0" * 64],
    NEWS_METADATA: ["at_DerStandard_2024_05_03"],
}
PARAGRAPH = (
    "<p>Der Gemeinderat von Zürich hat am Dienstag über die neue Fähre beraten; "
    "die Anwohnerinnen äußerten Bedenken wegen des Lärms am Hafen und der Kosten.</p>"
)


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> dict:
    work = tmp_path_factory.mktemp("bench-crawl")
    out = work / "result.json"
    assert crawl.main(["--pages", str(PAGES), "--json", str(out), "--keep", str(work)]) == 0
    return json.loads(out.read_text())


@pytest.mark.slow  # six processes, three crawls: about 15 s
def test_every_row_covers_every_page(result: dict) -> None:
    rows = {row["name"]: row for row in result["rows"]}
    assert set(rows) == {"server", "fetch", "extract", "crawl", "recrawl-none-due",
                         "recrawl-all-due"}  # fmt: skip
    for name in ("server", "fetch", "extract", "crawl", "recrawl-all-due"):
        assert rows[name]["pages"] == PAGES, name
    for entry in rows.values():
        assert entry["returncode"] == 0, entry["name"]
        assert entry["peak_mib"] > 0, entry["name"]
    assert result["stats"]["crawl"]["item_scraped_count"] == PAGES
    assert result["answers"]["crawl"]["200 article"] == PAGES


@pytest.mark.slow  # six processes, three crawls: about 15 s
def test_recrawl_with_nothing_due_asks_no_article(result: dict) -> None:
    asked = result["answers"]["recrawl-none-due"]
    assert not any(key.endswith(" article") for key in asked), asked
    assert asked.get("200 sitemap") == 1  # the sitemap is still read
    assert result["stats"]["recrawl-none-due"]["archive/revisit/not_due"] == PAGES


@pytest.mark.slow  # six processes, three crawls: about 15 s
def test_recrawl_with_everything_due_gets_304s(result: dict) -> None:
    asked = result["answers"]["recrawl-all-due"]
    assert asked.get("304 article") == PAGES, asked
    assert "200 article" not in asked
    stats = result["stats"]["recrawl-all-due"]
    assert stats["downloader/response_status_count/304"] == PAGES
    assert stats.get("item_scraped_count", 0) == 0  # a 304 is not extracted


@pytest.mark.slow  # six processes, three crawls: about 15 s
def test_table_has_every_ratio(result: dict) -> None:
    assert set(result["ratios"]) == {"b/a", "b/e", "c0/a", "c/a"}
    assert all(value > 0 for value in result["ratios"].values())
    table = crawl.report(result)
    for label in ("b/a", "b/e", "c0/a", "c/a", "recrawl-none-due", "pages/s", "peak MiB"):
        assert label in table


def test_server_answers_304_to_validators(tmp_path: Path) -> None:
    site = SiteProcess(tmp_path / "site")
    paths = write_site(tmp_path / "site", 2, base=site.base)
    site.start()
    try:
        with urllib.request.urlopen(site.base + paths[0]) as answer:
            etag = answer.headers["ETag"]
            assert site.base.encode() in answer.read()  # {{BASE}} filled in
        request = urllib.request.Request(site.base + paths[0], headers={"If-None-Match": etag})
        with pytest.raises(urllib.error.HTTPError) as error:
            urllib.request.urlopen(request)
        assert error.value.code == 304
        assert site.counts() == {"200 article": 1, "304 article": 1}
    finally:
        site.stop()


def test_path_kinds() -> None:
    assert path_kind("/local/2026/11/01/story-3/") == "article"
    assert path_kind("/sitemap.xml") == "sitemap"
    assert path_kind("/robots.txt") == "robots"
    assert path_kind("/") == "other"


def fake_page(page_id: str) -> str:
    """An article page whose UTF-8 text its ``<meta>`` misdeclares, and whose og:type is
    ``website``: the server's charset must win, and the news sitemap must make it an article."""
    return (
        '<!DOCTYPE html><html><head><meta charset="windows-1252">'
        f'<meta property="og:type" content="website"><title>Fähre {page_id}</title></head>'
        f"<body><h1>Fähre {page_id}</h1><article>{PARAGRAPH * 4}</article></body></html>"
    )


@pytest.fixture
def fake_corpus(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    for name, ids in FAKE_IDS.items():
        (data / name / "html").mkdir(parents=True)
        truth = {page_id: {"url": f"https://example.org/{page_id}"} for page_id in ids}
        (data / name / "ground-truth.json").write_text(json.dumps(truth), encoding="utf-8")
        for page_id in ids:
            html = fake_page(page_id).encode("utf-8")
            (data / name / "html" / f"{page_id}.html.gz").write_bytes(gzip.compress(html))
    return data


def test_corpus_site_gives_every_page_a_distinct_url(fake_corpus: Path, tmp_path: Path) -> None:
    root = tmp_path / "site"
    site = SiteProcess(root)
    written = write_corpus_site(root, fake_corpus, 9, base=site.base)  # 4 pages, repeated
    entries = sitemap_entries(root)
    urls = [url for url, _ in entries]
    assert len(urls) == len(set(urls)) == 9
    assert urls == [site.base + path for path, _ in written]
    # Interleaved: the first pages come from every set, then the sets repeat in order.
    assert [page.data_set for _, page in written[:4]] == [ARTICLE_PAGES, BENCHMARK,
                                                          NEWS_METADATA, ARTICLE_PAGES]  # fmt: skip
    assert [page.page_id for _, page in written[4:8]] == [page.page_id for _, page in written[:4]]
    assert all(hints == {"via": "news-sitemap"} for _, hints in entries)
    assert all(path_kind(urlparse(url).path) == "article" for url in urls)
    site.start()
    try:
        for url, (_, page) in zip(urls, written, strict=True):
            with urllib.request.urlopen(url) as answer:
                assert answer.headers["Content-Type"] == "text/html; charset=utf-8"
                body = answer.read()
            assert body == fake_page(page.page_id).encode("utf-8"), url
        assert site.counts() == {"200 article": 9}
    finally:
        site.stop()


def test_extract_row_reads_pages_as_the_crawl_does(fake_corpus: Path, tmp_path: Path) -> None:
    root = tmp_path / "site"
    write_corpus_site(root, fake_corpus, base="http://127.0.0.1:9")
    assert extract_site(root, SITE_NAME) == 4
    # Read as cp1252 (the page's <meta>), "Zürich" would come out as "ZÃ¼rich".
    text = page_text(root, sitemap_entries(root)[0][0])
    assert "Zürich" in text
    assert "Ã" not in text


def test_corpus_missing_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(CorpusMissing, match="none of the data sets"):
        corpus_pages(tmp_path)
    assert crawl.main(["--corpus", str(tmp_path / "absent")]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1
    assert str(tmp_path / "absent") in error


def test_real_corpus_urls_are_distinct() -> None:
    if not (data_root() / ARTICLE_PAGES / "ground-truth.json").is_file():
        pytest.skip(f"no evaluation data in {data_root()}")
    pages = corpus_pages(data_root())
    paths = {page_path(number, page) for number, page in enumerate(pages)}
    assert len(paths) == len(pages) > 1000


def test_workers_reach_every_crawl_row(tmp_path: Path) -> None:
    for workers in (0, 2):
        command = crawl.crawl_command(tmp_path, "crawl", 100, "corpus", workers)
        assert command[command.index(f"ARCHIVE_EXTRACT_WORKERS={workers}") - 1] == "-s"
    assert "in 2 worker processes" in crawl.extraction_mode(2)
    assert "in process" in crawl.extraction_mode(0)


@pytest.mark.slow  # six processes, three crawls, two extraction workers: about 20 s
def test_corpus_run_archives_what_extraction_extracts(fake_corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "result.json"
    arguments = ["--corpus", str(fake_corpus), "--workers", "2", "--json", str(out)]
    assert crawl.main([*arguments, "--keep", str(tmp_path / "work")]) == 0
    result = json.loads(out.read_text())
    rows = {row["name"]: row for row in result["rows"]}
    assert result["pages"] == 4
    assert rows["extract"]["pages"] == rows["crawl"]["pages"] == 4  # og:type website included
    assert rows["recrawl-all-due"]["pages"] == 4
    assert result["not_archived"] == {}
    assert result["title"].startswith(f"real pages of {fake_corpus}: 4 pages (article-pages 2,")
    assert "ARCHIVE_EXTRACT_WORKERS=2" in crawl.report(result)


# Starts a child that burns CPU for a while and exits at once, leaving the child orphaned.
ORPHAN_MAKER = (
    "import subprocess, sys\n"
    "subprocess.Popen([sys.executable, '-c', 'sum(i * i for i in range(8_000_000))'])\n"
)


def test_row_cpu_counts_orphaned_descendants(tmp_path: Path) -> None:
    """An extraction worker outlives the crawl's wait: its CPU time is still the row's."""
    alone = run_measured([sys.executable, "-c", "pass"], tmp_path / "alone.json")
    measured = run_measured([sys.executable, "-c", ORPHAN_MAKER], tmp_path / "orphan.json")
    assert measured.returncode == 0
    assert measured.cpu > alone.cpu + 0.15  # the orphan's loop, about 0.4 s of CPU
    assert measured.wall < measured.cpu  # the wall time is the command's alone
