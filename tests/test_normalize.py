"""Tests for the pure functions of pipelines/normalize.py."""

from __future__ import annotations

from typing import Any

import pytest

from crawler.sites import Site, parse_sites
from pipelines.normalize import (
    MAX_LIST_ENTRIES,
    clean_body,
    clean_list,
    clean_text,
    language_code,
    normalize_record,
    trusted_canonical,
)

PAGE = "https://example.com/news/2026/harbor-fire"


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSARCHIVE_NOW", "2026-11-26T00:00:00Z")


@pytest.fixture
def site() -> Site:
    return parse_sites(
        {
            "sites": {
                "gazette": {
                    "feeds": ["https://example.com/feed.xml"],
                    "allowed_domains": ["example.com", "example-media.net"],
                    "timezone": "America/New_York",
                }
            }
        }
    )["gazette"]


# --- clean_text ------------------------------------------------------------------------------


def test_clean_text_collapses_white_space_and_trims() -> None:
    assert clean_text("  Harbor \n\t fire   spreads ") == "Harbor fire spreads"


def test_clean_text_normalizes_to_nfc() -> None:
    assert clean_text("Cafe\u0301") == "Caf\u00e9"


@pytest.mark.parametrize("value", [None, 5, ["a"], "", "   \n"])
def test_clean_text_of_non_text_or_blank_is_none(value: Any) -> None:
    assert clean_text(value) is None


def test_clean_text_caps_length_with_an_ellipsis() -> None:
    assert clean_text("abcdefghij", 5) == "abcd…"
    assert clean_text("abc defgh", 5) == "abc…"  # no space left before the ellipsis
    assert len(clean_text("x" * 2000, 1000) or "") == 1000


def test_clean_text_at_the_limit_is_unchanged() -> None:
    assert clean_text("abcde", 5) == "abcde"


# --- clean_body ------------------------------------------------------------------------------


def test_clean_body_keeps_non_breaking_space_inside_a_paragraph() -> None:
    assert clean_body("Call\u00a0on Friday.") == "Call\u00a0on Friday."


def test_clean_body_drops_empty_paragraphs() -> None:
    text = "First.\n\n\u00a0\n\n   \n\n\t\n\nSecond."
    assert clean_body(text) == "First.\n\nSecond."


def test_clean_body_separates_paragraphs_by_one_blank_line() -> None:
    assert clean_body("One.\r\n\r\n\r\n\r\nTwo.\n \n\nThree.") == "One.\n\nTwo.\n\nThree."


def test_clean_body_collapses_ascii_spaces_and_tabs_within_a_line() -> None:
    assert clean_body("  A   b\t\tc  ") == "A b c"


def test_clean_body_normalizes_to_nfc() -> None:
    assert clean_body("Cafe\u0301 society") == "Caf\u00e9 society"


@pytest.mark.parametrize("value", [None, 3, ["text"]])
def test_clean_body_of_non_text_is_empty(value: Any) -> None:
    assert clean_body(value) == ""


# --- clean_list ------------------------------------------------------------------------------


def test_clean_list_removes_case_insensitive_duplicates_keeping_page_order() -> None:
    assert clean_list(["Jane Doe", " jane  doe ", "JOHN ROE", "John Roe", "Ann"]) == [
        "Jane Doe",
        "JOHN ROE",
        "Ann",
    ]


def test_clean_list_skips_blank_and_non_text_entries() -> None:
    assert clean_list(["", None, 3, "  ", "Tag"]) == ["Tag"]


def test_clean_list_wraps_a_single_string() -> None:
    assert clean_list("Solo Author") == ["Solo Author"]


@pytest.mark.parametrize("value", [None, 3, {"name": "Jane"}])
def test_clean_list_of_non_list_is_empty(value: Any) -> None:
    assert clean_list(value) == []


def test_clean_list_is_capped() -> None:
    values = [f"tag {i}" for i in range(MAX_LIST_ENTRIES + 30)]
    assert clean_list(values) == values[:MAX_LIST_ENTRIES]


def test_clean_list_caps_each_entry_at_200_characters() -> None:
    (entry,) = clean_list(["x" * 500])
    assert len(entry) == 200
    assert entry.endswith("…")


# --- language_code ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("en-US", "en"),
        ("en_GB", "en"),
        ("EN", "en"),
        (" fr ", "fr"),
        ("zh-Hant-TW", "zh"),
        ("haw", "haw"),
    ],
)
def test_language_code_is_the_lower_case_primary_subtag(value: str, expected: str) -> None:
    assert language_code(value) == expected


@pytest.mark.parametrize("value", ["english", "x", "e1", "", None, 42])
def test_language_code_of_non_code_is_none(value: Any) -> None:
    assert language_code(value) is None


# --- trusted_canonical -----------------------------------------------------------------------


def test_canonical_on_the_same_host_is_kept_without_tracking_or_fragment() -> None:
    canonical = "https://example.com/news/2026/harbor-fire?utm_source=rss&page=2#top"
    assert trusted_canonical(canonical, PAGE, None) == (
        "https://example.com/news/2026/harbor-fire?page=2"
    )


