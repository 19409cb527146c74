"""What ``newsarchive extract`` prints for each input: the article record, as the pipeline makes it.

The record is what the boilerplate and normalize stages would put in the ``articles`` row for
the page (same functions, same values: dates in UTC with ``+00:00`` beside their ``*_raw``,
authors and tags as lists, ``word_count``, the canonical URL only when it stays on the page's
site), plus ``input``, the input as the user gave it. Nothing is archived, so the stages after
normalize (validate, dedupe, store) have nothing to add.

A page read from a file or stdin without ``--url`` has no URL (``url`` is null); its canonical
URL cannot be checked against the page's site then, and is reported as the page declares it
(absolute http(s) only, in the archive's identity form).

Inputs are read and printed one by one, so a long list shows progress and a bad input costs
one line on stderr, never the others' output.
"""

from __future__ import annotations

import json
from typing import IO, TYPE_CHECKING, Any

from crawler.extract import extract_article
from crawler.items import ARTICLE_COLUMNS
from crawler.page_fetch import Fetcher
from crawler.page_inputs import InputError, read_input
from crawler.runner import EXIT_DONE, EXIT_FAILED, EXIT_PARTLY
from pipelines.normalize import normalize_record, trusted_canonical

if TYPE_CHECKING:
    from collections.abc import Sequence

FORMATS = ("json", "text")
FORM_FEED = "\f"


def article_record(html: str, url: str | None) -> dict[str, Any]:
    """The normalized article fields of one page, as the pipeline's first two stages give them."""
    record = extract_article(html, url or "")
    normalized = normalize_record({**record, "url": url or ""})
    normalized["url"] = url
    if url is None:
        declared = record.get("canonical_url")
        normalized["canonical_url"] = (
            trusted_canonical(declared, declared, None) if isinstance(declared, str) else None
        )
    return normalized


def as_json_line(record: dict[str, Any], given: str) -> str:
    """One JSON object on one line: ``input``, then the fields in the archive's column order."""
    fields = {name: record[name] for name in ARTICLE_COLUMNS if name in record}
    return json.dumps({"input": given, **fields}, ensure_ascii=False)


def as_text(record: dict[str, Any]) -> str:
    """The title, a blank line, the body."""
    return f"{record.get('title') or ''}\n\n{record.get('body') or ''}"


def extract_inputs(
    inputs: Sequence[str],
    *,
    url: str | None,
    output_format: str,
    out: IO[str],
    err: IO[str],
    fetcher: Fetcher | None = None,
) -> int:
    """Print a record per readable input and an error line per other one; the exit code.

    0 when every input gave a record, 1 when none did, 3 when some did.
    """
    fetcher = fetcher or Fetcher()
    failed = 0
    printed = 0
    for given in inputs:
        try:
            page = read_input(given, fetcher)
        except InputError as error:
            failed += 1
            err.write(f"newsarchive extract: {given}: {error}\n")
            err.flush()
            continue
        try:
            record = article_record(page.html, url or page.url)
        except Exception as error:  # noqa: BLE001 - a bug on one page must not cost the others
            failed += 1
            err.write(f"newsarchive extract: {given}: extraction failed ({error!r})\n")
            err.flush()
            continue
        if output_format == "json":
            out.write(as_json_line(record, given) + "\n")
        else:
            out.write((FORM_FEED + "\n" if printed else "") + as_text(record) + "\n")
        out.flush()
        printed += 1
    if not failed:
        return EXIT_DONE
    return EXIT_FAILED if failed == len(inputs) else EXIT_PARTLY
