"""Tests for crawler/extract/templates.py: learning a site's template from its pages."""

from __future__ import annotations

import json

from crawler.extract.templates import (
    SHORT_BLOCK_WORDS,
    WINDOW,
    SiteTemplate,
    block_key,
    split_paragraphs,
)

PROMPT = "Get the Courier in your inbox: sign up for our free weekly newsletter."
EXIT = "Exit mobile version"


def article(n: int) -> list[str]:
    """Three paragraphs no other page has."""
    return [f"Paragraph {k} of story number {n}, about topic {n * 7 + k}." for k in range(3)]


def learned(pages: int, *, share: float = 0.5, min_pages: int = 5) -> SiteTemplate:
    template = SiteTemplate(share=share, min_pages=min_pages)
    for n in range(pages):
        template.observe(f"https://example.com/{n}/", [*article(n)[:2], PROMPT, *article(n)[2:]])
    return template


def test_block_key_ignores_case_punctuation_and_spacing():
    assert block_key("Exit mobile version") == block_key("  EXIT   mobile version! ")
    assert block_key("“Sign up” — it’s free") == block_key('"sign up" - it\'s FREE')
    assert block_key("Exit mobile version") != block_key("Exit desktop version")
    assert block_key("   ") == ""


def test_long_blocks_must_repeat_exactly():
    words = [f"word{i}" for i in range(SHORT_BLOCK_WORDS + 5)]
    long_block = " ".join(words)
    assert block_key(long_block) == block_key(long_block.replace(" ", "  "))
    # Same words, other punctuation: one paragraph of a story, another of the next one.
    assert block_key(long_block) != block_key(", ".join(words))
    short = " ".join(words[:SHORT_BLOCK_WORDS])
    assert block_key(short) == block_key(", ".join(words[:SHORT_BLOCK_WORDS]))


def test_block_on_every_page_becomes_template_at_min_pages():
    assert learned(4).template_keys() == frozenset()
    template = learned(5)
    assert template.template_keys() == {block_key(PROMPT)}
    assert template.blocks() == [PROMPT]


def test_filter_removes_template_blocks_and_keeps_article_text():
    template = learned(6)
    page = [*article(99)[:1], PROMPT, *article(99)[1:], EXIT]
    kept, removed = template.filter(page)
    assert kept == [*article(99), EXIT]  # the exit line was never seen: kept
    assert removed == [PROMPT]


def test_block_below_share_is_not_template():
    template = SiteTemplate(share=0.5, min_pages=2)
    for n in range(10):
        extra = [PROMPT] if n < 4 else []  # on 4 of 10 pages
        template.observe(f"https://example.com/{n}/", [*article(n), *extra])
    assert template.template_keys() == frozenset()
    template.with_thresholds(0.4, 2)
    assert template.template_keys() == {block_key(PROMPT)}


def test_syndicated_paragraph_on_two_pages_is_kept():
    shared = "The state said it expects to publish a full list of road projects."
    template = learned(20)
    template.observe("https://example.com/a/", [shared, *article(100)])
    template.observe("https://example.com/b/", [shared, *article(101)])
    kept, removed = template.filter([shared, PROMPT])
    assert kept == [shared]
    assert removed == [PROMPT]


def test_min_pages_never_below_two():
    # Even with share and min_pages set as low as they go, a paragraph seen once stays.
    template = SiteTemplate(share=0.01, min_pages=1)
    template.observe("https://example.com/only/", [PROMPT, *article(1)])
    assert template.template_keys() == frozenset()


def test_refetching_a_page_does_not_count_it_again():
    template = SiteTemplate(share=0.5, min_pages=5)
    for _ in range(10):
        template.observe("https://example.com/one/", [PROMPT, *article(1)])
    template.observe("https://example.com/two/", [PROMPT, *article(2)])
    assert template.pages == 2
    assert template.counts[block_key(article(1)[0])] == 1
    assert template.template_keys() == frozenset()


def test_a_block_repeated_within_one_page_counts_once():
    template = SiteTemplate(share=0.5, min_pages=2)
    template.observe("https://example.com/1/", [PROMPT, PROMPT, PROMPT])
    assert template.counts[block_key(PROMPT)] == 1


def test_nothing_is_removed_when_everything_would_be():
    template = SiteTemplate(share=0.5, min_pages=5)
    notice = "Subscribe to continue reading."
    for n in range(6):
        template.observe(f"https://example.com/{n}/", [notice, *article(n)])
    assert template.filter([notice]) == ([notice], [])
    assert template.filter([notice, "Real text."]) == (["Real text."], [notice])


def test_filter_body_keeps_the_body_untouched_when_nothing_is_removed():
    template = learned(6)
    body = "One.\n\n\nTwo."
    assert template.filter_body(body) == (body, [])
    assert template.filter_body(f"One.\n\n{PROMPT}\n\nTwo.") == ("One.\n\nTwo.", [PROMPT])
    assert split_paragraphs(" a \n\n\n b \n") == ["a", "b"]


def test_counts_are_halved_to_stay_bounded_and_keep_the_template():
    template = learned(2 * WINDOW + 10)
    assert template.pages < 2 * WINDOW
    assert len(template.counts) < 3 * WINDOW  # one-off paragraphs fell out at the halving
    assert template.template_keys() == {block_key(PROMPT)}


def test_a_redesign_is_learned_within_a_few_windows():
    template = learned(2 * WINDOW)
    new_line = "Follow the Courier on every platform."
    for n in range(1000, 1000 + 3 * WINDOW):
        template.observe(f"https://example.com/{n}/", [*article(n), new_line])
    assert block_key(new_line) in template.template_keys()
    assert block_key(PROMPT) not in template.template_keys()


def test_json_round_trip_keeps_what_was_learned():
    template = learned(7, share=0.6, min_pages=3)
    data = json.loads(json.dumps(template.to_json()))
    again = SiteTemplate.from_json(data)
    assert again.to_json() == template.to_json()
    assert again.template_keys() == template.template_keys()
    assert again.observe("https://example.com/3/", [PROMPT]) is False  # seen before the trip


def test_unknown_json_format_starts_afresh():
    assert SiteTemplate.from_json({"format": 99, "pages": 50}).pages == 0
