"""The crawl benchmark: how fast a crawl, a re-crawl with nothing due and one with everything
due go, against a fetch-only spider and our extraction alone, on one site of article pages.

Run: ``python -m bench.crawl [--pages N] [--corpus [DIR]] [--workers N] [--memory] [--json PATH]``

A site of N generated article pages (``bench.site_gen``, with a sitemap), or with
``--corpus`` the real pages of the evaluation data (``bench.crawl_corpus``: every page once
unless ``--pages`` asks for another number; DIR defaults to the folder ``bench.data`` reads,
``../shared/data``), is served from another process (``bench.crawl_server``: uvicorn +
Starlette, with ETag / Last-Modified and 304s), whose own ceiling is measured first by a
plain client. Then, each as a process of its own with ``download_delay = 0``, the same
concurrency and page limits above N:

- (a) ``fetch``: a Scrapy spider that only fetches (``bench.crawl_fetch``);
- (e) ``extract``: ``crawler.extract`` over the pages the sitemap lists, from disk, as the
  crawl extracts them, in one process (``bench.crawl_extract``);
- (b) ``crawl``: ``newsarchive crawl`` into a fresh archive;
- (c0) ``recrawl-none-due``: the same again at once: nothing is due, only the sitemap is asked;
- (c) ``recrawl-all-due``: with ``NEWSARCHIVE_NOW`` past every next check: every page is asked
  again with its validators, and the server answers 304.

``--workers N`` runs (b), (c0) and (c) with ``-s ARCHIVE_EXTRACT_WORKERS=N``: extraction in N
worker processes (``crawler.extract_pool``) instead of the crawl's own (0, the default); the
title and the ratio line say which. Row (e) is always one process.

Generated pages (~14 KB) are cheap to extract, so Scrapy's fixed cost per page weighs more on
them than on a real crawl; the real pages (~200 KB, ~50 ms of extraction each) weigh the
other way. On the real pages the crawl may archive fewer pages than (e) extracts: a page that
shows the markup of a listing is judged a non-article (``spiders.pages.article_verdict``);
the line under the ratios counts what the crawl skipped or dropped, by reason.

Rows measured in one run are compared (the ratios): on a shared machine absolute numbers move
with the load. ``CPU s`` is the row's user + system CPU time, its worker processes' included
(``bench.crawl_runs``); ``idle`` is the share of the row's wall time it was not on a CPU
(1 - CPU seconds / wall seconds, from ``getrusage``, 0% when worker processes keep more than
one core busy): time spent waiting with requests pending on the server, on timers or on
start-up I/O. The project's bytecode is compiled first, as an install would. ``--memory``
compares the peak RSS of a crawl of 8,000 pages with one of 2,000 instead (it takes a while).
"""

from __future__ import annotations

import argparse
import compileall
import json
import sys
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any

from bench import crawl_corpus
from bench.crawl_runs import Measured, SiteProcess, counts_since, read_json, run_measured
from bench.data import data_root
from bench.report import Column, format_table
from bench.site_gen import SITE_NAME, write_site
from crawler.clock import now

# The packages a crawl imports from this checkout; their bytecode is compiled before the rows.
PROJECT = Path(__file__).resolve().parent.parent
PACKAGES = ("crawler", "spiders", "pipelines", "bench")

GENERATED = ("gazette", SITE_NAME)  # (slug, name) in the sites.toml of the run
CORPUS = ("corpus", crawl_corpus.SITE_NAME)
DEFAULT_PAGES = 2000  # of the generated site
CONCURRENCY = 8
# The clock of row (c): past the longest revisit interval of the default policy (7 days).
RECRAWL_AHEAD = timedelta(days=60)

COLUMNS = (
    Column("pages", "pages", "{:d}", 6),
    Column("pages/s", "pages_s", "{:.1f}", 8),
    Column("wall s", "wall", "{:.1f}", 7),
    Column("CPU s", "cpu", "{:.1f}", 6),
    Column("idle", "idle", "{:.0%}", 5),
    Column("peak MiB", "peak_mib", "{:.0f}", 8),
)
RATIOS = (("b/a", "crawl", "fetch"), ("b/e", "crawl", "extract"))
RATIOS += (("c0/a", "recrawl-none-due", "fetch"), ("c/a", "recrawl-all-due", "fetch"))


def row(name: str, pages: int, total: int, measured: Measured, note: str = "") -> dict[str, Any]:
    """A table row: ``total`` pages covered in the wall time, of which ``pages`` answered."""
    return {
        "name": name,
        "pages": pages,
        "pages_s": total / measured.wall,
        "wall": measured.wall,
        "cpu": measured.cpu,
        "idle": max(0.0, 1 - measured.cpu / measured.wall),
        "peak_mib": measured.peak_mib,
        "returncode": measured.returncode,
        "note": note,
    }


