"""Tests for pipelines/validate.py: what is dropped, and how short texts are flagged."""

from __future__ import annotations

import pytest

from pipelines.validate import access_of, drop_reason


def test_drop_reason_no_body_with_title() -> None:
    assert drop_reason("Harbor fire", "") == "no_body"


@pytest.mark.parametrize("title", [None, ""])
def test_drop_reason_empty_without_title_or_body(title: str | None) -> None:
    assert drop_reason(title, "") == "empty"


@pytest.mark.parametrize("title", ["Harbor fire", None])
def test_drop_reason_none_when_there_is_a_body(title: str | None) -> None:
    assert drop_reason(title, "Some text.") is None


def test_access_keeps_a_walled_value_already_set() -> None:
    assert access_of("x" * 1000, "paywalled", 500) == "paywalled"


def test_access_is_open_for_a_long_enough_body() -> None:
    assert access_of("x" * 500, None, 500) == "open"
    assert access_of("x" * 500, "open", 500) == "open"


def test_access_is_open_for_a_long_body_that_mentions_cookies() -> None:
    assert access_of("We use cookies. " + "x" * 600, None, 500) == "open"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("We use cookies to improve your experience.", "consent_wall"),
        ("Please ACCEPT ALL COOKIES to continue.", "consent_wall"),
        ("Subscribe to continue reading.", "paywalled"),
        ("This article is for subscribers only.", "paywalled"),
        ("Already a subscriber? Log in.", "paywalled"),
        ("Please enable JavaScript to view this page.", "js_required"),
        ("A short item.", "truncated"),
    ],
)
def test_access_of_a_short_body_says_why(body: str, expected: str) -> None:
    assert access_of(body, None, 500) == expected
    assert access_of(body, "open", 500) == expected
