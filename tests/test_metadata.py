"""Tests for crawler/extract/metadata.py: article metadata from JSON-LD, meta tags and markup."""

from __future__ import annotations

import json

import pytest
from lxml.html import document_fromstring

from crawler.extract.metadata import Metadata, read_metadata


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSARCHIVE_NOW", "2026-11-26T00:00:00Z")


def read(html: str) -> Metadata:
    return read_metadata(document_fromstring(html))


def page(head: str = "", body: str = "<p>x</p>", lang: str = "") -> str:
    attribute = f' lang="{lang}"' if lang else ""
    return f"<html{attribute}><head>{head}</head><body>{body}</body></html>"


def ld(data: object) -> str:
    return f'<script type="application/ld+json">{json.dumps(data)}</script>'


# --- read_metadata: JSON-LD ------------------------------------------------------------------


JSONLD_PAGE = page(
    head="<title>Harbor fire | The Gazette</title>"
    + ld(
        {
            "@context": "https://schema.org",
            "@graph": [
                {"@type": "WebSite", "name": "Gazette Website"},
                {
                    "@type": "NewsArticle",
                    "headline": "  Harbor   fire ",
                    "description": "Flames at the pier.",
                    "author": [
                        {"@type": "Person", "name": "Jane Doe"},
                        {"name": "John Roe and Ann Poe"},
                    ],
                    "datePublished": "2026-03-03T10:00:00Z",
                    "dateModified": "2026-03-04T10:00:00Z",
                    "keywords": "fire, harbor, ",
                    "articleSection": ["Local", "City"],
                    "inLanguage": "en-US",
                    "image": [{"url": "https://example.com/lead.jpg"}],
                    "isAccessibleForFree": False,
                    "mainEntityOfPage": {"@id": "https://example.com/a"},
                },
            ],
        }
    )
    + '<meta property="og:title" content="OG title">'
    + '<meta property="og:description" content="OG description">'
    + '<meta name="keywords" content="k1, k2">'
    + '<link rel="canonical" href=" https://example.com/a ">',
    body="<h1>H1 title</h1>",
    lang="en-GB",
)


def test_jsonld_values_win_over_open_graph_and_markup() -> None:
    found = read(JSONLD_PAGE)
    assert found.is_article_markup
    assert found.values["title"] == "Harbor fire"
    assert found.values["description"] == "Flames at the pier."
    assert found.values["language"] == "en-US"
    assert found.values["tags"] == ["fire", "harbor"]
    assert found.values["section"] == "Local"
    for name in ("title", "description", "language", "tags", "section"):
        assert found.sources[name] == "json-ld"


def test_jsonld_authors_are_split_into_names() -> None:
    assert read(JSONLD_PAGE).values["authors"] == ["Jane Doe", "John Roe", "Ann Poe"]


def test_jsonld_dates_image_url_and_access() -> None:
    values = read(JSONLD_PAGE).values
    assert values["published_raw"] == "2026-03-03T10:00:00Z"
    assert values["modified_raw"] == "2026-03-04T10:00:00Z"
    assert values["image_url"] == "https://example.com/lead.jpg"
    assert values["jsonld_url"] == "https://example.com/a"
    assert values["access"] == "paywalled"


def test_site_name_falls_back_to_the_website_object() -> None:
    assert read(JSONLD_PAGE).values["site_name"] == "Gazette Website"


def test_publisher_name_beats_the_website_object() -> None:
    html = page(
        head=ld(
            [
                {"@type": "WebSite", "name": "Website"},
                {"@type": "Article", "headline": "H", "publisher": [{"name": "Publisher"}]},
            ]
        )
    )
    assert read(html).values["site_name"] == "Publisher"


def test_canonical_link_is_read_and_trimmed() -> None:
    found = read(JSONLD_PAGE)
    assert found.values["canonical_raw"] == "https://example.com/a"
    assert found.sources["canonical_raw"] == "link:canonical"


def test_nested_article_with_numeric_date_and_schema_url_type() -> None:
    html = page(
        head=ld(
            {
                "@type": "WebPage",
                "mainEntity": {
                    "@type": "https://schema.org/BlogPosting",
                    "name": "Nested post",
                    "datePublished": 1700000000,
                    "isAccessibleForFree": "True",
                },
            }
        )
    )
    found = read(html)
    assert found.is_article_markup
    assert found.values["title"] == "Nested post"
    assert found.values["published_raw"] == "1700000000"
    assert "access" not in found.values


def test_jsonld_without_article_type_is_not_article_markup() -> None:
    html = page(head=ld({"@type": "WebPage", "name": "About us"}), body="<p>x</p>")
    found = read(html)
    assert not found.is_article_markup
    assert found.values.get("title") != "About us"


def test_empty_jsonld_headline_falls_back_to_open_graph() -> None:
    html = page(
        head=ld({"@type": "Article", "headline": "   "})
        + '<meta property="og:title" content="From OG">'
    )
    found = read(html)
    assert found.values["title"] == "From OG"
    assert found.sources["title"] == "meta:og:title"


# --- read_metadata: meta tags ----------------------------------------------------------------


META_PAGE = page(
    head="<title>Page title - Site Name</title>"
    '<meta property="og:title" content="OG title">'
    '<meta property="og:type" content="Article">'
    '<meta name="Description" content=" Meta description ">'
    '<meta name="author" content="https://facebook.com/janedoe">'
    '<meta name="author" content="Jane Doe, John Roe">'
    '<meta property="article:published_time" content="2026-01-02T03:04:05Z">'
    '<meta property="og:locale" content="en_US">'
    '<meta name="twitter:image" content="https://example.com/t.jpg">'
    '<meta property="article:tag" content="harbor">'
    '<meta property="article:tag" content="fire">',
    body="<h1>H1 title</h1>",
)


