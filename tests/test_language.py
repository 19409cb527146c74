from __future__ import annotations

from crawler.extract.article import extract_article
from crawler.extract.language import detect_language

GERMAN = (
    "Der Stadtrat hat am Dienstagabend beschlossen, die Straßenbahnlinie bis zum neuen "
    "Wohngebiet im Norden der Stadt zu verlängern. Die Bauarbeiten sollen im kommenden "
    "Frühjahr beginnen und etwa zwei Jahre dauern, teilte die Verwaltung mit."
)


def test_body_language_is_detected() -> None:
    assert detect_language(GERMAN) == "de"


def test_too_little_text_is_not_guessed() -> None:
    assert detect_language("Harbor fire") is None


def test_markup_language_wins_over_detection() -> None:
    html = f'<html lang="fr"><body><article><p>{GERMAN}</p><p>{GERMAN}</p></article></body></html>'
    record = extract_article(html, "https://example.org/a")
    assert (record["language"], record["field_sources"]["language"]) == ("fr", "html:lang")


def test_language_is_detected_when_the_markup_is_silent() -> None:
    html = f"<html><body><article><p>{GERMAN}</p><p>{GERMAN}</p></article></body></html>"
    record = extract_article(html, "https://example.org/a")
    assert (record["language"], record["field_sources"]["language"]) == ("de", "py3langid")
