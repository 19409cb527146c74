"""Tests for crawler/extract/article_body.py: when the JSON-LD articleBody is the body."""

from __future__ import annotations

import json

from crawler.extract.article import extract_article
from crawler.extract.article_body import article_body_text, plausible_body

URL = "https://example.com/news/a"
PARAGRAPHS = [
    f"Paragraph {word} of the report: the harbor commission heard from shipping firms, anglers "
    f"and residents of the point before it voted on the {word} phase of the dredging plan."
    for word in ("first", "second", "third", "fourth", "fifth", "sixth")
]
FURNITURE = "Sign up for our newsletter and get the harbor news in your inbox every morning."


def page(article_body: object, paragraphs: list[str] | None = None) -> str:
    data = {"@type": "NewsArticle", "headline": "Harbor vote", "articleBody": article_body}
    text = "".join(f"<p>{p}</p>" for p in paragraphs or PARAGRAPHS)
    return (
        "<html><head><title>Harbor vote</title>"
        f'<script type="application/ld+json">{json.dumps(data)}</script></head>'
        f"<body><article><h1>Harbor vote</h1>{text}<p>{FURNITURE}</p></article></body></html>"
    )


def test_a_plausible_article_body_is_the_body_with_its_paragraphs() -> None:
    record = extract_article(page("\n".join(PARAGRAPHS)), URL)
    assert record["body"] == "\n\n".join(PARAGRAPHS)
    assert record["field_sources"]["body"] == "json-ld"


def test_without_an_article_body_the_extracted_text_keeps_the_furniture() -> None:
    # Negative control for the test above: the newsletter line is what json-ld left out.
    record = extract_article(page(None), URL)
    assert FURNITURE in record["body"]
    assert record["field_sources"]["body"] == "trafilatura"


def test_a_cut_article_body_is_not_used() -> None:
    for ending in ("…", "...", " [&hellip;]"):
        record = extract_article(page("\n".join(PARAGRAPHS) + ending), URL)
        assert record["field_sources"]["body"] == "trafilatura", ending


def test_a_short_article_body_is_not_used() -> None:
    record = extract_article(page(PARAGRAPHS[0] + "\n" + PARAGRAPHS[1]), URL)
    assert record["field_sources"]["body"] == "trafilatura"


def test_an_article_body_the_page_does_not_show_is_not_used() -> None:
    swaps = {"harbor": "zoning", "shipping": "parents,", "point": "hill", "dredging": "parking"}
    stale = []
    for paragraph in PARAGRAPHS:
        for old, new in swaps.items():
            paragraph = paragraph.replace(old, new)
        stale.append(paragraph)
    record = extract_article(page("\n".join(stale)), URL)
    assert record["field_sources"]["body"] == "trafilatura"
    assert "zoning board" not in record["body"]


def test_an_article_body_much_shorter_than_the_extracted_text_is_not_used() -> None:
    longer = PARAGRAPHS + [p.replace("Paragraph", "Section") for p in PARAGRAPHS]
    record = extract_article(page("\n".join(PARAGRAPHS), paragraphs=longer), URL)
    assert record["field_sources"]["body"] == "trafilatura"
    assert "Section sixth" in record["body"]


def test_one_line_article_body_gives_way_to_the_same_text_in_paragraphs() -> None:
    record = extract_article(page(" ".join(PARAGRAPHS)), URL)
    assert record["field_sources"]["body"] == "trafilatura"
    assert record["body"].count("\n\n") >= len(PARAGRAPHS) - 1


def test_markup_in_an_article_body_becomes_paragraphs_of_text() -> None:
    html = "".join(f"<p>{p}</p>" for p in PARAGRAPHS) + "<p><img src='x.jpg'></p>"
    assert article_body_text(html) == PARAGRAPHS
    escaped = html.replace("<", "&lt;").replace(">", "&gt;")
    assert article_body_text(escaped) == PARAGRAPHS
    assert article_body_text("Tom &amp; Jerry\r\n\r\nsecond") == ["Tom & Jerry", "second"]
    assert article_body_text(None) == []
    assert article_body_text(["one", "two"]) == ["one", "two"]


def test_scraped_script_in_an_article_body_stays_text() -> None:
    paragraphs = [*PARAGRAPHS, "Readers wrote <script>alert(1)</script> in the form."]
    encoded = "\n".join(paragraphs).replace("<", "&lt;").replace(">", "&gt;")
    assert article_body_text(encoded)[-1] == "Readers wrote in the form."  # not run, not kept
    assert article_body_text("if x &lt; 3 &amp;&amp; y &gt; 2")[0] == "if x < 3 && y > 2"


def test_plausible_body_needs_most_of_its_words_on_the_page() -> None:
    text = "\n\n".join(PARAGRAPHS)
    assert plausible_body(PARAGRAPHS, text, text) == PARAGRAPHS
    half = " ".join(PARAGRAPHS[:3])
    assert plausible_body(PARAGRAPHS, half, half) is None
