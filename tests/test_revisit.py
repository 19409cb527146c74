"""The revisit policy (crawler/revisit.py): age and last change in, seconds to wait out."""

from __future__ import annotations

import pytest

from crawler.revisit import DEFAULT_POLICY, RevisitError, parse_duration, parse_policy

MINUTE, HOUR, DAY = 60, 3600, 86400


@pytest.mark.parametrize(
    ("age", "interval"),
    [
        (0, 15 * MINUTE),
        (3 * HOUR - 1, 15 * MINUTE),
        (3 * HOUR, 30 * MINUTE),
        (23 * HOUR, 30 * MINUTE),
        (2 * DAY, 2 * HOUR),
        (10 * DAY, DAY),
        (30 * DAY, 7 * DAY),
        (3000 * DAY, 7 * DAY),
    ],
)
def test_default_policy_decays_with_age(age: int, interval: int) -> None:
    assert DEFAULT_POLICY.interval(age) == interval


def test_a_recent_change_tightens_the_interval_of_an_old_article() -> None:
    assert DEFAULT_POLICY.interval(400 * DAY, since_change_seconds=10 * MINUTE) == 15 * MINUTE
    assert DEFAULT_POLICY.interval(400 * DAY, since_change_seconds=2 * DAY) == 2 * HOUR
    # A change long ago counts for nothing the age does not already say.
    assert DEFAULT_POLICY.interval(HOUR, since_change_seconds=400 * DAY) == 15 * MINUTE


def test_tiers_are_ordered_by_age_whatever_the_table_order() -> None:
    policy = parse_policy({"older": "1w", "1d": "1h", "1h": "1m"})
    assert policy.tiers == ((HOUR, MINUTE), (DAY, HOUR))
    assert policy.interval(2 * DAY) == 7 * DAY


@pytest.mark.parametrize(
    ("text", "seconds"), [("15m", 900), ("3h", 10800), ("1d", DAY), ("2w", 14 * DAY), ("9s", 9)]
)
def test_durations(text: str, seconds: int) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "15", "m", "1.5h", "-1h", "0d", "1y", 15])
def test_bad_durations(text: object) -> None:
    with pytest.raises(RevisitError, match="is not a duration"):
        parse_duration(text)
