"""Tests of bench/metadata_scoring.py: the title, authors and publication-time rules.

Each example is one a careless rule gets wrong: a soft hyphen that breaks title equality, a
byline's trailing comma, a naive time that is right in another zone, a date that is only
right in the publisher's own offset.
"""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from bench.metadata_scoring import (
    FieldScores,
    When,
    aggregate_fields,
    authors_f1,
    date_matches,
    exact_matches,
    normalize_name,
    normalize_text,
    parse_when,
    score_fields,
    title_matches,
)


def when(text: str) -> When:
    """A parsed reference or prediction that must parse."""
    parsed = parse_when(text)
    assert parsed is not None
    return parsed


def test_titles_equal_after_nfkc_casefold_spaces_and_invisible_characters() -> None:
    assert normalize_text("Ein\u00adfach  \u200bSTRASSE\u00a0ﬁnal\n") == "einfach strasse final"
    assert title_matches("Einfach Straße final", "EIN\u00adFACH  straße  \ufb01nal")
    assert not title_matches("Storm hits coast", "Storm hits coast | Daily News")
    assert not title_matches("Storm hits coast", None)
    # Curly and straight quotes stay different: NFKC does not fold them.
    assert not title_matches("We’ve won", "We've won")


def test_author_names_lose_outer_punctuation_only() -> None:
    assert normalize_name("  «Jane  DOE», ") == "jane doe"
    assert normalize_name("O'Brien-Smith, Jr.") == "o'brien-smith, jr"
    assert normalize_name("—") == ""


def test_authors_set_f1() -> None:
    assert authors_f1(["Jane Doe", "John Roe"], ["jane doe,", "John  Roe"]) == 1
    assert authors_f1(["Jane Doe", "John Roe"], ["Jane Doe"]) == pytest.approx(2 / 3)
    assert authors_f1(["Jane Doe"], ["Jane Doe", "Staff", "Agencies"]) == pytest.approx(0.5)
    assert authors_f1(["Jane Doe"], []) == 0
    assert authors_f1(["Jane Doe"], ["Doe"]) == 0


def test_parse_when_tells_dates_from_times() -> None:
    assert not when("2025-09-04").has_time
    assert when("2024-05-03 15:47:42.389000+00:00").aware
    assert when("2025-06-05T14:46:12+0200").moment.utcoffset() is not None
    assert not when("2025-10-20 00:00:00").aware
    assert parse_when("yesterday") is None
    assert parse_when(None) is None
    assert parse_when(datetime(2024, 1, 2, 3, 4)) is not None


def test_exact_compares_instants_in_utc_to_the_minute() -> None:
    expected = when("2025-06-05 14:46:12+02:00")
    assert exact_matches(expected, when("2025-06-05T12:46:59+00:00"))  # seconds dropped
    assert not exact_matches(expected, when("2025-06-05T14:46:12+00:00"))  # offset lost
    assert not exact_matches(expected, when("2025-06-05T12:47:00+00:00"))
    assert not exact_matches(expected, when("2025-06-05"))  # a bare date is never exact
    assert not exact_matches(expected, None)


def test_a_time_without_offset_matches_a_whole_hour_offset_away() -> None:
    naive = when("2024-04-24 22:58:49")
    assert exact_matches(naive, when("2024-04-24T22:58:00+00:00"))
    assert exact_matches(naive, when("2024-04-25T02:58:00+00:00"))  # written at UTC-4
    assert not exact_matches(naive, when("2024-04-24T22:28:00+00:00"))  # half an hour off
    assert not exact_matches(naive, when("2024-04-26T02:58:00+00:00"))  # 28 h: no such zone
    # The same rule when the prediction is the one without offset (a local wall clock).
    aware = when("2025-06-05 14:46:12+02:00")
    assert exact_matches(aware, parse_when(datetime(2025, 6, 5, 14, 46, 12)))
    assert not exact_matches(aware, parse_when(datetime(2025, 6, 5, 14, 16)))
    # Two wall clocks without offsets must agree as written.
    assert not exact_matches(naive, parse_when(datetime(2024, 4, 24, 23, 58)))


def test_date_is_the_publishers_calendar_day() -> None:
    late_evening = when("2026-05-24 22:05:10-04:00")  # 02:05 UTC on the 25th
    assert date_matches(late_evening, when("2026-05-24"))
    assert date_matches(late_evening, when("2026-05-25T02:05:10+00:00"))  # exact, so same day
    assert date_matches(late_evening, when("2026-05-25T01:00:00+00:00"))  # the 24th in -04:00
    assert not date_matches(late_evening, when("2026-05-25"))
    assert not date_matches(late_evening, None)


def test_a_utc_instant_agrees_with_a_bare_date_in_some_real_zone() -> None:
    day = when("2025-09-04")
    assert date_matches(day, when("2025-09-05T03:00:00+00:00"))  # 23:00 on the 4th at UTC-4
    assert date_matches(day, when("2025-09-03T12:00:00+00:00"))  # 00:00 on the 4th at UTC+12
    assert not date_matches(day, when("2025-09-05T20:00:00+00:00"))  # the 5th everywhere
    assert not date_matches(day, when("2025-09-05"))
    assert date_matches(day, parse_when(datetime(2025, 9, 4, 23, 59, tzinfo=timezone.utc)))


def test_score_fields_leaves_out_what_the_reference_lacks() -> None:
    scores = score_fields("Title", [], "2025-09-04", "title", ["Someone"], "2025-09-04T10:00Z")
    assert scores == FieldScores(title=True, authors=None, exact=None, date=True)
    none = score_fields("Title", ["A B"], None, None, [], None)
    assert none == FieldScores(title=False, authors=0.0, exact=None, date=None)


def test_aggregate_fields_averages_over_pages_with_the_field() -> None:
    pages = [
        FieldScores(title=True, authors=None, exact=None, date=True),
        FieldScores(title=False, authors=0.5, exact=True, date=False),
        FieldScores(title=True, authors=1.0, exact=False, date=None),
    ]
    assert aggregate_fields(pages) == {
        "title": pytest.approx(2 / 3),
        "authors": 0.75,
        "exact": 0.5,
        "date": 0.5,
    }
    assert aggregate_fields([])["title"] is None
