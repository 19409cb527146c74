"""Turning the date strings pages give into ISO 8601 instants in UTC.

Pages give dates in every shape: ISO with or without an offset, RFC 2822 in theme date lines
("Published on Sun, 17 Jun 2018 09:43:34 +0000."), epoch milliseconds in JSON, or garbage
("yesterday", "31/02/2025"). Anything that does not parse to a plausible instant is ``None``;
the caller keeps the raw string so nothing is lost. A date without an offset is read in the
site's time zone (``timezone`` in sites.toml).
"""

from __future__ import annotations

import re
import warnings
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
# Zones pages name beyond the US ones (dateutil knows none of these and warns on each).
ZONES = US_ZONES | {
    name: int(offset * 3600)
    for name, offset in {
        "Z": 0,
        "WET": 0,
        "WEST": 1,
        "BST": 1,
        "IST": 5.5,
        "CET": 1,
        "CEST": 2,
        "MEZ": 1,
        "MESZ": 2,
        "EET": 2,
        "EEST": 3,
        "MSK": 3,
        "PKT": 5,
        "ICT": 7,
        "WIB": 7,
        "SGT": 8,
        "HKT": 8,
        "AWST": 8,
        "JST": 9,
        "KST": 9,
        "ACST": 9.5,
        "AEST": 10,
        "AEDT": 11,
        "NZST": 12,
        "NZDT": 13,
        "SAST": 2,
        "WAT": 1,
        "EAT": 3,
        "BRT": -3,
        "ART": -3,
        "AKST": -9,
        "AKDT": -8,
        "HST": -10,
        "AST": -4,
        "ADT": -3,
        "NST": -3.5,
        "ET": -5,
        "CT": -6,
        "MT": -7,
        "PT": -8,
    }.items()
}
EPOCH_PATTERN = re.compile(r"^\d{10}(?:\d{3})?$")
# Month names in the languages pages are written in, to the English ones dateutil reads.
MONTHS = {
    "january": ("januar", "janvier", "enero", "gennaio", "janeiro", "januari", "jänner", "jan"),
    "february": (
        "februar",
        "février",
        "fevrier",
        "febrero",
        "febbraio",
        "fevereiro",
        "februari",
        "feb",
    ),
    "march": ("märz", "maerz", "mars", "marzo", "março", "maart", "mar"),
    "april": ("avril", "abril", "aprile", "apr"),
    "may": ("mai", "mayo", "maggio", "maio", "mei", "maj"),
    "june": ("juni", "juin", "junio", "giugno", "junho", "jun"),
    "july": ("juli", "juillet", "julio", "luglio", "julho", "jul"),
    "august": ("août", "aout", "agosto", "augustus", "aug"),
    "september": ("septembre", "septiembre", "settembre", "setembro", "sept", "sep"),
    "october": ("oktober", "octobre", "octubre", "ottobre", "outubro", "okt", "oct"),
    "november": ("novembre", "noviembre", "novembro", "nov"),
    "december": (
        "dezember",
        "décembre",
        "decembre",
        "diciembre",
        "dicembre",
        "dezembro",
        "desember",
        "dec",
        "dez",
    ),
}
MONTH_NAMES = {alias: month for month, aliases in MONTHS.items() for alias in aliases}
MONTH_WORD = re.compile(
    r"(?<![^\W\d_])("
    + "|".join(sorted(map(re.escape, MONTH_NAMES), key=len, reverse=True))
    + r")(?![^\W\d_])\.?",
    re.IGNORECASE,
)
# Words around a date that dateutil cannot read: weekdays, "Uhr", "at", "um", "à", "le".
NOISE_WORDS = re.compile(
    r"(?<![^\W\d_])(?:mon|tue|wed|thu|fri|sat|sun|monday|tuesday|wednesday|thursday|friday"
    r"|saturday|sunday|mo|di|mi|do|fr|sa|so|montag|dienstag|mittwoch|donnerstag|freitag|samstag"
    r"|sonntag|lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|lunes|martes|miércoles"
    r"|jueves|viernes|sábado|domingo|uhr|um|at|à|le|el|de|del|on|stand|den|der|the|du|h(?=\s|$))"
    r"(?![^\W\d_])\.?,?",
    re.IGNORECASE,
)
AMBIGUOUS_DAY = re.compile(r"^(?P<a>\d{1,2})([/-])(?P<b>\d{1,2})\2\d{4}\b")
DOTTED_DATE = re.compile(r"\b\d{1,2}\.\d{1,2}\.\d{2,4}\b")
MERIDIEM = re.compile(r"\b([ap])\.\s?m\.", re.IGNORECASE)
GERMAN_HOUR = re.compile(r"\b(\d{1,2})[h.](\d{2})\b(?!\.\d)")


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
    text = text.strip("\"' ")
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        pass
    if not re.search(r"\d{4}", text):  # "yesterday", "3 hours ago", "June 5": no year, no date
        return None
    try:  # RFC 2822, with its obsolete zone names (EDT = -0400), as feeds and themes write it
        moment = parsedate_to_datetime(text)
        # A zone it does not know ("CEST") comes back as no zone: dateutil reads those.
        if moment.tzinfo is not None or not re.search(r"[A-Z]{3,5}\s*\d{0,4}\s*$", text):
            return moment
    except (TypeError, ValueError, IndexError):
        pass
    numbers = AMBIGUOUS_DAY.match(text)
    if numbers and numbers["a"] != numbers["b"] and max(int(numbers["a"]), int(numbers["b"])) <= 12:
        return None  # 02-12-2025: the 2nd of December or February 12th; another source may say
    text = _readable(text)
    dots = bool(DOTTED_DATE.search(text))  # 03.04.2025 is the 3rd of April where dots are used
    try:
        # dateutil fills what the text lacks from a default date: parse against two different
        # defaults, and a text without a day ("March 2024") gives two answers, so no date.
        # A zone name it does not know would only warn and be dropped: read it as no date.
        with warnings.catch_warnings():
            warnings.simplefilter("error", dateutil_parser.UnknownTimezoneWarning)
            first = dateutil_parser.parse(text, default=DEFAULT_A, tzinfos=ZONES, dayfirst=dots)
            second = dateutil_parser.parse(text, default=DEFAULT_B, tzinfos=ZONES, dayfirst=dots)
    except (ValueError, OverflowError, dateutil_parser.UnknownTimezoneWarning):
        return None
    return first if first.date() == second.date() else None


