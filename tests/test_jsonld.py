"""Tests for crawler/extract/jsonld.py: finding the article object in a page's JSON-LD."""

from __future__ import annotations

import json

from crawler.extract import jsonld


def ld(data: object) -> str:
    return f'<script type="application/ld+json">{json.dumps(data)}</script>'


def test_parse_blocks_flattens_lists_and_graph() -> None:
    blocks = [
        '[{"@type": "Person"}, [{"@type": "Article", "headline": "x"}]]',
        '{"@graph": [{"@type": "WebSite", "name": "S"}]}',
    ]
    assert jsonld.parse_blocks(blocks) == [
        {"@type": "Person"},
        {"@type": "Article", "headline": "x"},
        {"@graph": [{"@type": "WebSite", "name": "S"}]},
        {"@type": "WebSite", "name": "S"},
    ]


def test_parse_blocks_follows_main_entity() -> None:
    block = '{"@type": "WebPage", "mainEntity": {"@type": "NewsArticle", "headline": "N"}}'
    objects = jsonld.parse_blocks([block])
    assert jsonld.article_object(objects) == {"@type": "NewsArticle", "headline": "N"}


def test_parse_blocks_repairs_trailing_commas_and_raw_newlines() -> None:
    block = '{"@type": "NewsArticle", "headline": "Two\nlines", "keywords": ["a", "b",],}'
    assert jsonld.parse_blocks([block]) == [
        {"@type": "NewsArticle", "headline": "Two lines", "keywords": ["a", "b"]}
    ]


def test_parse_blocks_strips_html_comment_wrapper() -> None:
    assert jsonld.parse_blocks(['  <!-- {"@type": "Article"} -->  ']) == [{"@type": "Article"}]


def test_parse_blocks_skips_blocks_that_are_not_json() -> None:
    assert jsonld.parse_blocks(["", "   ", "not json at all", '"a string"', "42"]) == []


def test_parse_blocks_stops_at_deep_nesting() -> None:
    deep: object = {"@type": "Article"}
    for _ in range(8):
        deep = [deep]
    assert jsonld.parse_blocks([json.dumps(deep)]) == []


def test_types_of_reads_lists_and_schema_urls() -> None:
    obj = {"@type": ["Thing", "https://schema.org/NewsArticle", 3]}
    assert jsonld.types_of(obj) == {"Thing", "NewsArticle"}
    assert jsonld.types_of({}) == set()


def test_article_object_is_the_first_article_typed_object() -> None:
    objects = [
        {"@type": "WebPage"},
        {"@type": ["Thing", "ReportageNewsArticle"], "n": 1},
        {"@type": "Article", "n": 2},
    ]
    assert jsonld.article_object(objects) == objects[1]


def test_article_object_is_none_without_an_article_type() -> None:
    assert jsonld.article_object([{"@type": "WebPage"}, {"@type": "Organization"}]) is None
    assert jsonld.article_object([]) is None
