"""Article-body extraction benchmark: our extraction against plain trafilatura, in one run.

Run ``python -m bench.extraction [--limit N] [--json PATH] [--published]``.

It scores, on the Zyte/Scrapinghub article-extraction benchmark (181 news and blog pages with
hand-checked article text), three ways of getting the body out of a page:

- ``trafilatura``: ``trafilatura.extract(html, include_comments=False)``, the baseline;
- ``extract_body``: ``crawler.extract.body.extract_body(html, url)``, our trafilatura settings
  and clean-up, without the page's metadata (so captions and repeated headlines stay in);
- ``extract_article``: ``crawler.extract.article.extract_article(html, url)["body"]``, the whole
  per-page extraction the crawler runs, which also reads the metadata and lifts the headline,
  standfirst, caption and date line out of the body.

Speed is only comparable within one run on one machine, so the baseline is measured in the same
run and each row reports its F1 and pages/s as ratios of the baseline's. There are no pass/fail
thresholds: this reports, a person judges. The pages are read and decompressed before timing;
the clock (``time.perf_counter``) runs around the extraction calls only, after one untimed
warm-up call per extractor so that no row pays for first-call set-up.

``--published`` also scores the extractor outputs published with the data (``output/*.json``),
which must reproduce the published table: the check that the scorer is right.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench.scoring import BOOTSTRAP_SAMPLES, Metrics, evaluate

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

DATA_ENV = "NEWSARCHIVE_BENCH_DATA"
# Beside the checkout, as the other shared data: ../shared/data/article-extraction-benchmark
DEFAULT_DATA_DIR = (
    Path(__file__).resolve().parents[1].parent / "shared" / "data" / "article-extraction-benchmark"
)


def data_dir() -> Path:
    """Where the benchmark data is: ``$NEWSARCHIVE_BENCH_DATA`` or ``../shared/data/...``."""
    override = os.environ.get(DATA_ENV)
    return Path(override) if override else DEFAULT_DATA_DIR


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


def read_page(directory: Path, page_id: str) -> str:
    """The page's HTML: gzip-compressed UTF-8."""
    with gzip.open(directory / "html" / f"{page_id}.html.gz", "rb") as handle:
        return handle.read().decode("utf-8")


# The extractors under test. Imported inside so `bench.scoring` users need not load them.


def baseline(html: str, url: str) -> str | None:
    import trafilatura

    return trafilatura.extract(html, include_comments=False)


def ours_body(html: str, url: str) -> str | None:
    from crawler.extract.body import extract_body

    return extract_body(html, url).text


def ours_article(html: str, url: str) -> str | None:
    from crawler.extract.article import extract_article

    body: str | None = extract_article(html, url)["body"]
    return body


EXTRACTORS: dict[str, Callable[[str, str], str | None]] = {
    "trafilatura": baseline,
    "extract_body": ours_body,
    "extract_article": ours_article,
}
BASELINE = "trafilatura"


@dataclass
class Run:
    """One extractor's texts and timing over the pages."""

    name: str
    texts: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0
    errors: list[str] = field(default_factory=list)

    @property
    def pages_per_second(self) -> float:
        return len(self.texts) / self.seconds if self.seconds else 0.0


def run_extractor(
    name: str,
    extractor: Callable[[str, str], str | None],
    pages: Sequence[tuple[str, str, str]],
) -> Run:
    """Extract every ``(page id, url, html)``; a page that raises counts as an empty text."""
    run = Run(name)
    if pages:
        _, url, html = pages[0]
        extractor(html, url)  # warm-up, untimed
    for page_id, url, html in pages:
        started = time.perf_counter()
        try:
            text = extractor(html, url)
        except Exception as error:  # noqa: BLE001 - a crash is a wrong answer, not a stop
            text = None
            run.errors.append(f"{page_id}: {type(error).__name__}: {error}")
        run.seconds += time.perf_counter() - started
        run.texts[page_id] = text or ""
    return run


def report_rows(
    runs: Sequence[Run], references: dict[str, str], samples: int
) -> list[dict[str, Any]]:
    """One row per run: metrics, speed, and the ratios against the baseline run."""
    scored = [(run, evaluate(references, run.texts, samples=samples)) for run in runs]
    base_run, base = next((r, m) for r, m in scored if r.name == BASELINE)
    rows = []
    for run, metrics in scored:
        rows.append(
            {
                "name": run.name,
                **metrics.as_dict(),
                "pages_per_second": run.pages_per_second,
                "seconds": run.seconds,
                "errors": len(run.errors),
                "f1_ratio": metrics.f1 / base.f1 if base.f1 else None,
                "speed_ratio": (
                    run.pages_per_second / base_run.pages_per_second
                    if base_run.pages_per_second
                    else None
                ),
            }
        )
    return rows


def format_table(rows: Sequence[dict[str, Any]]) -> str:
    header = (
        f"{'name':<16} {'F1':>13}  {'precision':>9}  {'recall':>6}  {'accuracy':>8}"
        f"  {'pages/s':>7}  vs {BASELINE}"
    )
    lines = [header, "-" * len(header)]
    for row in rows:
        ratio = "baseline"
        if row["name"] != BASELINE:
            ratio = f"F1 x{row['f1_ratio']:.3f}, speed x{row['speed_ratio']:.2f}"
        errors = f"  ({row['errors']} errors)" if row["errors"] else ""
        lines.append(
            f"{row['name']:<16} {row['f1']:.3f} ± {row['f1_sd']:.3f}  {row['precision']:>9.3f}"
            f"  {row['recall']:>6.3f}  {row['accuracy']:>8.3f}  {row['pages_per_second']:>7.1f}"
            f"  {ratio}{errors}"
        )
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
    parser = argparse.ArgumentParser(prog="python -m bench.extraction", description=__doc__)
    parser.add_argument("--limit", type=int, help="score only the first N pages (by id)")
    parser.add_argument("--json", type=Path, help="also write the table as JSON to this path")
    parser.add_argument(
        "--samples", type=int, default=BOOTSTRAP_SAMPLES, help="bootstrap resamples for the ±"
    )
    parser.add_argument(
        "--published", action="store_true", help="also score the published output/*.json"
    )
    args = parser.parse_args(argv)

    directory = data_dir()
    if not (directory / "ground-truth.json").is_file():
        print(f"benchmark data not found in {directory} (set ${DATA_ENV})", file=sys.stderr)
        return 2
    truth = load_references(directory)
    page_ids = sorted(truth)[: args.limit] if args.limit is not None else sorted(truth)
    references = {page_id: truth[page_id]["articleBody"] for page_id in page_ids}
    pages = [
        (page_id, truth[page_id].get("url", ""), read_page(directory, page_id))
        for page_id in page_ids
    ]

    if args.published:
        print(f"Published outputs ({len(references)} pages):")
        print("\n".join(score_published(directory, references, args.samples)))
        print()

    runs = [run_extractor(name, extractor, pages) for name, extractor in EXTRACTORS.items()]
    rows = report_rows(runs, references, args.samples)
    print(f"Article extraction benchmark: {len(pages)} pages, ± = sd over {args.samples} resamples")
    print(format_table(rows))
    for run in runs:
        for error in run.errors:
            print(f"error in {run.name}: {error}", file=sys.stderr)
    if args.json:
        args.json.write_text(
            json.dumps({"pages": len(pages), "samples": args.samples, "rows": rows}, indent=2)
            + "\n",
            encoding="utf-8",
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
