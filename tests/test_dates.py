"""Tests for crawler/extract/dates.py and crawler/clock.py."""

from __future__ import annotations

import warnings
from datetime import datetime, timedelta, timezone

import pytest
from lxml.html import document_fromstring

from crawler.clock import NOW_VARIABLE, now, now_iso
from crawler.extract.article import extract_article
from crawler.extract.dates import date_in_line, parse_date
from crawler.extract.metadata import read_metadata

FIXED_NOW = "2026-11-26T00:00:00+00:00"


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSARCHIVE_NOW", FIXED_NOW)


# --- clock ---------------------------------------------------------------------------------


def test_now_variable_is_named_newsarchive_now() -> None:
    assert NOW_VARIABLE == "NEWSARCHIVE_NOW"


def test_now_reads_newsarchive_now_with_z_suffix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSARCHIVE_NOW", "2026-03-01T12:00:00Z")
    assert now() == datetime(2026, 3, 1, 12, tzinfo=timezone.utc)
    assert now().utcoffset() == timedelta(0)


def test_now_converts_an_offset_instant_to_utc(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSARCHIVE_NOW", "2026-03-01T12:00:00+02:00")
    moment = now()
    assert moment == datetime(2026, 3, 1, 10, tzinfo=timezone.utc)
    assert moment.tzinfo == timezone.utc


def test_now_reads_a_naive_instant_as_utc(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSARCHIVE_NOW", "2026-03-01T12:00:00")
    assert now() == datetime(2026, 3, 1, 12, tzinfo=timezone.utc)


@pytest.mark.parametrize("value", [None, ""])
def test_now_is_the_real_utc_time_without_the_variable(
    monkeypatch: pytest.MonkeyPatch, value: str | None
) -> None:
    if value is None:
        monkeypatch.delenv("NEWSARCHIVE_NOW")
    else:
        monkeypatch.setenv("NEWSARCHIVE_NOW", value)
    before = datetime.now(timezone.utc)
    moment = now()
    after = datetime.now(timezone.utc)
    assert before <= moment <= after
    assert moment.utcoffset() == timedelta(0)


def test_now_rejects_a_value_that_is_not_iso_8601(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSARCHIVE_NOW", "next tuesday")
    with pytest.raises(ValueError, match="NEWSARCHIVE_NOW='next tuesday' is not an ISO 8601"):
        now()


def test_now_iso_is_utc_second_precision_with_plus_zero_offset(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("NEWSARCHIVE_NOW", "2026-03-01T12:00:05.987654-05:00")
    assert now_iso() == "2026-03-01T17:00:05+00:00"


def test_now_iso_follows_the_real_clock_without_the_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("NEWSARCHIVE_NOW")
    stamp = now_iso()
    assert stamp.endswith("+00:00")
    parsed = datetime.fromisoformat(stamp)
    assert parsed.microsecond == 0
    assert abs(parsed - datetime.now(timezone.utc)) < timedelta(seconds=5)


# --- parse_date: shapes --------------------------------------------------------------------


def test_iso_with_offset_becomes_utc() -> None:
    assert parse_date("2026-11-01T07:30:00-05:00") == "2026-11-01T12:30:00+00:00"


def test_iso_with_z_suffix_is_utc() -> None:
    assert parse_date("2026-03-03T10:00:00Z") == "2026-03-03T10:00:00+00:00"


def test_offset_wins_over_the_default_time_zone() -> None:
    assert parse_date("2026-11-01T07:30:00-05:00", "Asia/Tokyo") == "2026-11-01T12:30:00+00:00"


def test_naive_date_is_read_in_the_given_time_zone() -> None:
    # July: New York is on daylight time, UTC-4.
    assert parse_date("2026-07-01T09:00:00", "America/New_York") == "2026-07-01T13:00:00+00:00"
    # January: standard time, UTC-5.
    assert parse_date("2026-01-15 09:00", "America/New_York") == "2026-01-15T14:00:00+00:00"


def test_naive_date_defaults_to_utc() -> None:
    assert parse_date("2026-07-01T09:00:00") == "2026-07-01T09:00:00+00:00"


def test_date_without_time_is_midnight_in_the_given_zone() -> None:
    assert parse_date("2026-01-01", "America/New_York") == "2026-01-01T05:00:00+00:00"


def test_surrounding_white_space_is_ignored() -> None:
    assert parse_date("  2026-01-01T00:00:00Z \n") == "2026-01-01T00:00:00+00:00"


def test_fractional_seconds_are_dropped() -> None:
    assert parse_date("2026-01-01T00:00:00.999+00:00") == "2026-01-01T00:00:00+00:00"


def test_rfc_2822_with_numeric_offset() -> None:
    assert parse_date("Sun, 17 Jun 2018 09:43:34 +0000") == "2018-06-17T09:43:34+00:00"
    assert parse_date("Sun, 17 Jun 2018 09:43:34 +0200") == "2018-06-17T07:43:34+00:00"


def test_rfc_2822_with_gmt() -> None:
    assert parse_date("Sun, 17 Jun 2018 09:43:34 GMT") == "2018-06-17T09:43:34+00:00"


@pytest.mark.filterwarnings("ignore::dateutil.parser.UnknownTimezoneWarning")
def test_rfc_2822_with_named_us_zone() -> None:
    assert parse_date("Sun, 17 Jun 2018 09:43:34 EDT") == "2018-06-17T13:43:34+00:00"


def test_human_date_with_year_is_parsed() -> None:
    assert parse_date("March 3, 2026 10:15", "America/New_York") == "2026-03-03T15:15:00+00:00"


def test_epoch_seconds() -> None:
    assert parse_date("1700000000") == "2023-11-14T22:13:20+00:00"


def test_epoch_milliseconds() -> None:
    assert parse_date("1700000000123") == "2023-11-14T22:13:20+00:00"


def test_epoch_ignores_the_default_time_zone() -> None:
    assert parse_date("1700000000", "America/New_York") == "2023-11-14T22:13:20+00:00"


# --- parse_date: garbage and implausible dates ---------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "yesterday",
        "3 hours ago",
        "June 5",
        "31/02/2025",
        "2025-02-30",
        "Page 1234",
        "",
        "   ",
        None,
        "1700000000.5",
        "x" * 81,
    ],
)
def test_garbage_is_none(raw: str | None) -> None:
    assert parse_date(raw) is None


def test_non_string_is_none() -> None:
    assert parse_date(1700000000) is None  # type: ignore[arg-type]


def test_year_2999_is_none() -> None:
    assert parse_date("2999-01-01T00:00:00+00:00") is None
    assert parse_date("32503680000") is None  # epoch seconds for 3000-01-01


def test_date_before_1990_is_none() -> None:
    assert parse_date("1989-12-31T23:59:59+00:00") is None
    assert parse_date("0000000000") is None  # epoch zero, 1970


def test_1990_itself_is_allowed() -> None:
    assert parse_date("1990-01-01T00:00:00+00:00") == "1990-01-01T00:00:00+00:00"


def test_lower_bound_is_checked_after_conversion_to_utc() -> None:
    # Midnight 1 January 1990 in UTC+5 is still 1989 in UTC.
    assert parse_date("1990-01-01T00:00:00+05:00") is None


def test_future_bound_allows_two_days_of_slack() -> None:
    # FIXED_NOW is 2026-11-26T00:00Z: two days later is the limit.
    assert parse_date("2026-11-27T23:00:00Z") == "2026-11-27T23:00:00+00:00"
    assert parse_date("2026-11-28T00:00:00Z") == "2026-11-28T00:00:00+00:00"
    assert parse_date("2026-11-28T00:00:01Z") is None


def test_future_bound_follows_newsarchive_now(monkeypatch: pytest.MonkeyPatch) -> None:
    raw = "2030-06-01T00:00:00Z"
    assert parse_date(raw) is None
    monkeypatch.setenv("NEWSARCHIVE_NOW", "2030-05-31T00:00:00Z")
    assert parse_date(raw) == "2030-06-01T00:00:00+00:00"
    monkeypatch.setenv("NEWSARCHIVE_NOW", "2020-01-01T00:00:00Z")
    assert parse_date("2026-11-01T07:30:00-05:00") is None


@pytest.mark.parametrize("raw", ["March 2024", "2024"])
def test_partial_date_without_a_day_is_none(raw: str) -> None:
    assert parse_date(raw) is None


# --- date_in_line ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            "Published on Sun, 17 Jun 2018 09:43:34 +0000.",
            "Sun, 17 Jun 2018 09:43:34 +0000",
        ),
        ("Posted March 3, 2026", "March 3, 2026"),
        ("Last updated: 2026-03-03", "2026-03-03"),
        ("UPDATED 2026-03-03T10:00:00Z", "2026-03-03T10:00:00Z"),
        ("  First published on 2020-01-01  ", "2020-01-01"),
    ],
)
def test_date_line_gives_the_raw_date_string(line: str, expected: str) -> None:
    assert date_in_line(line) == expected


