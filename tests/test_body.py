"""Tests for crawler/extract/body.py: trimming what trafilatura keeps by design."""

from __future__ import annotations

import pytest

from crawler.extract.body import (
    choose_text,
    clean_paragraphs,
    extract_body,
    is_paragraph_of_text,
    misses_prose,
    page_prose,
    repeats_body,
)
from crawler.extract.page import parse_page


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSARCHIVE_NOW", "2026-11-26T00:00:00Z")


def test_repeated_headline_and_standfirst_are_dropped() -> None:
    body = clean_paragraphs(
        ["Harbor fire", "A standfirst here.", "The fire started at noon.", "More text."],
        title="Harbor Fire!",
        description="A standfirst here",
    )
    assert body.text == "The fire started at noon.\n\nMore text."


def test_caption_paragraph_is_dropped() -> None:
    caption = "Crowds at the harbor gathered on Sunday evening."
    body = clean_paragraphs(
        [
            "Crowds at the harbor gathered on Sunday evening. Photo: Jane Doe",
            "Crowds at the harbor gathered on Sunday evening.",
            "Text.",
        ],
        caption=caption,
    )
    assert body.text == "Text."


def test_short_caption_only_drops_an_exact_match() -> None:
    body = clean_paragraphs(["Smoke.", "Smoke rose over the pier."], caption="Smoke")
    assert body.text == "Smoke rose over the pier."


def test_tag_trailer_lines_are_dropped() -> None:
    body = clean_paragraphs(["Text.", "Tags: fire, harbor", "Filed under: Local"])
    assert body.text == "Text."


def test_date_lines_are_lifted_out_keeping_the_first() -> None:
    body = clean_paragraphs(
        ["Published on Sun, 17 Jun 2018 09:43:34 +0000.", "Text.", "Updated 2019-01-01"]
    )
    assert body.text == "Text."
    assert body.date_line == "Sun, 17 Jun 2018 09:43:34 +0000"


def test_leading_wire_credit_is_lifted_into_source() -> None:
    body = clean_paragraphs(["(AP) — The mayor said.", "Second."])
    assert body.source == "AP"
    assert body.text == "The mayor said.\n\nSecond."


def test_credit_paragraph_alone_is_lifted_and_removed() -> None:
    body = clean_paragraphs(["(Israel Hayom via JNS)", "Text one."])
    assert body.source == "Israel Hayom via JNS"
    assert body.text == "Text one."


@pytest.mark.parametrize("first", ["(Updated) The mayor said.", "(Video) - The mayor said."])
def test_parenthesis_that_is_not_a_wire_credit_stays(first: str) -> None:
    body = clean_paragraphs([first])
    assert body.source is None
    assert body.text == first


@pytest.mark.parametrize(
    ("paragraphs", "source", "text"),
    [
        (["(Reuters) - The mayor said."], "Reuters", "The mayor said."),
        (
            ["WASHINGTON (AP) — The mayor said.", "More."],
            "AP",
            "WASHINGTON — The mayor said.\n\nMore.",
        ),
        (["The mayor said.", "— Reuters"], "Reuters", "The mayor said."),
        (["The mayor said. (AFP)"], "AFP", "The mayor said."),
        (["Der Bürgermeister sagte das. – dpa/kna"], "dpa/kna", "Der Bürgermeister sagte das."),
        (["The mayor said.", "Associated Press"], "Associated Press", "The mayor said."),
    ],
)
def test_agency_credits_are_lifted(paragraphs: list[str], source: str, text: str) -> None:
    body = clean_paragraphs(paragraphs)
    assert (body.source, body.text) == (source, text)


def test_agency_name_inside_a_sentence_stays() -> None:
    body = clean_paragraphs(["Reuters reported that the mayor said so.", "He left."])
    assert body.source is None


def test_credit_later_in_the_text_is_not_lifted() -> None:
    body = clean_paragraphs(["First.", "(AP) — Second."])
    assert body.source is None
    assert body.text == "First.\n\n(AP) — Second."


def test_non_breaking_space_in_a_paragraph_is_kept() -> None:
    assert clean_paragraphs(["Call\u00a0on Friday."]).text == "Call\u00a0on Friday."


