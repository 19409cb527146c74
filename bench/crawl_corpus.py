"""The crawl benchmark's site of real article pages: the evaluation data, laid out as a news site.

Generated pages (``bench.site_gen``) are cheap to extract, so Scrapy's fixed cost per page
weighs far more on them than on a real crawl. This writes the real pages of the evaluation
data sets (``article-pages``, ``article-extraction-benchmark``, ``news-metadata``: the sets
``bench.data`` reads) under a served root as one site of article URLs, with a sitemap, for
``bench.crawl_server`` to serve as it serves the generated site.

- Each page is stored gzipped (``html/<id>.html.gz``); it is written out decompressed, as
  UTF-8 (``bench.data.read_page``: every page of the sets is UTF-8, so the bytes are those
  stored; an undecodable byte would become U+FFFD). The server sends ``text/html;
  charset=utf-8``, which wins over a page's own ``<meta charset>`` (a few say windows-1252
  or iso-8859-15 of bytes that are UTF-8), so the crawl and row (e) read the same text.
- URLs: ``/<set>/2026/11/<day>/story-<n>-<page id>/`` (``n`` counts the pages written, so
  every URL is distinct even when a page repeats). The sets are interleaved page by page, so
  ``--pages 100`` samples all three.
- The sitemap is a Google News sitemap (a ``<news:news>`` block with the publication's name,
  no title or date: extraction finds those in the page, as the generated site's pages make
  it). A plain sitemap lists every page of a site, so the ``news`` spider takes a page it
  lists only on the page's own signal, and 103 of the 1,011 real article pages show none
  (most say ``og:type`` ``website``): those would be skipped, which is not what a crawl of a
  news site that lists its stories does (``spiders.pages.article_verdict``).
- Asked for more pages than the sets hold, pages repeat, each copy at a new URL. A repeated
  body is real work for the archive: the copy is a new article whose text matches one already
  stored, so the archive links it to the first as a near-duplicate (``duplicate_of``), as it
  does for a wire story on two sites. Asked for fewer, the first pages of the interleaved
  order are taken.

Written by hand because no library lays out a fixed corpus as a site; the sitemap is a few
lines of XML, escaped with ``xml.sax.saxutils``.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from itertools import zip_longest
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape

from bench.data import ARTICLE_PAGES, BENCHMARK, NEWS_METADATA, load_truth, read_page
from bench.site_gen import write_site_frame

if TYPE_CHECKING:
    from pathlib import Path

SETS = (ARTICLE_PAGES, BENCHMARK, NEWS_METADATA)
SITE_NAME = "Real News Pages"
NEWS_NAMESPACE = ' xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"'
ID_CHARS = 40  # of a page id in its URL: shortens the 64-hex benchmark ids, keeps the rest
NOT_ID_CHAR = re.compile(r"[^a-z0-9]+")


class CorpusMissing(ValueError):
    """The folder holds none of the data sets (the message names the folder)."""


@dataclass(frozen=True)
class CorpusPage:
    """One page of a data set: where it is stored and which set it belongs to."""

    data_set: str
    page_id: str
    folder: Path


def corpus_pages(data_dir: Path) -> list[CorpusPage]:
    """Every page of the sets found under ``data_dir``, the sets interleaved page by page.

    A set counts as present when its ``ground-truth.json`` is there (as ``bench.data``
    decides); a page listed there must have its ``html/<id>.html.gz``.
    """
    if not data_dir.is_dir():
        raise CorpusMissing(f"{data_dir}: no such folder of evaluation data")
    per_set = []
    for name in SETS:
        folder = data_dir / name
        if (folder / "ground-truth.json").is_file():
            per_set.append([CorpusPage(name, page, folder) for page in sorted(load_truth(folder))])
    if not per_set:
        raise CorpusMissing(
            f"{data_dir}: none of the data sets {', '.join(SETS)} (each with ground-truth.json)"
        )
    return [page for group in zip_longest(*per_set) for page in group if page is not None]


def page_path(number: int, page: CorpusPage) -> str:
    """The URL path of the ``number``-th page written: dated, one day of November per page."""
    slug = NOT_ID_CHAR.sub("-", page.page_id.lower())[:ID_CHARS].strip("-")
    return f"/{page.data_set}/2026/11/{1 + number % 28:02d}/story-{number}-{slug}/"


def write_corpus_site(
    root: Path, data_dir: Path, pages: int | None = None, base: str = ""
) -> list[tuple[str, CorpusPage]]:
    """Write ``pages`` real pages (default: each once), a news sitemap, robots.txt, a home page.

    ``base`` (``http://host:port``) goes before each path in the sitemap. Returns each URL
    path with the page served there, in sitemap order.
    """
    found = corpus_pages(data_dir)
    count = len(found) if pages is None else pages
    written: list[tuple[str, CorpusPage]] = []
    first_copy: dict[CorpusPage, Path] = {}
    for number in range(count):
        page = found[number % len(found)]
        path = page_path(number, page)
        target = root / path.strip("/") / "index.html"
        target.parent.mkdir(parents=True, exist_ok=True)
        if page in first_copy:
            shutil.copyfile(first_copy[page], target)
        else:
            target.write_bytes(read_page(page.folder, page.page_id).encode("utf-8"))
            first_copy[page] = target
        written.append((path, page))
    publication = f"<news:publication><news:name>{escape(SITE_NAME)}</news:name></news:publication>"
    entries = "\n".join(
        f"<url><loc>{escape(base + path)}</loc><news:news>{publication}</news:news></url>"
        for path, _ in written
    )
    write_site_frame(root, SITE_NAME, entries, NEWS_NAMESPACE)
    return written


def set_counts(written: list[tuple[str, CorpusPage]]) -> dict[str, int]:
    """Pages written per data set, in ``SETS`` order."""
    counts = dict.fromkeys(SETS, 0)
    for _, page in written:
        counts[page.data_set] += 1
    return {name: count for name, count in counts.items() if count}
