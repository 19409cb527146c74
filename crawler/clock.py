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
        moment = parse_instant(fixed)
    except ValueError as error:
        raise ValueError(f"{NOW_VARIABLE}={fixed!r} is not an ISO 8601 instant") from error
    return moment.astimezone(timezone.utc)


def now_iso() -> str:
    """``now()`` as the archive stores times: ISO 8601, UTC, second precision, ``+00:00``."""
    return archive_time(now())


def parse_instant(text: str) -> datetime:
    """An ISO 8601 date or time (``Z`` accepted) as an aware datetime, UTC when it names no zone.

    The archive writes every time in UTC, so a time without a zone is read as UTC rather than
    as the machine's local time. Raises ``ValueError`` when ``text`` is not ISO 8601.
    """
    moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def instant_or_none(text: str | None) -> datetime | None:
    """``parse_instant``, with None for an empty or unreadable time."""
    if not text:
        return None
    try:
        return parse_instant(text)
    except ValueError:
        return None


def archive_time(moment: datetime) -> str:
    """``moment`` as the archive stores times: ISO 8601, UTC, second precision, ``+00:00``."""
    return moment.astimezone(timezone.utc).replace(microsecond=0).isoformat()
