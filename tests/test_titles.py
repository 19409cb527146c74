from __future__ import annotations

from lxml.html import document_fromstring

from crawler.extract.metadata import read_metadata
from crawler.extract.titles import names_site, site_keys, strip_site


def title_of(head: str, body: str = "", url: str = "https://www.example-news.com/a") -> tuple:
    found = read_metadata(
        document_fromstring(f"<html><head>{head}</head><body>{body}</body></html>"), url
    )
    return found.values.get("title"), found.sources.get("title")


def test_double_escaped_entities_are_decoded() -> None:
    head = '<meta property="og:title" content="Salt &amp;amp; pepper &amp;#8217;s rise">'
    assert title_of(head)[0] == "Salt & pepper \u2019s rise"


def test_suffix_naming_the_site_is_stripped() -> None:
    head = (
        '<meta property="og:site_name" content="The Gazette">'
        '<meta property="og:title" content="Harbor fire - Crews respond | The Gazette">'
    )
    assert title_of(head)[0] == "Harbor fire - Crews respond"


def test_host_name_words_name_the_site() -> None:
    head = '<meta property="og:title" content="Example News: Harbor fire spreads">'
    assert title_of(head)[0] == "Harbor fire spreads"
    assert "examplenews" in site_keys([], "https://www.example-news.co.uk/x")


def test_h1_is_the_headline_when_a_candidate_is_it_plus_a_suffix() -> None:
    head = "<title>Harbor fire spreads | Harbor Desk | City</title>"
    body = "<h1>Harbor fire spreads</h1>"
    assert title_of(head, body) == ("Harbor fire spreads", "html:h1")


def test_h1_wins_over_a_reworded_jsonld_headline() -> None:
    head = (
        '<script type="application/ld+json">{"@type": "NewsArticle",'
        ' "headline": "Harbor fire: what we know in 2026"}</script>'
    )
    body = "<h1>Harbor fire: what we know so far</h1>"
    assert title_of(head, body) == ("Harbor fire: what we know so far", "html:h1")


def test_h1_that_only_names_the_site_is_not_the_headline() -> None:
    head = (
        '<meta property="og:site_name" content="Harbor Blog">'
        '<meta property="og:title" content="Ten tides">'
    )
    body = "<h1>Harbor Blog</h1>"
    assert title_of(head, body) == ("Ten tides", "meta:og:title")


def test_strip_site_keeps_a_title_that_is_only_the_site() -> None:
    assert strip_site("The Gazette", {"thegazette"}) == "The Gazette"


def test_news_headline_repeated_by_the_social_card_wins_over_the_h1() -> None:
    head = (
        '<script type="application/ld+json">{"@type": "NewsArticle",'
        ' "headline": "Harbor fire: crews hold the line"}</script>'
        '<meta property="og:title" content="Harbor fire: crews hold the line | The Gazette">'
    )
    body = "<h1>Live: harbor fire crews hold the line overnight</h1>"
    assert title_of(head, body) == ("Harbor fire: crews hold the line", "json-ld")


def test_a_headline_opening_with_the_site_name_is_not_the_site() -> None:
    keys = site_keys(["The Guardian"], "https://www.theguardian.com/story")
    assert names_site("The Guardian", keys)
    assert names_site("The Guardian Weekly", keys)
    assert not names_site("The Guardian view on Hong Kong", keys)
    title = "The Guardian view on Hong Kong: a city on the brink | Editorial | The Guardian"
    assert (
        strip_site(title, keys) == "The Guardian view on Hong Kong: a city on the brink | Editorial"
    )
