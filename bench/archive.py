"""Archive benchmark: how fast articles are written, how big they are, how fast search answers.

Run ``python -m bench.archive [--articles N] [--large] [--json PATH] [--db PATH]``.

An archive of ``--articles`` generated articles (10,000 by default, 100,000 with ``--large``;
``bench.archive_corpus``: ~10 KB of Zipf-worded text each, copies of stories from other sites,
a few corrected re-fetches, the raw page of each) is written through ``store_articles`` in
batches of ``--batch`` (500, the crawl's ``ARCHIVE_BATCH_SIZE`` order of size), exactly as the
store stage writes a crawl: one ``BEGIN IMMEDIATE`` transaction per batch, with the revisit
schedule, revision classes and near-duplicate clusters. Only the ``store_articles`` calls are
timed, not the generation of the records. With ``--packed`` each record is first packed as
the extraction workers pack it in a crawl with ``ARCHIVE_EXTRACT_WORKERS`` (its body signed,
its raw page compressed: ``crawler.extract_pool.PackJob``), outside the clock and timed on
its own: the write is then what the crawl's own process pays, the packing what the workers do.

Reported:

- records written per second, overall and over the first and the last 10% of the records
  (an archive that slows as it grows shows here);
- bytes per article: the file (after a checkpoint folds the WAL in) over the articles;
- extraction pages per second, measured in the same run: ``crawler.extract.extract_article``
  over real pages of the ``article-pages`` set when it is beside the checkout (``bench.data``),
  else over the generated raw pages (which extract faster: the run says which); and the
  ratio of the write rate to it (the target: writes at least 20x faster than extraction).
  Both rates are given twice: per second of wall time, and per second of this process's CPU
  time, which other people's jobs on a shared machine disturb far less;
- search latency, median and p95 per frequency band, of the ``search`` canned query's own SQL
  (``crawler.datasette.SEARCH_SQL``) on a read-only connection with ``search_match``
  registered by the plugin's own ``prepare_connection``, as Datasette runs it. Thirty words
  from each band (a seeded pick): ``rare`` in at most 0.1% of the articles, ``middle`` in 1-5%,
  ``common`` in at least half. Each word is searched ``--rounds`` times after one untimed
  pass. The same words are also timed with the query as it was before it ranked only the
  newest matches (``RANK_ALL_SQL``, rows marked ``rank all``): before and after, same archive.

``--words-from JSON --db PATH`` times the search alone again, on an archive an earlier run kept
with that run's words (after a change to the query, say).

Times are only comparable within one run on one machine; there are no pass/fail thresholds
here (``tests/test_bench_archive.py`` checks the run's counts, not its times).
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench.archive_corpus import Corpus
from bench.archive_report import report, search_table
from bench.data import ARTICLE_PAGES, available, load_pages
from bench.runs import run_extractor
from crawler.archive import open_archive
from crawler.archive.signatures import MIN_WORDS, minhash
from crawler.archive.writes import store_articles
from crawler.datasette import SEARCH_COLUMNS, SEARCH_LIMIT, SEARCH_SQL
from crawler.datasette.search_home import prepare_connection
from crawler.extract_pool import PackJob
from crawler.revisit import DEFAULT_POLICY

if TYPE_CHECKING:
    from collections.abc import Sequence

    import sqlite_utils

DEFAULT_ARTICLES = 10_000
LARGE_ARTICLES = 100_000
BATCH_SIZE = 500
TERMS_PER_BAND = 30
EXTRACT_PAGES = 40
ROUNDS = 3
TAIL_SHARE = 0.1
# The reference row: the search query before it ranked only the newest matches (every match
# ranked by bm25, each with its snippet), timed on the same archive in the same run.
RANK_ALL_SQL = f"""
{SEARCH_COLUMNS}from articles_fts
join articles on articles.id = articles_fts.rowid
where articles_fts match search_match(:q)
order by bm25(articles_fts, 10, 5, 1)
limit {SEARCH_LIMIT}
""".strip()
QUERIES = {"search": SEARCH_SQL, "rank all": RANK_ALL_SQL}


def bands(articles: int) -> dict[str, tuple[float, float]]:
    """Each band's share of articles a word appears in, lowest and highest."""
    return {
        "rare": (0.0, max(0.001, 2 / max(1, articles))),
        "middle": (0.01, 0.05),
        "common": (0.5, 1.0),
    }


def pack(batch: list[dict[str, Any]]) -> None:
    """Pack each record as an extraction worker does (``PackJob``)."""
    for record in batch:
        packed = PackJob(
            url=record["url"],
            body=record["body"] or "",
            content_hash=record["content_hash"],
            page=record["page"]["body"],
        ).run()
        record["signed"] = packed.signed
        record["page"] = {**record["page"], "body_gzip": packed.page_gzip}