def test_paragraphs_without_word_characters_are_dropped() -> None:
    body = clean_paragraphs(["", "!!!", "\u00a0", "Text."])
    assert body.text == "Text."


def test_nothing_left_is_an_empty_body() -> None:
    body = clean_paragraphs(["Harbor fire"], title="Harbor fire")
    assert body.text == ""
    assert body.source is None
    assert body.date_line is None


def test_precise_text_is_kept_when_it_drops_only_furniture() -> None:
    prose = "The council voted on Tuesday to repair the levee before the winter storms. " * 4
    precise = [prose, prose.upper()]
    balanced = ["Sign up for our newsletter", prose, "Related: Harbor fire", prose.upper()]
    assert choose_text(precise, balanced) == precise


def test_balanced_text_wins_when_the_precise_one_lost_most_words() -> None:
    balanced = [f"Step {n}: water the seedlings every morning." for n in range(10)]
    assert choose_text(balanced[:3], balanced) == balanced


def test_balanced_text_wins_when_the_precise_one_lost_running_prose() -> None:
    prose = "A long paragraph of the guide that explains how to plant tomatoes in spring. " * 3
    balanced = [prose + str(n) for n in range(12)]
    precise = balanced[:11]  # one long paragraph (more than 5 % of the text) is gone
    assert choose_text(precise, balanced) == balanced


def test_non_breaking_spaces_survive_extraction() -> None:
    paragraphs = "".join(
        f"<p>Paragraph {n} of the story, with a call&nbsp;on Friday and more words.</p>"
        for n in range(8)
    )
    html = f"<html><body><article><h1>Title</h1>{paragraphs}</article></body></html>"
    text = extract_body(html, "https://example.org/story").text
    assert "call\u00a0on Friday" in text
    assert "\u2423" not in text


def test_precise_text_holding_all_the_pages_prose_needs_no_second_pass() -> None:
    prose = ["The council voted on Tuesday to repair the levee before winter storms. " * 4] * 3
    precise = [*prose, "More words of the article to pass the minimum. " * 10]
    assert not misses_prose(precise, prose)


def test_precise_text_missing_the_pages_prose_or_too_short_is_checked() -> None:
    prose = [
        f"Paragraph {n} of a long guide to planting tomatoes in spring. " * 4 for n in range(6)
    ]
    assert misses_prose(prose[:2], prose)  # four long paragraphs left out
    assert misses_prose(["Too short to trust."], [])


def test_page_prose_is_the_long_paragraphs_of_the_page() -> None:
    long_text = "A paragraph long enough to be running prose of an article. " * 4
    html = f"<html><body><p>Short teaser.</p><p>{long_text}</p><div>{long_text}</div></body></html>"
    page = parse_page(html)
    assert page is not None
    assert page_prose(page.document) == [long_text.strip()]


def test_a_pull_quote_caption_does_not_remove_its_paragraph() -> None:
    quote = "Excessive force has accelerated and magnified these protests across the city."
    html = (
        "<html><body><figure><img src='a.jpg'><figcaption>"
        f"{quote}</figcaption></figure><p>{quote} And it went on.</p></body></html>"
    )
    page = parse_page(html)
    assert page is not None
    assert is_paragraph_of_text(page.document, quote)
    caption_only = parse_page(
        f"<html><body><figure><figcaption>{quote}</figcaption></figure></body></html>"
    )
    assert caption_only is not None
    assert not is_paragraph_of_text(caption_only.document, quote)


def test_a_description_cut_from_the_text_repeats_the_body() -> None:
    first = (
        "Mexico's economy grew by 1.1% in the first quarter of 2023, bringing growth to an "
        "annualized rate of 3.8% compared to the same period of 2022, the institute said."
    )
    body = f"MEXICO CITY — {first}\n\nMore text."
    assert repeats_body("Mexico's economy grew by 1.1% in the first quarter of 2023, bring…", body)
    assert repeats_body(f"MEXICO CITY (AP) — {first}", body)  # the credit went to `source`
    assert not repeats_body("A standfirst written apart from the text, as a dek is.", body)
    assert not repeats_body("Economy grew fast", body)  # too short to tell