def write_sites_file(path: Path, site: SiteProcess, slug: str, name: str) -> Path:
    path.write_text(
        f"[sites.{slug}]\n"
        f'name = "{name}"\n'
        'user_agent = "newsarchive-bench/1.0 (+http://127.0.0.1/)"\n'
        "download_delay = 0\n"
        f"concurrency = {CONCURRENCY}\n"
        f'sitemaps = ["{site.base}/sitemap.xml"]\n',
        encoding="utf-8",
    )
    return path


def crawl_command(
    work: Path, name: str, page_limit: int, slug: str = GENERATED[0], workers: int = 0
) -> list[str]:
    newsarchive = str(Path(sys.executable).with_name("newsarchive"))
    return [
        newsarchive,
        "crawl",
        slug,
        "--sites",
        str(work / "sites.toml"),
        "--db",
        str(work / "archive.db"),
        "--no-progress",
        "-s",
        f"ARCHIVE_STATS_FILE={work / (name + '.stats.json')}",
        "-s",
        f"CLOSESPIDER_PAGECOUNT={page_limit}",
        "-s",
        f"ARCHIVE_EXTRACT_WORKERS={workers}",
    ]


def compile_bytecode() -> None:
    """Compile the project's bytecode, as installing a package does.

    An editable install leaves it to the first import, and with ``PYTHONDONTWRITEBYTECODE``
    set every process compiles the project again: a few tenths of a second of each row's
    start-up that an installed crawler does not pay (the libraries' bytecode is compiled
    when pip installs them).
    """
    for package in PACKAGES:
        compileall.compile_dir(PROJECT / package, quiet=1)


def lay_out(root: Path, base: str, pages: int | None, corpus: Path | None) -> tuple[list[str], str]:
    """Write the site's pages under ``root``: (their paths, a line that says what they are)."""
    if corpus is None:
        count = DEFAULT_PAGES if pages is None else pages
        return write_site(root, count, base=base), f"generated site: {count} pages"
    written = crawl_corpus.write_corpus_site(root, corpus, pages, base=base)
    sets = ", ".join(f"{name} {count}" for name, count in crawl_corpus.set_counts(written).items())
    return [path for path, _ in written], f"real pages of {corpus}: {len(written)} pages ({sets})"


def measure(
    pages: int | None, work: Path, corpus: Path | None = None, workers: int = 0
) -> dict[str, Any]:
    """Every row of one run, with the server's answers per row and the ratios.

    ``pages`` None: 2,000 generated pages, or every page of ``corpus`` once.
    """
    compile_bytecode()
    root = work / "site"
    site = SiteProcess(root)
    paths, title = lay_out(root, site.base, pages, corpus)
    pages = len(paths)
    slug, site_name = GENERATED if corpus is None else CORPUS
    write_sites_file(work / "sites.toml", site, slug, site_name)
    (work / "urls.txt").write_text("\n".join(site.base + path for path in paths), "utf-8")
    page_limit = 2 * pages + 100

    def crawl(name: str) -> list[str]:
        return crawl_command(work, name, page_limit, slug, workers)

    rows: list[dict[str, Any]] = []
    answers: dict[str, dict[str, int]] = {}
    stats: dict[str, Any] = {}
    site.start()
    try:

        def run(name: str, command: list[str], env: dict[str, str] | None = None) -> Measured:
            before = site.counts()
            measured = run_measured(command, work / f"{name}.usage.json", env)
            answers[name] = counts_since(before, site.counts())
            stats[name] = read_json(work / f"{name}.stats.json")
            return measured

        python = [sys.executable, "-m"]
        measured = run(
            "server",
            [*python, "bench.crawl_ceiling", str(work / "urls.txt"), "--concurrency",
             str(CONCURRENCY), "--out", str(work / "server.stats.json")],
        )  # fmt: skip
        done = stats["server"].get("fetched", 0)
        rows.append(row("server", done, pages, measured, "plain client: the server's ceiling"))
        measured = run(
            "fetch",
            [*python, "bench.crawl_fetch", f"{site.base}/sitemap.xml", "--concurrency",
             str(CONCURRENCY), "--page-limit", str(page_limit),
             "--stats", str(work / "fetch.stats.json")],
        )  # fmt: skip
        done = int(stats["fetch"].get("bench/pages", 0))
        rows.append(row("fetch", done, pages, measured, "(a) Scrapy, no pipelines"))
        measured = run(
            "extract",
            [*python, "bench.crawl_extract", str(root), "--site-name", site_name,
             "--out", str(work / "extract.stats.json")],
        )  # fmt: skip
        done = stats["extract"].get("extracted", 0)
        rows.append(row("extract", done, pages, measured, "(e) extraction alone, from disk"))
        measured = run("crawl", crawl("crawl"))
        done = int(stats["crawl"].get("item_scraped_count", 0))
        rows.append(row("crawl", done, pages, measured, "(b) newsarchive crawl, fresh archive"))
        measured = run("recrawl-none-due", crawl("recrawl-none-due"))
        asked = answers["recrawl-none-due"]
        done = sum(count for key, count in asked.items() if key.endswith(" article"))
        rows.append(row("recrawl-none-due", done, pages, measured, "(c0) pages: articles asked"))
        later = (now() + RECRAWL_AHEAD).isoformat()
        measured = run(
            "recrawl-all-due",
            crawl("recrawl-all-due"),
            {"NEWSARCHIVE_NOW": later},
        )
        done = answers["recrawl-all-due"].get("304 article", 0)
        rows.append(row("recrawl-all-due", done, pages, measured, "(c) pages: 304 answers"))
    finally:
        site.stop()
    by_name = {entry["name"]: entry for entry in rows}
    ratios = {
        label: by_name[top]["pages_s"] / by_name[bottom]["pages_s"] for label, top, bottom in RATIOS
    }
    return {
        "title": title,
        "workers": workers,
        "pages": pages,
        "rows": rows,
        "ratios": ratios,
        "not_archived": not_archived(stats["crawl"]),
        "answers": answers,
        "stats": stats,
    }