def test_relative_canonical_is_made_absolute() -> None:
    assert trusted_canonical(" /story?utm_medium=x ", PAGE, None) == "https://example.com/story"


def test_canonical_on_another_host_is_refused() -> None:
    assert trusted_canonical("https://other.example/stolen", PAGE, None) is None
    assert trusted_canonical("//other.example/stolen", PAGE, None) is None


def test_canonical_on_a_subdomain_is_refused_without_a_site() -> None:
    assert trusted_canonical("https://www.example.com/a", PAGE, None) is None


def test_canonical_on_another_host_the_site_owns_is_kept(site: Site) -> None:
    assert (
        trusted_canonical("https://www.example-media.net/a?utm_source=x", PAGE, site)
        == "https://www.example-media.net/a"
    )
    assert trusted_canonical("https://www.example.com/a", PAGE, site) == (
        "https://www.example.com/a"
    )


def test_canonical_on_a_host_the_site_does_not_own_is_refused(site: Site) -> None:
    assert trusted_canonical("https://other.example/a", PAGE, site) is None
    assert trusted_canonical("https://example.com.evil.net/a", PAGE, site) is None


@pytest.mark.parametrize(
    "canonical",
    [
        "javascript:alert(1)",
        "ftp://example.com/a",
        "mailto:editor@example.com",
        "data:text/html,hi",
    ],
)
def test_canonical_with_non_http_scheme_is_refused(canonical: str, site: Site) -> None:
    assert trusted_canonical(canonical, PAGE, site) is None


@pytest.mark.parametrize("canonical", [None, "", "   ", 5, ["https://example.com/a"]])
def test_missing_canonical_is_none(canonical: Any) -> None:
    assert trusted_canonical(canonical, PAGE, None) is None


def test_malformed_canonical_is_none() -> None:
    assert trusted_canonical("http://[bad/x", PAGE, None) is None


# --- normalize_record ------------------------------------------------------------------------


def test_normalize_record_applies_the_field_rules(site: Site) -> None:
    record = {
        "url": PAGE + "?utm_source=x",
        "site": "gazette",
        "title": "  Harbor \n fire ",
        "description": None,
        "site_name": None,
        "authors": ["Jane Doe", "jane doe", "John Roe"],
        "tags": "fire",
        "body": "One two\n\n\n\n three.",
        "language": "en-GB",
        "published_raw": " 2026-03-15 09:00 ",
        "modified_raw": "yesterday",
        "canonical_url": "https://other.example/a",
        "lead_image": {"url": "/img/lead.jpg", "caption": "  The  harbor ", "credit": ""},
        "access": None,
        "extra": 1,
    }
    out = normalize_record(record, site)
    assert out["title"] == "Harbor fire"
    assert out["description"] is None
    assert out["site_name"] == "gazette"  # falls back to the site slug
    assert out["authors"] == ["Jane Doe", "John Roe"]
    assert out["tags"] == ["fire"]
    assert out["body"] == "One two\n\nthree."
    assert out["word_count"] == 3
    assert out["language"] == "en"
    assert out["published_raw"] == "2026-03-15 09:00"
    assert out["published"] == "2026-03-15T13:00:00+00:00"  # read in America/New_York
    assert out["modified_raw"] == "yesterday"
    assert out["modified"] is None
    assert out["canonical_url"] is None
    assert out["lead_image"] == {
        "url": "https://example.com/img/lead.jpg",
        "caption": "The harbor",
    }
    assert out["access"] == "open"
    assert out["extra"] == 1
    assert out["url"] == record["url"]


def test_normalize_record_does_not_modify_its_input(site: Site) -> None:
    record = {"url": PAGE, "title": "  spaced  ", "authors": ["A", "a"]}
    normalize_record(record, site)
    assert record == {"url": PAGE, "title": "  spaced  ", "authors": ["A", "a"]}


def test_normalize_record_without_site_reads_dates_in_utc() -> None:
    out = normalize_record({"url": PAGE, "published_raw": "2026-03-15 09:00"})
    assert out["published"] == "2026-03-15T09:00:00+00:00"


def test_normalize_record_keeps_a_same_host_canonical() -> None:
    out = normalize_record({"url": PAGE, "canonical_url": "/news/2026/harbor-fire#x"})
    assert out["canonical_url"] == "https://example.com/news/2026/harbor-fire"


def test_normalize_record_keeps_a_walled_access_value() -> None:
    assert normalize_record({"url": PAGE, "access": "paywalled"})["access"] == "paywalled"


def test_normalize_record_of_a_bare_record_has_empty_defaults() -> None:
    out = normalize_record({"url": PAGE})
    assert out["authors"] == []
    assert out["tags"] == []
    assert out["body"] == ""
    assert out["word_count"] == 0
    assert out["title"] is None
    assert out["published"] is None
    assert out["site_name"] is None


def test_normalize_record_of_lead_image_with_no_values_is_none() -> None:
    out = normalize_record({"url": PAGE, "lead_image": {"url": "", "credit": None}})
    assert out["lead_image"] is None
