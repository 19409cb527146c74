"""Metadata benchmark: title, authors, publication time and body, ours against libraries.

Run ``python -m bench.metadata [--set {news-metadata,article-pages,all}] [--limit N]
[--json PATH] [--samples N]``.

Two data sets (``bench.data``), each reported whole and in two fixed halves:

- ``news-metadata``: 121 news pages from 87 publishers with a hand-written parser's checked
  output (title, authors, publication time, body); halves by the CRC-32 of the ``publisher``
  field, even or odd, so that no publisher is in both;
- ``article-pages``: the 709 article pages, whose references have a title, authors and a
  publication date without time (so no "exact" and no body column here: the body on these
  pages is ``bench.extraction``'s job); halves by even or odd page number.

Rows:

- ``ours``: ``crawler.extract.article.extract_article(html, url)``, then the pipeline's own
  normalization (``pipelines.normalize.normalize_record``, which reads ``published_raw``
  with ``crawler.extract.dates.parse_date`` into UTC): the values the archive would store.
  Its body is scored as description and body together, because it lifts the standfirst out
  of the body into ``description`` (SOURCE.md's rule);
- ``trafilatura``: ``trafilatura.bare_extraction(html, url=url, include_comments=False,
  with_metadata=True)``: title, author (a "; "-separated string), date (a bare date), text;
- ``news-please``: ``NewsPlease.from_html(html, url=url, fetch_images=False)``: title,
  authors, date_publish (a datetime without offset), maintext;
- ``htmldate``: ``find_date(html, original_date=True, outputformat="%Y-%m-%dT%H:%M:%S%z")``,
  dates only; a midnight without offset is what it gives when it found no time, so it is
  read as a bare date.

Scores (``bench.metadata_scoring`` for the rules): title exact match after normalization,
authors set F1, publication "exact" (instant to the minute in UTC) and "date", as shares of
the pages whose reference has the field; body shingle F1 (``bench.scoring``, texts in NFC)
± its bootstrap sd; pages/s over the whole extraction call, in the same run for every row.
A library that raises on a page gives an empty answer there, and the error is counted.
"""

from __future__ import annotations

import sys
import unicodedata
import warnings
from typing import TYPE_CHECKING, Any, TypedDict

from bench.command import chosen_sets, parser_for, run_sets
from bench.data import ARTICLE_PAGES, NEWS_METADATA, load_pages, views
from bench.metadata_scoring import FieldScores, aggregate_fields, score_fields
from bench.report import Column, format_table
from bench.runs import run_extractor
from bench.scoring import score_page, score_pages

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from datetime import datetime

    from bench.data import Page
    from bench.runs import Run
    from bench.scoring import PageScore


class Answer(TypedDict):
    """What one extractor says about one page; ``None`` where it says nothing."""

    title: str | None
    authors: list[str]
    published: str | datetime | None
    body: str | None


EMPTY: Answer = {"title": None, "authors": [], "published": None, "body": None}
SETS = {"news-metadata": NEWS_METADATA, "article-pages": ARTICLE_PAGES}


def ours(html: str, url: str) -> Answer:
    from crawler.extract.article import extract_article
    from pipelines.normalize import normalize_record

    record = normalize_record({**extract_article(html, url), "url": url})
    body = "\n\n".join(part for part in (record["description"], record["body"]) if part)
    return {
        "title": record["title"],
        "authors": record["authors"],
        "published": record["published"],
        "body": body,
    }


def trafilatura_metadata(html: str, url: str) -> Answer:
    import trafilatura

    document = trafilatura.bare_extraction(
        html, url=url, include_comments=False, with_metadata=True
    )
    if document is None:
        return EMPTY
    fields = document if isinstance(document, dict) else document.as_dict()
    author = fields.get("author") or ""
    return {
        "title": fields.get("title"),
        "authors": [name.strip() for name in author.split(";") if name.strip()],
        "published": fields.get("date"),
        "body": fields.get("text"),
    }


def news_please(html: str, url: str) -> Answer:
    from newsplease import NewsPlease

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # its parsers warn about optional NLP models per call
        article = NewsPlease.from_html(html, url=url, fetch_images=False)
    return {
        "title": article.title,
        "authors": list(article.authors or []),
        "published": article.date_publish,
        "body": article.maintext,
    }