def _readable(text: str) -> str:
    """``text`` in words dateutil reads: English month names, "8:30 PM", no weekdays."""
    text = text.replace("@", " ").replace("|", " ")
    text = MERIDIEM.sub(lambda m: f"{m.group(1).upper()}M", text)
    text = MONTH_WORD.sub(lambda m: f" {MONTH_NAMES[m.group(1).lower()]} ", text)
    text = NOISE_WORDS.sub(" ", text)
    text = GERMAN_HOUR.sub(r"\1:\2", text)
    return " ".join(text.replace(" ,", ",").split()).strip(" ,")


def date_in_line(line: str) -> str | None:
    """The date string of a theme date line such as ``Published on Sun, 17 Jun 2018 …``."""
    match = DATE_LINE_PATTERN.match(line)
    if match and parse_date(match.group("date")):
        return match.group("date")
    return None


def repairs(raw: str | None, found: str | None) -> bool:
    """Whether ``found`` (``YYYY-MM-DD``, from htmldate) is an impossible ``raw`` made possible.

    htmldate reads "31/02/2025" in a page's date tag as the first of February: the year and
    month of a date that does not exist, and a day the page never wrote. Such a date is a
    guess; NULL with the raw string kept is the honest value.
    """
    if not raw or not found or parse_date(raw) is not None:
        return False
    numbers = {int(n) for n in re.findall(r"\d+", raw)}
    try:
        day = datetime.fromisoformat(found[:10]).date()
    except ValueError:
        return False
    return day.year in numbers and day.month in numbers and day.day not in numbers


def near_day(raw: str, day: str, slack: int = 1) -> bool:
    """Whether the date string ``raw`` falls within ``slack`` days of ``day`` (``YYYY-MM-DD``).

    The day is the page's own (no conversion to UTC): a day's slack covers a time zone away.
    """
    moment = _parse_text(raw.strip()) if not EPOCH_PATTERN.match(raw.strip()) else None
    try:
        other = datetime.fromisoformat(day[:10]).date()
    except ValueError:
        return True
    return moment is None or abs((moment.date() - other).days) <= slack
