"""Articles as flat records: JSON lines and CSV, one article per line or row.

The JSON columns (``authors``, ``tags``, ``lead_image``, ``field_sources``) are JSON values in
JSON lines and JSON text in a CSV cell, so a spreadsheet shows them and ``json.loads`` reads
them back. NULL is ``null`` in JSON lines and an empty cell in CSV (CSV has no NULL).
"""

from __future__ import annotations

import contextlib
import csv
import json
from typing import IO, TYPE_CHECKING, Any

from crawler.archive.schema import ARTICLE_COLUMNS
from crawler.archive.writes import JSON_COLUMNS

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping


def article_record(row: Mapping[str, Any]) -> dict[str, Any]:
    """The article's columns, its JSON columns parsed (kept as text if not valid JSON)."""
    record = {name: row[name] for name in ARTICLE_COLUMNS}
    for name in JSON_COLUMNS:
        value = record[name]
        if isinstance(value, str):
            # Not valid JSON (an archive edited by hand): keep what is there rather than fail.
            with contextlib.suppress(ValueError):
                record[name] = json.loads(value)
    return record


def write_jsonl(rows: Iterable[Mapping[str, Any]], out: IO[str]) -> int:
    """One JSON object per line; returns the number written."""
    count = 0
    for row in rows:
        out.write(json.dumps(article_record(row), ensure_ascii=False) + "\n")
        count += 1
    return count


def write_csv(rows: Iterable[Mapping[str, Any]], out: IO[str]) -> int:
    """A header row of the column names, then one row per article; returns the number."""
    writer = csv.writer(out)
    writer.writerow(ARTICLE_COLUMNS)
    count = 0
    for row in rows:
        writer.writerow(["" if row[name] is None else row[name] for name in ARTICLE_COLUMNS])
        count += 1
    return count
