"""The crawl benchmark, run small: every row does the whole job, and the table says so.

No timings are asserted (the machine is shared); what is asserted is what each row did,
read from the server's own counts and the crawl's stats: a benchmark whose rows silently
crawled nothing would print fast, meaningless numbers.
"""

from __future__ import annotations

import json
import urllib.request
from typing import TYPE_CHECKING

import pytest

from bench import crawl
from bench.crawl_runs import SiteProcess
from bench.crawl_server import path_kind
from bench.site_gen import write_site

if TYPE_CHECKING:
    from pathlib import Path

PAGES = 40


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