def not_archived(stats: dict[str, Any]) -> dict[str, int]:
    """What the crawl's stats count as pages skipped (not articles) or items dropped, by reason."""
    prefixes = ("archive/skipped/", "archive/dropped/")
    return {
        key.removeprefix("archive/"): int(value)
        for key, value in sorted(stats.items())
        if key.startswith(prefixes) and value
    }


def measure_memory(
    work: Path, sizes: tuple[int, int] = (2000, 8000), workers: int = 0
) -> dict[str, Any]:
    """Peak RSS of a fresh crawl of each size: what a crawl keeps per page shows as growth."""
    peaks: dict[str, float] = {}
    compile_bytecode()
    for pages in sizes:
        folder = work / f"memory-{pages}"
        folder.mkdir()
        site = SiteProcess(folder / "site")
        write_site(folder / "site", pages, base=site.base)
        write_sites_file(folder / "sites.toml", site, *GENERATED)
        site.start()
        try:
            measured = run_measured(
                crawl_command(folder, "crawl", 2 * pages + 100, workers=workers),
                folder / "crawl.usage.json",
            )
        finally:
            site.stop()
        peaks[str(pages)] = measured.peak_mib
    small, large = (peaks[str(size)] for size in sizes)
    return {"peak_mib": peaks, "ratio": large / small}


def extraction_mode(workers: int) -> str:
    """How rows (b), (c0) and (c) extract, for the title and the ratio line."""
    where = "in process" if workers == 0 else f"in {workers} worker processes"
    return f"ARCHIVE_EXTRACT_WORKERS={workers}: crawl extraction {where}"


def report(result: dict[str, Any]) -> str:
    mode = extraction_mode(result["workers"])
    table = format_table(result["rows"], COLUMNS, name_width=18)
    ratios = "  ".join(f"{label} = {value:.2f}" for label, value in result["ratios"].items())
    lines = [f"{result['title']}; {mode}", "", table, "", f"ratios (pages/s, {mode}): {ratios}"]
    missing = result["pages"] - result["stats"]["crawl"].get("item_scraped_count", 0)
    if missing:
        reasons = ", ".join(f"{key} {count}" for key, count in result["not_archived"].items())
        lines.append(f"not archived by the crawl: {missing} of {result['pages']} ({reasons})")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--pages",
        type=int,
        help=f"article pages (default {DEFAULT_PAGES}; with --corpus, every page once)",
    )
    parser.add_argument(
        "--corpus",
        type=Path,
        nargs="?",
        const=data_root(),
        metavar="DIR",
        help=f"crawl the real pages of the evaluation data in DIR (default {data_root()})",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=0,
        help="ARCHIVE_EXTRACT_WORKERS of the crawl rows (default 0: extraction in process)",
    )
    parser.add_argument(
        "--memory", action="store_true", help="compare peak memory of 8,000 and 2,000 pages"
    )
    parser.add_argument("--json", type=Path, help="also write the numbers here")
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it")
    args = parser.parse_args(argv)
    if args.pages is not None and args.pages < 1:
        parser.error(f"--pages {args.pages}: give a positive number of pages")
    if args.workers < 0:
        parser.error(f"--workers {args.workers}: give 0 or a positive number of processes")
    if args.memory and args.corpus:
        parser.error("--memory measures generated sites: leave out --corpus")
    if args.corpus is not None:
        try:
            crawl_corpus.corpus_pages(args.corpus)
        except crawl_corpus.CorpusMissing as error:
            print(f"bench.crawl: --corpus {error}", file=sys.stderr)
            return 2
    with tempfile.TemporaryDirectory(prefix="bench-crawl-") as scratch:
        work = args.keep or Path(scratch)
        work.mkdir(parents=True, exist_ok=True)
        if args.memory:
            result = measure_memory(work, workers=args.workers)
            peaks = result["peak_mib"]
            print(
                f"peak RSS of a crawl: 2000 pages {peaks['2000']:.0f} MiB, "
                f"8000 pages {peaks['8000']:.0f} MiB, ratio {result['ratio']:.2f} "
                "(target: at most 1.2)"
            )
        else:
            result = measure(args.pages, work, args.corpus, args.workers)
            print(report(result))
        if args.json:
            args.json.write_text(json.dumps(result, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