def test_open_graph_type_article_marks_article_markup_case_insensitively() -> None:
    assert read(META_PAGE).is_article_markup


def test_meta_values_and_their_sources() -> None:
    found = read(META_PAGE)
    assert found.values["title"] == "OG title"
    assert found.sources["title"] == "meta:og:title"
    assert found.values["description"] == "Meta description"
    assert found.sources["description"] == "meta:description"
    assert found.values["published_raw"] == "2026-01-02T03:04:05Z"
    assert found.sources["published_raw"] == "meta:article:published_time"
    assert found.values["language"] == "en_US"
    assert found.values["image_url"] == "https://example.com/t.jpg"
    assert found.sources["image_url"] == "meta:twitter:image"


def test_meta_author_urls_are_skipped_and_names_split() -> None:
    found = read(META_PAGE)
    assert found.values["authors"] == ["Jane Doe", "John Roe"]
    assert found.sources["authors"] == "meta:author"


def test_article_tag_meta_gives_tags_in_order() -> None:
    assert read(META_PAGE).values["tags"] == ["harbor", "fire"]


def test_meta_keywords_give_tags() -> None:
    found = read(page(head='<meta name="keywords" content="k1, k2 ,,">'))
    assert found.values["tags"] == ["k1", "k2"]


def test_meta_keywords_tags_are_attributed_to_keywords() -> None:
    found = read(page(head='<meta name="keywords" content="k1, k2">'))
    assert found.sources["tags"] == "meta:keywords"


def test_blank_meta_content_is_ignored() -> None:
    found = read(page(head='<meta property="og:title" content="   ">', body="<h1>Heading</h1>"))
    assert found.values["title"] == "Heading"
    assert found.sources["title"] == "html:h1"


def test_site_name_from_page_title_when_no_better_source() -> None:
    found = read(META_PAGE)
    assert found.values["site_name"] == "Site Name"
    assert found.sources["site_name"] == "html:title"
    assert found.values["page_title"] == "Page title - Site Name"


# --- read_metadata: visible markup -----------------------------------------------------------


MARKUP_PAGE = page(
    head="<title>Just the page title | Site</title>",
    body="""
<article>
  <h1>  Real   headline </h1>
  <p class="byline">By Jane Doe and John Roe</p>
  <time datetime=" 2026-02-02T10:00:00-05:00 ">Feb 2</time>
  <p class="standfirst">A standfirst that is long enough to count.</p>
  <figure><img src="/lead.jpg">
    <figcaption>Crowds at the harbor. Photo: Jane Doe/Reuters</figcaption></figure>
  <p>Body text.</p>
  <a rel="tag" href="/t/a">Alpha</a> <a rel="tag" href="/t/b">Beta</a>
  <a rel="tag" href="/t/a2">Alpha</a>
</article>""",
    lang="de",
)


def test_markup_is_the_last_resort_for_every_field() -> None:
    found = read(MARKUP_PAGE)
    assert not found.is_article_markup
    expected = {
        "title": ("Real headline", "html:h1"),
        "authors": (["Jane Doe", "John Roe"], "html:byline"),
        "published_raw": ("2026-02-02T10:00:00-05:00", "html:time"),
        "description": ("A standfirst that is long enough to count.", "html:standfirst"),
        "tags": (["Alpha", "Beta"], "html:rel-tag"),
        "image_url": ("/lead.jpg", "html:figure"),
        "image_caption": ("Crowds at the harbor.", "html:figcaption"),
        "image_credit": ("Jane Doe/Reuters", "html:figcaption"),
        "language": ("de", "html:lang"),
    }
    for name, (value, source) in expected.items():
        assert (found.values[name], found.sources[name]) == (value, source), name


def test_page_title_without_h1_loses_the_site_suffix() -> None:
    found = read(page(head="<title>Harbor fire | The Gazette</title>"))
    assert found.values["title"] == "Harbor fire"
    assert found.sources["title"] == "html:title"
    assert found.values["site_name"] == "The Gazette"


def test_page_title_without_separator_gives_no_site_name() -> None:
    found = read(page(head="<title>Harbor fire</title>"))
    assert found.values["title"] == "Harbor fire"
    assert "site_name" not in found.values


def test_short_standfirst_is_ignored() -> None:
    found = read(page(body='<p class="standfirst">Too short.</p>'))
    assert "description" not in found.values


def test_theme_date_line_gives_published_raw() -> None:
    found = read(page(body="<div><span>Published on Sun, 17 Jun 2018 09:43:34 +0000.</span></div>"))
    assert found.values["published_raw"] == "Sun, 17 Jun 2018 09:43:34 +0000"
    assert found.sources["published_raw"] == "html:date-line"


def test_date_line_in_the_future_is_not_taken() -> None:
    found = read(page(body="<p>Published on 2030-01-01</p>"))
    assert "published_raw" not in found.values


def test_rel_author_link_gives_the_author() -> None:
    found = read(page(body='<a rel="author" href="/people/jane">Jane Doe</a>'))
    assert found.values["authors"] == ["Jane Doe"]


def test_credit_span_inside_caption_is_separated() -> None:
    found = read(
        page(
            body='<figure><figcaption>A caption <span class="credit">Photo by: AP</span>'
            "</figcaption></figure>"
        )
    )
    assert found.values["image_caption"] == "A caption"
    assert found.values["image_credit"] == "AP"


def test_metadata_offer_keeps_the_first_non_empty_value() -> None:
    found = Metadata()
    for value in (None, "", [], {}):
        found.offer("title", value, "empty")
    assert "title" not in found.values
    found.offer("title", "Best", "json-ld")
    found.offer("title", "Worse", "html:h1")
    assert found.values == {"title": "Best"}
    assert found.sources == {"title": "json-ld"}
