"""Reading newsarchive's counters out of a crawl's stats.

Counters are grouped by prefix (``archive/errors/<kind>``, ``archive/skipped/<why>``,
``archive/dropped/<reason>``) so a new kind needs no new code where totals are read: the
``crawls`` row written by the store and the summary the CLI prints add them up the same way.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Mapping


def total(stats: Mapping[str, Any], prefix: str) -> int:
    """The sum of the integer counters whose name starts with ``prefix``."""
    return sum(
        value
        for name, value in stats.items()
        if name.startswith(prefix) and isinstance(value, int) and not isinstance(value, bool)
    )
