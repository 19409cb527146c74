"""Tests for crawler/urls.py: what makes two URLs the same article."""

from __future__ import annotations

from crawler.urls import identity_url

PAGE = "https://example.com/news/2026/harbor-fire"


def test_identity_url_strips_tracking_parameters_and_fragment() -> None:
    url = "https://example.com/a?utm_source=tw&id=3&fbclid=abc&utm_campaign=x#comments"
    assert identity_url(url) == "https://example.com/a?id=3"


def test_identity_url_drops_the_query_mark_when_only_tracking_remains() -> None:
    assert identity_url("https://example.com/a?utm_source=x&gclid=1") == "https://example.com/a"


def test_identity_url_keeps_other_parameters_in_order() -> None:
    assert identity_url("https://example.com/a?b=2&a=1") == "https://example.com/a?b=2&a=1"


def test_identity_url_of_clean_url_is_unchanged() -> None:
    assert identity_url(PAGE) == PAGE


def test_identity_url_keeps_repeated_non_tracking_parameters() -> None:
    url = "https://example.com/a?x=1&utm_source=1&x=2"
    assert identity_url(url) == "https://example.com/a?x=1&x=2"
