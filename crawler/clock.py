"""The one clock every part of newsarchive reads.

Revisit schedules, guards and "last N days" queries all depend on the time, so tests and
benchmarks need to move it without sleeping: set ``NEWSARCHIVE_NOW`` to an ISO 8601 instant
and every timestamp the archive records is taken from it.
"""

from __future__ import annotations

import os
from datetime import datetime, timezone

NOW_VARIABLE = "NEWSARCHIVE_NOW"


def now() -> datetime:
    """The current instant in UTC, or the one ``NEWSARCHIVE_NOW`` names."""
    fixed = os.environ.get(NOW_VARIABLE)
    if not fixed:
        return datetime.now(timezone.utc)
    try:
        moment = datetime.fromisoformat(fixed.replace("Z", "+00:00"))
    except ValueError as error:
        raise ValueError(f"{NOW_VARIABLE}={fixed!r} is not an ISO 8601 instant") from error
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def now_iso() -> str:
    """``now()`` as the archive stores times: ISO 8601, UTC, second precision, ``+00:00``."""
    return now().replace(microsecond=0).isoformat()
