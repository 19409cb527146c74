"""Article-body extraction benchmark: our extraction against other extractors, in one run.

Run ``python -m bench.extraction [--set {benchmark,article-pages,all}] [--limit N]
[--json PATH] [--samples N] [--published]``.

Two data sets (``bench.data``), each reported whole and in two fixed halves:

- ``benchmark``: the Zyte/Scrapinghub article-extraction benchmark, 181 news and blog pages
  with hand-checked article text; halves by the first hex digit of the page id (0-7, 8-f);
- ``article-pages``: 709 article pages of every kind of site (WCXB dev split), with the main
  text a person marked and "with"/"without" snippets; halves by even or odd page number.

Rows, each the text of the page's main content:

- ``trafilatura``: ``trafilatura.extract(html, include_comments=False)``, the baseline;
- ``trafilatura precision``: the same with ``favor_precision=True``;
- ``readability``: readability-lxml's ``Document(html).summary()`` turned into text by
  ``html_text.extract_text`` (as the benchmark's published readability row);
- ``extract_body``: ``crawler.extract.body.extract_body(html, url)``, our trafilatura settings
  and clean-up, without the page's metadata (so captions and repeated headlines stay in);
- ``extract_article``: ``crawler.extract.article.extract_article(html, url)["body"]``, the whole
  per-page extraction the crawler runs, which also reads the metadata and lifts the headline,
  standfirst, caption and date line out of the body. This is "ours" below.

Scores (``bench.scoring``): the benchmark's shingle F1, precision, recall and accuracy, ± the
standard deviation over bootstrap resamples of pages; on article-pages also the snippet view:
``with`` = share of must-contain snippets found (recall side), ``kept out`` = share of
must-not-contain snippets absent (precision side), and their harmonic mean (``snip F1``);
a snippet is found when its word tokens appear as one contiguous run in the text, case folded.
Then a paired bootstrap of ours minus the best other row (by F1 on the same pages; the other
rows of ours are not candidates): the same resampled pages score both, giving the mean
difference and a 95% interval. An interval that straddles zero is no evidence either way.

Speed is only comparable within one run on one machine, so each row's pages/s is also given
as a ratio of the baseline's in the same run. There are no pass/fail thresholds: this
reports, a person judges (``tests/test_bench_quality.py`` holds the one hard line). Pages
are read and decompressed before timing, and each extractor gets one untimed warm-up call
(``bench.runs``).

``--published`` also scores the extractor outputs published with the benchmark
(``output/*.json``), which must reproduce the published table: the check that the scorer is
right.
"""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Any

