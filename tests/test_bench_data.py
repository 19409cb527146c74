"""Tests of bench/data.py: where the data is found and how the sets split into halves.

The halves must be fixed by the pages themselves (id, publisher), never by a draw, or two
runs would report different halves of the same set.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bench.data import (
    ARTICLE_PAGES,
    BENCHMARK,
    NEWS_METADATA,
    Page,
    data_root,
    publisher_half,
    set_dir,
    views,
)

if TYPE_CHECKING:
    from pathlib import Path

    import pytest


def page(page_id: str, publisher: str = "") -> Page:
    return Page(page_id, "", "", {"publisher": publisher})


def test_benchmark_halves_by_first_hex_digit() -> None:
    pages = [page(f"{digit}{'0' * 63}") for digit in "0123456789abcdef"]
    split = views(BENCHMARK, pages)
    assert list(split) == ["all", "ids 0-7", "ids 8-f"]
    assert [p.id[0] for p in split["ids 0-7"]] == list("01234567")
    assert [p.id[0] for p in split["ids 8-f"]] == list("89abcdef")


def test_article_pages_halves_by_number_parity() -> None:
    pages = [page(f"dev_{n:04d}") for n in (1, 2, 3, 10, 4912)]
    split = views(ARTICLE_PAGES, pages)
    assert [p.id for p in split["even ids"]] == ["dev_0002", "dev_0010", "dev_4912"]
    assert [p.id for p in split["odd ids"]] == ["dev_0001", "dev_0003"]


def test_news_pages_split_by_publisher_never_across_it() -> None:
    pages = [page(f"x_{name}_{n}", name) for name in ("DerStandard", "ORF", "NZZ") for n in (1, 2)]
    split = views(NEWS_METADATA, pages)
    halves = [name for name in split if name != "all"]
    assert sum(len(split[name]) for name in halves) == len(pages)
    for name in halves:
        publishers = {p.truth["publisher"] for p in split[name]}
        assert all(publisher_half(p) == name for p in pages if p.truth["publisher"] in publishers)
    # CRC-32 is fixed: the same publisher lands in the same half in every run and process.
    assert publisher_half(page("a", "DerStandard")) == publisher_half(page("b", "DerStandard"))


def test_data_root_override_names_the_folder_or_the_benchmark_inside_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NEWSARCHIVE_BENCH_DATA", str(tmp_path))
    assert data_root() == tmp_path
    benchmark = tmp_path / BENCHMARK
    benchmark.mkdir()
    (benchmark / "ground-truth.json").write_text("{}", encoding="utf-8")
    monkeypatch.setenv("NEWSARCHIVE_BENCH_DATA", str(benchmark))
    assert data_root() == tmp_path
    assert set_dir(ARTICLE_PAGES) == tmp_path / ARTICLE_PAGES