def htmldate_only(html: str, url: str) -> Answer:
    from htmldate import find_date

    found = find_date(html, original_date=True, outputformat="%Y-%m-%dT%H:%M:%S%z")
    if found and found.endswith("T00:00:00"):
        found = found[:10]  # no time found: a bare date, not midnight
    return {**EMPTY, "published": found}


EXTRACTORS: dict[str, Callable[[str, str], Answer]] = {
    "ours": ours,
    "trafilatura": trafilatura_metadata,
    "news-please": news_please,
    "htmldate": htmldate_only,
}
DATES_ONLY = {"htmldate"}

COLUMNS = [
    Column("title", "title", width=5),
    Column("authors", "authors", width=7),
    Column("exact", "exact", width=5),
    Column("date", "date", width=5),
    Column("body F1", "body_f1", sd_key="body_f1_sd", width=13),
    Column("pages/s", "pages_per_second", "{:.1f}", width=7),
]


def nfc(text: str | None) -> str:
    return unicodedata.normalize("NFC", text or "")


def score_run(
    run: Run[Answer], page: Page, with_body: bool
) -> tuple[FieldScores, PageScore | None]:
    """One page's field scores and body score (``None`` when the body is not scored)."""
    answer, truth = run.answers[page.id], page.truth
    fields = score_fields(
        truth.get("title"),
        truth.get("authors"),
        truth.get("published"),
        answer["title"],
        answer["authors"],
        answer["published"],
    )
    body = score_page(nfc(truth.get("body")), nfc(answer["body"])) if with_body else None
    return fields, body


def score_view(
    runs: Sequence[Run[Answer]], pages: Sequence[Page], with_body: bool, samples: int
) -> dict[str, Any]:
    """One row per extractor over ``pages``."""
    ids = [page.id for page in pages]
    rows = []
    for run in runs:
        scored = [score_run(run, page, with_body) for page in pages]
        row: dict[str, Any] = {"name": run.name, **aggregate_fields([f for f, _ in scored])}
        if run.name in DATES_ONLY:
            row["title"] = row["authors"] = None
        bodies = [body for _, body in scored if body is not None]
        if bodies and run.name not in DATES_ONLY:
            metrics = score_pages(bodies, samples=samples)
            row.update(body_f1=metrics.f1, body_f1_sd=metrics.f1_sd)
            row.update(body_precision=metrics.precision, body_recall=metrics.recall)
        row["pages_per_second"] = run.pages_per_second(ids)
        errors = sum(1 for error in run.errors if error.split(":", 1)[0] in set(ids))
        if errors:
            row["errors"], row["note"] = errors, f"({errors} errors)"
        rows.append(row)
    return {"pages": len(ids), "rows": rows}


def metadata_set(name: str, limit: int | None, samples: int) -> dict[str, Any]:
    """Run every extractor over one data set and score it whole and by halves."""
    pages = load_pages(name, limit)
    runs = [run_extractor(row, extractor, pages, EMPTY) for row, extractor in EXTRACTORS.items()]
    with_body = name == NEWS_METADATA
    result: dict[str, Any] = {"set": name, "pages": len(pages), "views": {}}
    for view_name, view_pages in views(name, pages).items():
        result["views"][view_name] = score_view(runs, view_pages, with_body, samples)
    result["errors"] = [f"{run.name}: {error}" for run in runs for error in run.errors]
    return result


def format_set(result: dict[str, Any], samples: int) -> str:
    lines = []
    for view_name, view in result["views"].items():
        body = f", body F1 ± sd over {samples} resamples" if result["set"] == NEWS_METADATA else ""
        lines.append(
            f"{result['set']} [{view_name}]: {view['pages']} pages;"
            f" shares of the pages whose reference has the field{body}"
        )
        lines.append(format_table(view["rows"], COLUMNS, name_width=12))
        lines.append("")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    args = parser_for("python -m bench.metadata", __doc__, SETS).parse_args(argv)
    chosen = chosen_sets(args.set, SETS)
    if chosen is None:
        return 2
    return run_sets(
        chosen,
        lambda name: metadata_set(name, args.limit, args.samples),
        lambda result: format_set(result, args.samples),
        args,
    )


if __name__ == "__main__":
    sys.exit(main())