@pytest.mark.parametrize(
    "line",
    [
        "Updated 3 hours ago",
        "Published: yesterday",
        "The report was published on 2020-01-01",
        "Posted by Jane Doe on March 3, 2026",
        "2026-03-03",
        "",
    ],
)
def test_line_that_is_not_a_date_line_is_none(line: str) -> None:
    assert date_in_line(line) is None


def test_date_line_with_implausible_date_is_none() -> None:
    assert date_in_line("Published on 2999-01-01") is None
    assert date_in_line("Published on 1985-01-01") is None


# --- text dates, zones and where dates are read --------------------------------------------


@pytest.mark.parametrize(
    ("raw", "zone", "expected"),
    [
        ("Di, 14.10.2025, 08:30 Uhr", "Europe/Berlin", "2025-10-14T06:30:00+00:00"),
        ("14 octobre 2025", "UTC", "2025-10-14T00:00:00+00:00"),
        ("12 de marzo de 2024", "UTC", "2024-03-12T00:00:00+00:00"),
        ("October 14, 2025 at 8:30 a.m. ET", "UTC", "2025-10-14T13:30:00+00:00"),
        ("03.04.2025 10:00", "UTC", "2025-04-03T10:00:00+00:00"),
        ('"2025-12-17T13:22:47Z"', "UTC", "2025-12-17T13:22:47+00:00"),
    ],
)
def test_text_dates_in_several_languages(raw: str, zone: str, expected: str) -> None:
    assert parse_date(raw, zone) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Fri Apr 28 19:20:36 CEST 2023", "2023-04-28T17:20:36+00:00"),
        ("14 Oct 2025 08:30 BST", "2025-10-14T07:30:00+00:00"),
        ("14 Oct 2025 08:30 AEST", "2025-10-13T22:30:00+00:00"),
    ],
)
def test_zone_abbreviations_beyond_the_us_ones(raw: str, expected: str) -> None:
    assert parse_date(raw) == expected


