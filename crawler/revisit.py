"""The revisit policy: how long to wait before checking a known article again.

News changes most while it is young: a story is corrected, updated and retitled in its first
hours, rarely after a month. So the wait between checks grows with the article's age, and a
check that found a real change starts the article over at the shortest wait, since an article
that was just edited is likely to be edited again. The policy is data (``revisit`` in
``sites.toml``) and pure: age in, seconds out, so it is tested without a crawl or a clock.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

DURATION_PATTERN = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$")
UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
OLDER_KEY = "older"


class RevisitError(ValueError):
    """A ``revisit`` table that cannot be used; the message is the problem, in one line."""


def parse_duration(text: object) -> int:
    """Seconds in a duration written ``15m``, ``3h``, ``1d``, ``2w`` (a positive whole count)."""
    match = DURATION_PATTERN.match(text) if isinstance(text, str) else None
    if match is None or int(match.group(1)) == 0:
        raise RevisitError(f"{text!r} is not a duration such as '15m', '3h', '1d' or '2w'")
    return int(match.group(1)) * UNIT_SECONDS[match.group(2)]


@dataclass(frozen=True)
class RevisitPolicy:
    """Ages (seconds, ascending) with the interval for an article younger than each.

    ``older`` is the interval past the last age.
    """

    tiers: tuple[tuple[int, int], ...]
    older: int

    def interval(self, age_seconds: float, since_change_seconds: float | None = None) -> int:
        """Seconds to wait before the next check.

        The age that counts is the shorter of the article's age and the time since its content
        last changed: a change tightens the schedule as if the article were new again.
        """
        age = age_seconds
        if since_change_seconds is not None:
            age = min(age, since_change_seconds)
        for limit, interval in self.tiers:
            if age < limit:
                return interval
        return self.older


DEFAULT_REVISIT = {"3h": "15m", "1d": "30m", "7d": "2h", "30d": "1d", OLDER_KEY: "7d"}


def parse_policy(table: object) -> RevisitPolicy:
    """A policy from the ``revisit`` table: ``{"3h" = "15m", ..., "older" = "7d"}``."""
    if not isinstance(table, dict) or not table:
        raise RevisitError('must be a table of age = interval, such as {"3h" = "15m"}')
    if OLDER_KEY not in table:
        raise RevisitError(f"give {OLDER_KEY!r}: the interval past the last age")
    tiers: dict[int, int] = {}
    for age, interval in table.items():
        if age == OLDER_KEY:
            continue
        tiers[parse_duration(age)] = parse_duration(interval)
    ordered = tuple(sorted(tiers.items()))
    older = parse_duration(table[OLDER_KEY])
    intervals = [interval for _, interval in ordered] + [older]
    if intervals != sorted(intervals):
        raise RevisitError("intervals must not shrink as articles age")
    return RevisitPolicy(tiers=ordered, older=older)


DEFAULT_POLICY = parse_policy(DEFAULT_REVISIT)