from bench.command import chosen_sets, parser_for, run_sets
from bench.data import ARTICLE_PAGES, BENCHMARK, load_pages, set_dir, views
from bench.report import Column, format_paired, format_table
from bench.runs import run_extractor
from bench.scoring import (
    Metrics,
    aggregate_snippets,
    evaluate,
    paired_bootstrap,
    score_page,
    score_pages,
    score_snippets,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from pathlib import Path

    from bench.data import Page
    from bench.runs import Run
    from bench.scoring import PageScore

SETS = {"benchmark": BENCHMARK, "article-pages": ARTICLE_PAGES}


def data_dir() -> Path:
    """Where the article-extraction benchmark is (see ``bench.data.data_root``)."""
    return set_dir(BENCHMARK)


def load_references(directory: Path) -> dict[str, dict[str, str]]:
    """``{page id: {"articleBody", "url"}}`` from ``ground-truth.json``."""
    with (directory / "ground-truth.json").open(encoding="utf-8") as handle:
        data: dict[str, dict[str, str]] = json.load(handle)
    return data


def load_output(path: Path) -> tuple[str | None, dict[str, str]]:
    """Version and ``{page id: text}`` of a published output, wrapped or bare."""
    with path.open(encoding="utf-8") as handle:
        data: dict[str, Any] = json.load(handle)
    version = None
    if isinstance(data.get("output"), dict) and "version" in data:
        version, data = str(data["version"]), data["output"]
    return version, {page_id: item.get("articleBody") or "" for page_id, item in data.items()}


# The extractors under test. Imported inside so `bench.scoring` users need not load them.


def baseline(html: str, url: str) -> str | None:
    import trafilatura

    return trafilatura.extract(html, include_comments=False)


def trafilatura_precision(html: str, url: str) -> str | None:
    import trafilatura

    return trafilatura.extract(html, include_comments=False, favor_precision=True)


def readability(html: str, url: str) -> str | None:
    import html_text
    from readability import Document

    text: str = html_text.extract_text(Document(html).summary())
    return text


def ours_body(html: str, url: str) -> str | None:
    from crawler.extract.body import extract_body

    return extract_body(html, url).text


def ours_article(html: str, url: str) -> str | None:
    from crawler.extract.article import extract_article

    body: str | None = extract_article(html, url)["body"]
    return body


EXTRACTORS: dict[str, Callable[[str, str], str | None]] = {
    "trafilatura": baseline,
    "trafilatura precision": trafilatura_precision,
    "readability": readability,
    "extract_body": ours_body,
    "extract_article": ours_article,
}
BASELINE = "trafilatura"
OURS = "extract_article"
OUR_ROWS = {"extract_body", "extract_article"}

COLUMNS = [
    Column("F1", "f1", sd_key="f1_sd", width=13),
    Column("precision", "precision"),
    Column("recall", "recall", width=6),
    Column("accuracy", "accuracy", width=8),
    Column("pages/s", "pages_per_second", "{:.1f}", width=7),
    Column("F1 ratio", "f1_ratio", "x{:.3f}", width=8),
    Column("speed", "speed_ratio", "x{:.2f}", width=5),
]
SNIPPET_COLUMNS = [
    Column("with", "snippet_recall", width=5),
    Column("kept out", "snippet_precision", width=8),
    Column("snip F1", "snippet_f1", width=7),
]


def score_view(
    runs: Sequence[Run[str | None]],
    pages: Sequence[Page],
    scores: dict[str, dict[str, PageScore]],
    samples: int,
) -> dict[str, Any]:
    """Rows and the paired comparison for one set of pages (a whole set or a half)."""
    ids = [page.id for page in pages]
    id_set = set(ids)
    has_snippets = any(page.truth.get("with") or page.truth.get("without") for page in pages)
    metrics: dict[str, Metrics] = {
        run.name: score_pages([scores[run.name][i] for i in ids], samples=samples) for run in runs
    }
    base_run = next(run for run in runs if run.name == BASELINE)
    base_speed, base_f1 = base_run.pages_per_second(ids), metrics[BASELINE].f1
    rows = []
    for run in runs:
        speed = run.pages_per_second(ids)
        row: dict[str, Any] = {
            "name": run.name,
            **metrics[run.name].as_dict(),
            "pages_per_second": speed,
            "seconds": sum(run.seconds[i] for i in ids),
            "errors": sum(1 for error in run.errors if error.split(":", 1)[0] in id_set),
            "f1_ratio": metrics[run.name].f1 / base_f1 if base_f1 else None,
            "speed_ratio": speed / base_speed if base_speed else None,
        }
        if has_snippets:
            row.update(
                aggregate_snippets(
                    [
                        score_snippets(
                            run.answers[page.id],
                            page.truth.get("with") or [],
                            page.truth.get("without") or [],
                        )
                        for page in pages
                    ]
                )
            )
        if row["errors"]:
            row["note"] = f"({row['errors']} errors)"
        rows.append(row)
    view: dict[str, Any] = {"pages": len(ids), "rows": rows}
    others = [run.name for run in runs if run.name not in OUR_ROWS]
    if OURS in metrics and others:
        best = max(others, key=lambda name: metrics[name].f1)
        difference = paired_bootstrap(
            [scores[OURS][i] for i in ids], [scores[best][i] for i in ids], samples=samples
        )
        view["paired"] = {"ours": OURS, "other": best, **difference.as_dict()}
        view["paired_line"] = format_paired(OURS, best, difference)
    return view


def benchmark_set(name: str, limit: int | None, samples: int) -> dict[str, Any]:
    """Run every extractor over one data set and score it whole and by halves."""
    pages = load_pages(name, limit)
    runs = [run_extractor(row, extractor, pages, None) for row, extractor in EXTRACTORS.items()]
    scores = {
        run.name: {
            page.id: score_page(page.truth["articleBody"], run.answers[page.id]) for page in pages
        }
        for run in runs
    }
    result: dict[str, Any] = {"set": name, "pages": len(pages), "views": {}}
    for view_name, view_pages in views(name, pages).items():
        result["views"][view_name] = score_view(runs, view_pages, scores, samples)
    result["errors"] = [f"{run.name}: {error}" for run in runs for error in run.errors]
    return result


def format_set(result: dict[str, Any], samples: int) -> str:
    """The set's tables (whole, then each half) and paired lines, as printed."""
    lines = []
    for view_name, view in result["views"].items():
        columns = COLUMNS + (SNIPPET_COLUMNS if "snippet_f1" in view["rows"][0] else [])
        lines.append(
            f"{result['set']} [{view_name}]: {view['pages']} pages,"
            f" ± = sd over {samples} resamples, ratios vs {BASELINE}"
        )
        lines.append(format_table(view["rows"], columns))
        if "paired_line" in view:
            lines.append(view["paired_line"])
        lines.append("")
    return "\n".join(lines)


def format_metrics(name: str, version: str | None, metrics: Metrics) -> str:
    return (
        f"{name:<12} {version or '':<8} F1 {metrics.f1:.3f} ± {metrics.f1_sd:.3f}"
        f"  precision {metrics.precision:.3f} ± {metrics.precision_sd:.3f}"
        f"  recall {metrics.recall:.3f} ± {metrics.recall_sd:.3f}"
        f"  accuracy {metrics.accuracy:.3f} ± {metrics.accuracy_sd:.3f}"
    )


def score_published(directory: Path, references: dict[str, str], samples: int) -> list[str]:
    """The published outputs' scores, one line each."""
    lines = []
    for path in sorted((directory / "output").glob("*.json")):
        version, texts = load_output(path)
        lines.append(format_metrics(path.stem, version, evaluate(references, texts, samples)))
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = parser_for("python -m bench.extraction", __doc__, SETS)
    parser.add_argument(
        "--published", action="store_true", help="also score the benchmark's output/*.json"
    )
    args = parser.parse_args(argv)
    chosen = chosen_sets(args.set, SETS)
    if chosen is None:
        return 2
    if args.published and BENCHMARK in chosen:
        truth = load_references(data_dir())
        ids = sorted(truth)[: args.limit] if args.limit is not None else sorted(truth)
        references = {page_id: truth[page_id]["articleBody"] for page_id in ids}
        print(f"Published outputs ({len(references)} pages):")
        print("\n".join(score_published(data_dir(), references, args.samples)))
        print()
    return run_sets(
        chosen,
        lambda name: benchmark_set(name, args.limit, args.samples),
        lambda result: format_set(result, args.samples),
        args,
    )


if __name__ == "__main__":
    sys.exit(main())