def build(
    db: sqlite_utils.Database, corpus: Corpus, batch_size: int, packed: bool = False
) -> dict[str, Any]:
    """Write the corpus; returns records written, seconds, and the last 10%'s rate."""
    minhash("warm " * MIN_WORDS)  # loads datasketch (and scipy) once, before the clock
    timings: list[tuple[int, float]] = []
    cpu = pack_seconds = 0.0
    for batch in corpus.records(batch_size):
        if packed:
            pack_started = time.process_time()
            pack(batch)
            pack_seconds += time.process_time() - pack_started
        started, cpu_started = time.perf_counter(), time.process_time()
        store_articles(db, batch, interval_for=DEFAULT_POLICY.interval)
        timings.append((len(batch), time.perf_counter() - started))
        cpu += time.process_time() - cpu_started
    records = sum(count for count, _ in timings)
    seconds = sum(elapsed for _, elapsed in timings)
    return {
        "records": records,
        "write_seconds": seconds,
        "write_cpu_seconds": cpu,
        "packed": packed,
        "pack_cpu_seconds": pack_seconds,
        "records_per_second": records / seconds if seconds else 0.0,
        "records_per_cpu_second": records / cpu if cpu else 0.0,
        "head_records_per_second": share_rate(timings, 0.0, TAIL_SHARE),
        "tail_records_per_second": share_rate(timings, 1 - TAIL_SHARE, 1.0),
    }


def share_rate(timings: Sequence[tuple[int, float]], start: float, end: float) -> float:
    """Records per second over the batches between ``start`` and ``end`` shares of the run."""
    records = sum(count for count, _ in timings)
    inside, seconds, written = 0, 0.0, 0
    for count, elapsed in timings:
        if records * start <= written < records * end:
            inside += count
            seconds += elapsed
        written += count
    return inside / seconds if seconds else 0.0


def archive_counts(db: sqlite_utils.Database) -> dict[str, int]:
    """What the archive holds after the run."""
    one = db.execute
    return {
        "articles": one("select count(*) from articles").fetchone()[0],
        "revisions": one("select count(*) from revisions").fetchone()[0],
        "pages": one("select count(*) from pages").fetchone()[0],
        "clustered": one("select count(*) from articles where duplicate_of is not null").fetchone()[
            0
        ],
    }


def file_bytes(db: sqlite_utils.Database, path: Path) -> int:
    """The archive's size on disk, its WAL folded in first."""
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    wal = path.with_name(path.name + "-wal")
    return path.stat().st_size + (wal.stat().st_size if wal.exists() else 0)


