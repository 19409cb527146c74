"""``crawler.charset``: undeclared legacy pages, read on real Scrapy responses."""

from __future__ import annotations

import pytest
from scrapy.http import HtmlResponse

from crawler.charset import response_text, undeclared_encoding

FRENCH = "Le conseil s'est réuni à l'hôtel de ville ; la décision est attendue en février."


def page(text: str, title: str = "Réunion") -> str:
    return f"<html><head><title>{title}</title></head><body><p>{text}</p></body></html>"


def response(body: bytes, content_type: str = "text/html") -> HtmlResponse:
    return HtmlResponse("http://127.0.0.1/a", body=body, headers={"Content-Type": content_type})


def test_an_undeclared_western_page_reads_as_cp1252() -> None:
    assert FRENCH in response_text(response(page(FRENCH).encode("cp1252")))


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("text/html; charset=utf-8", page(FRENCH).encode("cp1252")),  # the header decides
        ("text/html", b"\xef\xbb\xbf" + page(FRENCH).encode()),  # the BOM decides
        ("text/html", page(FRENCH).encode()),  # valid UTF-8
    ],
)
def test_a_declared_or_utf8_page_is_scrapys_text(content_type: str, body: bytes) -> None:
    answer = response(body, content_type)
    assert response_text(answer) == answer.text


def test_other_scripts_keep_the_detectors_answer() -> None:
    russian = page("Городской совет собрался во вторник вечером, чтобы обсудить бюджет.", "Совет")
    assert undeclared_encoding(russian.encode("cp1251")) is None
    assert "Городской совет" in response_text(response(russian.encode("cp1251")))
