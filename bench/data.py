"""The evaluation data sets: where they are, how they are read, and their two fixed halves.

The data lives beside the checkout (``<checkout>/../shared/data/<set>/``) because it is not
ours to publish; ``$NEWSARCHIVE_BENCH_DATA`` overrides the folder that holds the sets (or, as
before the other sets existed, names the article-extraction-benchmark folder itself: its
siblings are then the other sets).

Each set is reported whole and in two halves fixed by the page id or publisher, never by a
random draw: a change that helps only one half is tuned to those pages, not to pages in
general, and the halves show it.
"""

from __future__ import annotations

import gzip
import json
import os
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable

DATA_ENV = "NEWSARCHIVE_BENCH_DATA"
DEFAULT_DATA_ROOT = Path(__file__).resolve().parents[1].parent / "shared" / "data"
BENCHMARK = "article-extraction-benchmark"
ARTICLE_PAGES = "article-pages"
NEWS_METADATA = "news-metadata"


def data_root() -> Path:
    """The folder holding the data sets: ``$NEWSARCHIVE_BENCH_DATA`` or ``../shared/data``."""
    override = os.environ.get(DATA_ENV)
    if not override:
        return DEFAULT_DATA_ROOT
    path = Path(override)
    # The variable used to name the benchmark folder itself: accept that too.
    return path.parent if (path / "ground-truth.json").is_file() else path


def set_dir(name: str) -> Path:
    """The folder of one data set (``article-pages``, ...)."""
    return data_root() / name


def available(name: str) -> bool:
    """Whether the data set ``name`` is present (its ``ground-truth.json`` is there)."""
    return (set_dir(name) / "ground-truth.json").is_file()


def load_truth(directory: Path) -> dict[str, dict[str, Any]]:
    """``{page id: reference fields}`` from the set's ``ground-truth.json``."""
    with (directory / "ground-truth.json").open(encoding="utf-8") as handle:
        data: dict[str, dict[str, Any]] = json.load(handle)
    return data


def read_page(directory: Path, page_id: str) -> str:
    """The page's HTML: gzip-compressed UTF-8 (undecodable bytes replaced, never a crash)."""
    with gzip.open(directory / "html" / f"{page_id}.html.gz", "rb") as handle:
        return handle.read().decode("utf-8", errors="replace")


@dataclass(frozen=True)
class Page:
    """One page, read and decompressed before any clock starts, with its reference fields."""

    id: str
    url: str
    html: str
    truth: dict[str, Any]


def load_pages(name: str, limit: int | None = None) -> list[Page]:
    """The first ``limit`` pages (by id) of set ``name``, or all of them."""
    directory = set_dir(name)
    truth = load_truth(directory)
    page_ids = sorted(truth)[:limit] if limit is not None else sorted(truth)
    return [
        Page(
            page_id, truth[page_id].get("url") or "", read_page(directory, page_id), truth[page_id]
        )
        for page_id in page_ids
    ]


# The halves. Each function names the half a page belongs to.


def benchmark_half(page: Page) -> str:
    """The 181 benchmark pages by the first hex digit of their id: 0-7 or 8-f."""
    return "ids 0-7" if page.id[0] in "01234567" else "ids 8-f"


def article_pages_half(page: Page) -> str:
    """The 709 article pages (``dev_0001``...) by the parity of the number in their id."""
    return "even ids" if int(page.id.rsplit("_", 1)[1]) % 2 == 0 else "odd ids"


def publisher_half(page: Page) -> str:
    """News-metadata pages by publisher: CRC-32 of the ``publisher`` field, even or odd.

    By publisher, not page, so that both halves never share a site's markup: the question
    is whether a score carries over to publishers not looked at.
    """
    crc = zlib.crc32(str(page.truth.get("publisher") or "").encode("utf-8"))
    return "publisher crc32 even" if crc % 2 == 0 else "publisher crc32 odd"


HALVES: dict[str, Callable[[Page], str]] = {
    BENCHMARK: benchmark_half,
    ARTICLE_PAGES: article_pages_half,
    NEWS_METADATA: publisher_half,
}


def views(name: str, pages: list[Page]) -> dict[str, list[Page]]:
    """``{"all": pages, <half>: pages, <other half>: pages}``, halves in a fixed order."""
    split: dict[str, list[Page]] = {}
    for page in pages:
        split.setdefault(HALVES[name](page), []).append(page)
    return {"all": pages, **{half: split[half] for half in sorted(split)}}