def search_latency(
    path: Path, terms: dict[str, list[str]], rounds: int
) -> dict[str, dict[str, Any]]:
    """Per query and band: median and p95 milliseconds, and rows per word."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    prepare_connection(conn)
    results: dict[str, dict[str, Any]] = {}
    try:
        for query, sql in QUERIES.items():
            for band, words in terms.items():
                rows = {word: len(conn.execute(sql, {"q": word}).fetchall()) for word in words}
                times, cpu_times = [], []
                for _ in range(rounds):
                    for word in words:
                        started, cpu_started = time.perf_counter(), time.process_time()
                        conn.execute(sql, {"q": word}).fetchall()
                        times.append((time.perf_counter() - started) * 1000)
                        cpu_times.append((time.process_time() - cpu_started) * 1000)
                results[band if query == "search" else f"{band} ({query})"] = {
                    "query": query,
                    "terms": len(words),
                    "median_ms": statistics.median(times) if times else None,
                    "p95_ms": percentile(times, 0.95),
                    "cpu_median_ms": statistics.median(cpu_times) if cpu_times else None,
                    "cpu_p95_ms": percentile(cpu_times, 0.95),
                    "min_rows": min(rows.values(), default=0),
                    "rows": rows,
                }
    finally:
        conn.close()
    return results


def percentile(values: Sequence[float], share: float) -> float | None:
    """The nearest-rank percentile (``share`` of 1) of ``values``."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def extraction_rate(generated: list[tuple[str, str]], pages: int) -> dict[str, Any]:
    """Extraction pages/s over real pages when the set is there, else the generated ones."""
    from bench.data import Page
    from crawler.extract.article import extract_article

    if available(ARTICLE_PAGES):
        sample = load_pages(ARTICLE_PAGES, limit=pages)
        source = f"{ARTICLE_PAGES} (first {len(sample)} pages by id)"
    else:
        sample = [Page(str(n), url, html, {}) for n, (url, html) in enumerate(generated[:pages])]
        source = f"generated pages ({len(sample)}; {ARTICLE_PAGES} not found)"
    empty: dict[str, Any] = {}
    cpu_started = time.process_time()
    run = run_extractor("extract_article", extract_article, sample, empty)
    cpu = time.process_time() - cpu_started  # with the one untimed warm-up page
    return {
        "pages": len(sample),
        "pages_per_second": run.pages_per_second(),
        "pages_per_cpu_second": (len(sample) + 1) / cpu if cpu and sample else 0.0,
        "source": source,
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Build the archive, measure it, and return every figure."""
    articles = LARGE_ARTICLES if args.large else args.articles
    with tempfile.TemporaryDirectory(prefix="bench-archive-") as scratch:
        path = args.db or Path(scratch) / "bench.db"
        if path.exists():
            print(f"{path}: already exists; the benchmark writes a new archive", file=sys.stderr)
            raise SystemExit(2)
        db = open_archive(path)
        corpus = Corpus(articles)
        started = time.perf_counter()
        written = build(db, corpus, args.batch, packed=args.packed)
        total_seconds = time.perf_counter() - started
        counts = archive_counts(db)
        size = file_bytes(db, path)
        generated = [
            (url, gzip_text(html))
            for url, html in db.execute(
                "select url, html_gzip from pages order by id limit ?", [args.extract_pages]
            ).fetchall()
        ]
        db.close()
        limits = bands(articles)
        terms = {name: corpus.band(*limit, TERMS_PER_BAND) for name, limit in limits.items()}
        search = search_latency(path, terms, args.rounds)
        extraction = extraction_rate(generated, args.extract_pages)
    shares = corpus.document_frequency / max(1, articles)
    words = {word: index for index, word in enumerate(corpus.words)}
    for name, figures in search.items():
        band = name.split(" ")[0]
        figures["share_low"] = min(float(shares[words[w]]) for w in terms[band])
        figures["share_high"] = max(float(shares[words[w]]) for w in terms[band])
        figures["band"] = limits[band]
    rate = written["records_per_second"]
    return {
        "articles": articles,
        "batch": args.batch,
        "copies": corpus.copies,
        "updates": corpus.updates,
        **written,
        "elapsed_seconds": total_seconds,
        **counts,
        "bytes_per_article": size / max(1, counts["articles"]),
        "extraction": extraction,
        "write_to_extraction": rate / extraction["pages_per_second"]
        if extraction["pages_per_second"]
        else None,
        "cpu_write_to_extraction": written["records_per_cpu_second"]
        / extraction["pages_per_cpu_second"]
        if extraction["pages_per_cpu_second"]
        else None,
        "search": search,
    }


def gzip_text(blob: bytes) -> str:
    import gzip

    return gzip.decompress(blob).decode("utf-8")


def search_again(args: argparse.Namespace) -> dict[str, Any]:
    """Time the queries again on a kept archive (``--db``) with an earlier run's words."""
    earlier = json.loads(args.words_from.read_text(encoding="utf-8"))
    bands_of = {name: figures for name, figures in earlier["search"].items() if " " not in name}
    terms = {name: list(figures["rows"]) for name, figures in bands_of.items()}
    search = search_latency(args.db, terms, args.rounds)
    for name, figures in search.items():
        band = bands_of[name.split(" ")[0]]
        figures.update({key: band[key] for key in ("share_low", "share_high", "band")})
    return {"articles": earlier["articles"], "search": search}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.archive",
        description=__doc__.split("\n\n")[0] if __doc__ else None,
    )
    parser.add_argument("--articles", type=int, default=DEFAULT_ARTICLES)
    parser.add_argument("--large", action="store_true", help=f"{LARGE_ARTICLES:,} articles")
    parser.add_argument("--batch", type=int, default=BATCH_SIZE)
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    parser.add_argument("--extract-pages", type=int, default=EXTRACT_PAGES)
    parser.add_argument("--db", type=Path, help="keep the archive at this (new) path")
    parser.add_argument(
        "--packed",
        action="store_true",
        help="pack each record first, as extraction workers do, and time only the write",
    )
    parser.add_argument("--json", type=Path, help="also write the results as JSON to this path")
    parser.add_argument(
        "--words-from",
        type=Path,
        help="only time the search again, on the archive --db kept by the run that wrote this "
        "JSON, with its words",
    )
    args = parser.parse_args(argv)
    if args.articles < 1 or args.batch < 1 or args.rounds < 1:
        parser.error("--articles, --batch and --rounds must be at least 1")
    if args.words_from:
        if not args.db or not args.db.is_file():
            parser.error("--words-from needs --db naming the archive that run kept")
        result = search_again(args)
        print(f"{result['articles']:,} articles\n\n{search_table(result['search'])}", flush=True)
    else:
        result = run(args)
        print(report(result), flush=True)
    if args.json:
        args.json.write_text(json.dumps(result, indent=2, default=str) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
