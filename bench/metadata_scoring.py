"""Scoring of title, authors and publication time, as pure functions.

The rules are those the news-metadata set's SOURCE.md gives for its held-out half, so the
figures here are comparable with the ones measured there:

- title: equal after ``normalize_text`` (NFKC, invisible format characters such as soft
  hyphens and zero-width spaces dropped, case folded, white space collapsed); share of pages
  with a reference title.
- authors: set F1 of names normalized the same way with outer punctuation stripped ("By Jane
  Doe," and "jane doe" are one name); mean over pages whose reference lists authors. A page
  with listed authors and no predicted ones scores 0.
- published, "exact": the predicted instant equals the reference in UTC to the minute (seconds
  dropped on both sides). A time without an offset, on either side, is a wall-clock time in
  an unknown zone: it matches the other side's instant if it is that instant's wall-clock
  time in some whole-hour UTC offset between -12 and +14 (two times that both lack an offset
  must show the same wall-clock time). A prediction that is a bare date never matches
  "exact"; a reference that is a bare date has no "exact" score.
- published, "date": the calendar date agrees. A prediction with an offset is read in the
  reference's own offset (the date the publisher's readers saw); one without, as written.
  Against a reference without an offset (or a bare date), a prediction with an offset agrees
  if some whole-hour offset between -12 and +14 puts it on the reference's date. An "exact"
  match always agrees on the date.
"""

from __future__ import annotations

import string
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import TYPE_CHECKING

from dateutil.parser import isoparse

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

# Real UTC offsets run from -12:00 (Baker Island) to +14:00 (Line Islands).
WHOLE_HOUR_OFFSETS = tuple(timedelta(hours=hours) for hours in range(-12, 15))


def normalize_text(text: str | None) -> str:
    """NFKC, format characters (Unicode category Cf) dropped, case folded, spaces collapsed."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", text)
    text = "".join(char for char in text if unicodedata.category(char) != "Cf")
    return " ".join(text.casefold().split())


def title_matches(expected: str | None, predicted: str | None) -> bool:
    """Whether two titles are equal after ``normalize_text``; no prediction never matches."""
    return bool(predicted) and normalize_text(expected) == normalize_text(predicted)


def _is_outer_punctuation(char: str) -> bool:
    return char.isspace() or char in string.punctuation or unicodedata.category(char)[0] == "P"


def normalize_name(name: str | None) -> str:
    """An author name as compared: ``normalize_text`` with outer punctuation stripped."""
    text = normalize_text(name)
    start, end = 0, len(text)
    while start < end and _is_outer_punctuation(text[start]):
        start += 1
    while end > start and _is_outer_punctuation(text[end - 1]):
        end -= 1
    return text[start:end]


def authors_f1(expected: Iterable[str], predicted: Iterable[str]) -> float:
    """Set F1 of the normalized names; 0 when either side is empty or nothing is shared."""
    wanted = {n for n in map(normalize_name, expected) if n}
    given = {n for n in map(normalize_name, predicted) if n}
    shared = len(wanted & given)
    if not shared:
        return 0.0
    precision, recall = shared / len(given), shared / len(wanted)
    return 2 * precision * recall / (precision + recall)


@dataclass(frozen=True)
class When:
    """A parsed date or time: ``moment`` naive when no offset was given."""

    moment: datetime
    has_time: bool

    @property
    def aware(self) -> bool:
        return self.moment.tzinfo is not None


def parse_when(value: str | date | datetime | None) -> When | None:
    """An ISO 8601 string (date, or date and time with or without offset), or a date/datetime.

    ``None`` for what is not a date: a prediction that cannot be read is a wrong answer.
    """
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return When(value, has_time=True)
    if isinstance(value, date):
        return When(datetime(value.year, value.month, value.day), has_time=False)
    text = value.strip()
    try:
        moment = isoparse(text)
    except (ValueError, OverflowError):
        return None
    return When(moment, has_time=len(text) > 10)


def _minute(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(timezone.utc).replace(tzinfo=None)


def exact_matches(expected: When, predicted: When | None) -> bool:
    """The "exact" rule of the module docstring; ``expected`` must carry a time."""
    if predicted is None or not predicted.has_time:
        return False
    if expected.aware and predicted.aware:
        return _minute(_utc(expected.moment)) == _minute(_utc(predicted.moment))
    if not expected.aware and not predicted.aware:
        return _minute(expected.moment) == _minute(predicted.moment)
    naive, instant = (
        (expected.moment, _utc(predicted.moment))
        if predicted.aware
        else (predicted.moment, _utc(expected.moment))
    )
    return any(_minute(naive) == _minute(instant + offset) for offset in WHOLE_HOUR_OFFSETS)


def date_matches(expected: When, predicted: When | None) -> bool:
    """The "date" rule of the module docstring."""
    if predicted is None:
        return False
    if expected.has_time and exact_matches(expected, predicted):
        return True
    day = expected.moment.date()
    if not predicted.aware:
        return predicted.moment.date() == day
    if expected.aware:
        return predicted.moment.astimezone(expected.moment.tzinfo).date() == day
    instant = _utc(predicted.moment)
    return any((instant + offset).date() == day for offset in WHOLE_HOUR_OFFSETS)


@dataclass(frozen=True)
class FieldScores:
    """One page's metadata scores; ``None`` where the reference has nothing to compare."""

    title: bool | None
    authors: float | None
    exact: bool | None
    date: bool | None


def score_fields(
    expected_title: str | None,
    expected_authors: Sequence[str] | None,
    expected_published: str | None,
    title: str | None,
    authors: Sequence[str],
    published: str | date | datetime | None,
) -> FieldScores:
    """Score one page's title, authors and publication time against its reference."""
    reference = parse_when(expected_published)
    prediction = parse_when(published)
    return FieldScores(
        title=title_matches(expected_title, title) if normalize_text(expected_title) else None,
        authors=authors_f1(expected_authors, authors) if expected_authors else None,
        exact=(
            exact_matches(reference, prediction)
            if reference is not None and reference.has_time
            else None
        ),
        date=date_matches(reference, prediction) if reference is not None else None,
    )


def aggregate_fields(pages: Sequence[FieldScores]) -> dict[str, float | None]:
    """Mean of each field over the pages that have it scored; ``None`` when none has."""

    def mean(values: list[float]) -> float | None:
        return sum(values) / len(values) if values else None

    return {
        "title": mean([float(p.title) for p in pages if p.title is not None]),
        "authors": mean([p.authors for p in pages if p.authors is not None]),
        "exact": mean([float(p.exact) for p in pages if p.exact is not None]),
        "date": mean([float(p.date) for p in pages if p.date is not None]),
    }
