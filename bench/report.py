"""Plain-text tables for the benchmarks: fixed columns, one row per extractor.

Kept apart from the scoring so that the numbers (``--json``) and their presentation never
mix: a column that is missing for a row (no snippets in that set, no time in that
reference) prints as a dash rather than as a misleading zero.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Sequence

    from bench.scoring import PairedDifference


@dataclass(frozen=True)
class Column:
    """One column: header, the row key it shows, and how (``"{:.3f}"``, ...)."""

    header: str
    key: str
    template: str = "{:.3f}"
    width: int = 9
    sd_key: str | None = None  # a ``± sd`` printed after the value

    def cell(self, row: dict[str, Any]) -> str:
        value = row.get(self.key)
        if value is None:
            text = "-"
        else:
            text = self.template.format(value)
            if self.sd_key and row.get(self.sd_key) is not None:
                text += f" ± {row[self.sd_key]:.3f}"
        return text.rjust(self.width)


def format_table(
    rows: Sequence[dict[str, Any]], columns: Sequence[Column], name_width: int = 22
) -> str:
    """Rows under a header line; ``row["note"]``, if any, goes after the last column."""
    header = "name".ljust(name_width) + "".join(
        "  " + column.header.rjust(column.width) for column in columns
    )
    lines = [header, "-" * len(header)]
    for row in rows:
        cells = "".join("  " + column.cell(row) for column in columns)
        note = f"  {row['note']}" if row.get("note") else ""
        lines.append(f"{row['name']:<{name_width}}{cells}{note}")
    return "\n".join(lines)


def format_paired(ours: str, other: str, difference: PairedDifference) -> str:
    """One line: our F1 minus the other's, point, bootstrap mean and 95% interval."""
    return (
        f"{ours} - {other}: F1 difference {difference.point:+.4f}"
        f" (bootstrap mean {difference.mean:+.4f}, 95% interval"
        f" [{difference.low:+.4f}, {difference.high:+.4f}],"
        f" ours ahead in {difference.share_above:.0%} of {difference.samples} resamples)"
    )
