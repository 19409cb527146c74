"""Turning the date strings pages give into ISO 8601 instants in UTC.

Pages give dates in every shape: ISO with or without an offset, RFC 2822 in theme date lines
("Published on Sun, 17 Jun 2018 09:43:34 +0000."), epoch milliseconds in JSON, or garbage
("yesterday", "31/02/2025"). Anything that does not parse to a plausible instant is ``None``;
the caller keeps the raw string so nothing is lost. A date without an offset is read in the
site's time zone (``timezone`` in sites.toml).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from zoneinfo import ZoneInfo

from dateutil import parser as dateutil_parser

from crawler.clock import now

EARLIEST_YEAR = 1990
# How far in the future a date may be before it is taken for a mistake (clock skew, embargo).
FUTURE_SLACK = timedelta(days=2)
DATE_LINE_PATTERN = re.compile(
    r"^\s*(?:published|posted|updated|last updated|first published)(?:\s+on)?\s*:?\s*"
    r"(?P<date>.{6,60}?)\s*\.?\s*$",
    re.IGNORECASE,
)
DEFAULT_A = datetime(2000, 1, 1)
DEFAULT_B = datetime(2001, 2, 2)
US_ZONES = {
    name: offset * 3600
    for name, offset in {
        "UT": 0,
        "GMT": 0,
        "UTC": 0,
        "EST": -5,
        "EDT": -4,
        "CST": -6,
        "CDT": -5,
        "MST": -7,
        "MDT": -6,
        "PST": -8,
        "PDT": -7,
    }.items()
}
EPOCH_PATTERN = re.compile(r"^\d{10}(?:\d{3})?$")


def parse_date(raw: str | None, default_timezone: str = "UTC") -> str | None:
    """``raw`` as ``YYYY-MM-DDTHH:MM:SS+00:00``, or ``None`` if it is not a plausible date."""
    if not raw or not isinstance(raw, str):
        return None
    text = raw.strip()
    if not text or len(text) > 80:
        return None
    moment: datetime | None
    if EPOCH_PATTERN.match(text):
        seconds = int(text) / (1000 if len(text) == 13 else 1)
        moment = datetime.fromtimestamp(seconds, tz=timezone.utc)
    else:
        moment = _parse_text(text)
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(default_timezone))
    moment = moment.astimezone(timezone.utc).replace(microsecond=0)
    if moment.year < EARLIEST_YEAR or moment > now() + FUTURE_SLACK:
        return None
    return moment.isoformat()


def _parse_text(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        pass
    if not re.search(r"\d{4}", text):  # "yesterday", "3 hours ago", "June 5": no year, no date
        return None
    try:  # RFC 2822, with its obsolete zone names (EDT = -0400), as feeds and themes write it
        return parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        pass
    try:
        # dateutil fills what the text lacks from a default date: parse against two different
        # defaults, and a text without a day ("March 2024") gives two answers, so no date.
        first = dateutil_parser.parse(text, default=DEFAULT_A, tzinfos=US_ZONES)
        second = dateutil_parser.parse(text, default=DEFAULT_B, tzinfos=US_ZONES)
    except (ValueError, OverflowError):
        return None
    return first if first.date() == second.date() else None


def date_in_line(line: str) -> str | None:
    """The date string of a theme date line such as ``Published on Sun, 17 Jun 2018 …``."""
    match = DATE_LINE_PATTERN.match(line)
    if match and parse_date(match.group("date")):
        return match.group("date")
    return None