def test_unknown_zone_name_is_no_date_and_no_warning() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert parse_date("2025-10-14 08:30 XYZT") is None


def test_jsonld_inside_cdata_comment_is_read() -> None:
    html = (
        '<html><head><script type="application/ld+json">//<![CDATA[\n'
        '{"@type": "NewsArticle", "headline": "H", "datePublished": "2025-10-14T08:30:00Z"}'
        "\n//]]></script></head><body></body></html>"
    )
    found = read_metadata(document_fromstring(html))
    assert found.values["published_raw"] == "2025-10-14T08:30:00Z"


@pytest.mark.parametrize(
    "tag",
    [
        '<meta name="parsely-pub-date" content="2025-10-14T08:30:00Z">',
        '<meta name="citation_publication_date" content="2025-10-14T08:30:00Z">',
        '<meta property="og:article:published_time" content="2025-10-14T08:30:00Z">',
        '<meta name="publish-date" content="2025-10-14T08:30:00Z">',
    ],
)
def test_variant_meta_names_give_the_date(tag: str) -> None:
    found = read_metadata(document_fromstring(f"<html><head>{tag}</head><body></body></html>"))
    assert found.values["published_raw"] == "2025-10-14T08:30:00Z"


def test_itemprop_date_published_in_the_body() -> None:
    html = (
        '<html><body><span itemprop="datePublished" content="2025-10-14">Oct 14</span>'
        "</body></html>"
    )
    found = read_metadata(document_fromstring(html))
    assert (found.values["published_raw"], found.sources["published_raw"]) == (
        "2025-10-14",
        "html:itemprop",
    )


def test_a_date_without_a_year_gives_way_to_the_next_source() -> None:
    html = (
        '<html><head><meta name="date" content="2025-10-14"></head>'
        '<body><article><time datetime="Oct 14">Oct 14</time></article></body></html>'
    )
    found = read_metadata(document_fromstring(html))
    assert found.sources["published_raw"] == "meta:date"


def test_jsonld_date_far_from_the_visible_one_gives_way_to_htmldate() -> None:
    html = (
        '<html><head><script type="application/ld+json">{"@type": "Article", "headline": "H",'
        ' "datePublished": "2019-01-01T10:00:00Z"}</script>'
        '<meta property="article:published_time" content="2025-10-14T08:30:00Z"></head>'
        "<body><p>Text.</p></body></html>"
    )
    record = extract_article(html, "https://example.org/a")
    assert record["field_sources"]["published"] == "htmldate"
    assert record["published_raw"].startswith("2025-10-14")


@pytest.mark.parametrize("raw", ["02-12-2025", "03/04/2025 10:00"])
def test_day_and_month_that_could_be_swapped_are_no_date(raw: str) -> None:
    assert parse_date(raw) is None


def test_numeric_date_with_a_day_above_twelve_is_read() -> None:
    assert parse_date("14-12-2025") == "2025-12-14T00:00:00+00:00"
