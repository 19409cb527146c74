"""Tests for pipelines/validate.py: what is dropped, how short texts are flagged, date guards."""

from __future__ import annotations

import logging

import pytest
from scrapy.utils.test import get_crawler

from crawler.items import ArticleItem, FetchedPage
from pipelines.validate import ValidateArticlePipeline, access_of, date_guards, drop_reason


def test_drop_reason_none_for_a_title_without_body() -> None:
    assert drop_reason("Harbor fire", "") is None


@pytest.mark.parametrize("title", [None, ""])
def test_drop_reason_empty_without_title_or_body(title: str | None) -> None:
    assert drop_reason(title, "") == "empty"


@pytest.mark.parametrize("title", ["Harbor fire", None])
def test_drop_reason_none_when_there_is_a_body(title: str | None) -> None:
    assert drop_reason(title, "Some text.") is None


def test_access_keeps_a_walled_value_already_set() -> None:
    assert access_of("x" * 1000, "paywalled", 500) == "paywalled"


def test_access_ignores_a_value_that_is_not_an_access_value() -> None:
    assert access_of("x" * 1000, "members", 500) == "open"
    assert access_of("A short item.", "members", 500) == "truncated"


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


# --- date guards ---------------------------------------------------------------------------
FETCHED = "2026-11-20T12:00:00+00:00"


def test_date_guards_pass_plausible_dates() -> None:
    assert date_guards("2026-11-20T09:00:00+00:00", "2026-11-20T11:00:00+00:00", FETCHED) == {}
    assert date_guards(None, None, FETCHED) == {}
    assert date_guards(None, "2026-11-01T00:00:00+00:00", FETCHED) == {}


def test_published_within_the_slack_after_the_fetch_passes() -> None:
    # Clock skew and embargoes: the same two days the date parser allows.
    assert date_guards("2026-11-22T11:59:59+00:00", None, FETCHED) == {}


def test_published_beyond_the_slack_after_the_fetch_fails() -> None:
    assert date_guards("2026-11-22T12:00:01+00:00", None, FETCHED) == {
        "published": "published_after_fetch"
    }


def test_modified_before_published_fails() -> None:
    assert date_guards("2026-11-20T09:00:00+00:00", "2026-11-19T09:00:00+00:00", FETCHED) == {
        "modified": "modified_before_published"
    }


def test_modified_after_the_fetch_fails() -> None:
    assert date_guards(None, "2027-01-01T00:00:00+00:00", FETCHED) == {
        "modified": "modified_after_fetch"
    }


def test_modified_is_not_compared_with_a_published_that_failed() -> None:
    # published is wrong (next year); a modified before it is then no evidence of anything.
    assert date_guards("2027-06-01T00:00:00+00:00", "2026-11-19T09:00:00+00:00", FETCHED) == {
        "published": "published_after_fetch"
    }


def article(published: str | None, modified: str | None) -> ArticleItem:
    page = FetchedPage(
        url="http://127.0.0.1/story/",
        status=200,
        headers={},
        body=b"<html></html>",
        text="<html></html>",
        fetched_at=FETCHED,
    )
    return ArticleItem(
        url=page.url,
        site="wp",
        title="Harbor fire",
        body="x" * 300,
        published=published,
        published_raw=f"raw {published}",
        modified=modified,
        modified_raw=f"raw {modified}",
        page=page,
    )


@pytest.fixture
def pipeline() -> ValidateArticlePipeline:
    crawler = get_crawler(settings_dict={"ARCHIVE_MIN_BODY_CHARS": 200})
    return ValidateArticlePipeline.from_crawler(crawler)


def guard_stats(pipeline: ValidateArticlePipeline) -> dict[str, int]:
    assert pipeline.crawler is not None
    assert pipeline.crawler.stats is not None
    stats = pipeline.crawler.stats.get_stats()
    return {key: value for key, value in stats.items() if key.startswith("archive/guard/")}


def test_process_item_drops_a_future_published_date_not_the_article(pipeline, caplog) -> None:
    item = article("2027-03-01T08:00:00+00:00", None)
    with caplog.at_level(logging.INFO, logger="pipelines.validate"):
        out = pipeline.process_item(item)
    assert out is item
    assert item["published"] is None
    assert item["published_raw"] == "raw 2027-03-01T08:00:00+00:00"
    assert item["access"] == "open"
    assert guard_stats(pipeline) == {"archive/guard/published_after_fetch": 1}
    (record,) = [r for r in caplog.records if r.name == "pipelines.validate"]
    assert record.levelno == logging.INFO
    assert "published_after_fetch" in record.getMessage()
    assert "http://127.0.0.1/story/" in record.getMessage()


def test_process_item_drops_a_modified_before_published(pipeline) -> None:
    item = article("2026-11-20T09:00:00+00:00", "2026-11-18T09:00:00+00:00")
    pipeline.process_item(item)
    assert item["published"] == "2026-11-20T09:00:00+00:00"
    assert item["modified"] is None
    assert item["modified_raw"] == "raw 2026-11-18T09:00:00+00:00"
    assert guard_stats(pipeline) == {"archive/guard/modified_before_published": 1}


def test_process_item_keeps_plausible_dates_and_counts_nothing(pipeline) -> None:
    item = article("2026-11-20T09:00:00+00:00", "2026-11-20T10:00:00+00:00")
    pipeline.process_item(item)
    assert (item["published"], item["modified"]) == (
        "2026-11-20T09:00:00+00:00",
        "2026-11-20T10:00:00+00:00",
    )
    assert guard_stats(pipeline) == {}
