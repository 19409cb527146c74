"""The JSON-LD ``articleBody``: the publisher's own article text, when it can be trusted.

A page's ``articleBody`` is written for machines and, when it is right, holds the article and
nothing else: no captions, prompts or related links for the extractor to guess about. But it is
often not right: cut to a teaser ("…"), a stale copy of an earlier version, another article's
text, HTML with entities, or one line that lost its paragraphs. So it is used only when it is
plausible: long enough to be an article, not cut off, not much shorter than what the extractor
found, and made mostly of word sequences the reader can see on the page (a body that the page
does not show is not this page's article). Its paragraphs are kept; when it has none and the
extracted paragraphs hold the same text, the extracted paragraphs are kept instead, since they
carry the structure.
"""

from __future__ import annotations

import html
import re
from typing import TYPE_CHECKING, Any

from lxml import etree
from lxml import html as lxml_html

from crawler.extract.selectors import BLOCK_TAGS, SKIPPED_TAGS, paragraphs_of

if TYPE_CHECKING:
    from collections.abc import Iterable

MIN_CHARS = 500
MIN_WORDS = 80
# Not much shorter than the extracted body: at least this share of its words.
MIN_SHARE_OF_EXTRACTED = 0.7
# Mostly on the page: this share of its 4-word sequences appear in the page's visible text.
MIN_VISIBLE_SHARE = 0.8
# Already in the extracted body: this share of its 4-word sequences are there.
SAME_TEXT_SHARE = 0.9
SHINGLE = 4
WORD = re.compile(r"\w+")
MARKUP = re.compile(r"<(?:[a-zA-Z][a-zA-Z0-9]*|/[a-zA-Z][a-zA-Z0-9]*)[\s/>]")
BLOCK_MARKUP = re.compile(r"<(?:" + "|".join(sorted(BLOCK_TAGS)) + r")[\s/>]", re.IGNORECASE)
ELLIPSIS_END = re.compile(r"(?:…|\.\.\.|\[…\]|\[\.\.\.\])\s*$")
ASCII_SPACES = re.compile(r"[ \t\f\v]+")


def article_body_text(value: Any) -> list[str]:
    """The ``articleBody`` value as plain paragraphs: markup and entities turned into text."""
    if isinstance(value, list):
        value = "\n".join(v for v in value if isinstance(v, str))
    if not isinstance(value, str) or not value.strip():
        return []
    if not MARKUP.search(value):
        # Some sites escape the markup once more: "&lt;p&gt;" is a paragraph, not text.
        value = html.unescape(value)
    if BLOCK_MARKUP.search(value):
        return _text_of(value)
    # Plain lines, perhaps with inline markup: each line is a paragraph.
    paragraphs: list[str] = []
    for line in value.replace("\r", "\n").split("\n"):
        if MARKUP.search(line):
            paragraphs.append(" ".join(_text_of(line)))
        else:
            paragraphs.append(ASCII_SPACES.sub(" ", line).strip())
    return [p for p in paragraphs if p]


def _text_of(markup: str) -> list[str]:
    try:
        fragment = lxml_html.fragment_fromstring(markup, create_parent="div")
    except (etree.ParserError, ValueError):
        return []
    return paragraphs_of([fragment])


def visible_text(document: lxml_html.HtmlElement) -> str:
    """The text a reader sees: the page's body without scripts, styles and templates."""
    hidden = " or ".join(f"ancestor::{tag}" for tag in sorted(SKIPPED_TAGS))
    texts = document.xpath(f"//body//text()[not({hidden})]")
    return " ".join(str(text) for text in texts)


def plausible_body(
    paragraphs: list[str], extracted: str, visible: str | Iterable[str]
) -> list[str] | None:
    """The paragraphs to use as the body, or ``None`` to keep the extracted body.

    ``paragraphs`` is ``article_body_text`` of the page's ``articleBody``; ``visible`` the
    page's visible text (``visible_text``).
    """
    text = "\n".join(paragraphs)
    tokens = _tokens(text)
    if len(text) < MIN_CHARS or len(tokens) < MIN_WORDS or ELLIPSIS_END.search(text):
        return None
    extracted_tokens = _tokens(extracted)
    if len(tokens) < MIN_SHARE_OF_EXTRACTED * len(extracted_tokens):
        return None
    own = _shingles(tokens)
    page = _shingles(_tokens(visible if isinstance(visible, str) else " ".join(visible)))
    if _share(own, page) < MIN_VISIBLE_SHARE:
        return None
    extracted_paragraphs = [p for p in extracted.split("\n\n") if p.strip()]
    # One paragraph that the extracted paragraphs already hold: they hold it with its structure.
    if (
        len(paragraphs) == 1 < len(extracted_paragraphs)
        and _share(own, _shingles(extracted_tokens)) >= SAME_TEXT_SHARE
    ):
        return None
    return paragraphs


def share_within(part: str, whole: str) -> float:
    """The share of ``part``'s 4-word sequences that ``whole`` holds (0 for an empty part)."""
    return _share(_shingles(_tokens(part)), _shingles(_tokens(whole)))


def _tokens(text: str) -> list[str]:
    return WORD.findall(text.casefold())


def _shingles(tokens: list[str]) -> set[tuple[str, ...]]:
    if len(tokens) < SHINGLE:
        return {tuple(tokens)} if tokens else set()
    return {tuple(tokens[i : i + SHINGLE]) for i in range(len(tokens) - SHINGLE + 1)}


def _share(part: set[tuple[str, ...]], whole: set[tuple[str, ...]]) -> float:
    return len(part & whole) / len(part) if part else 0.0
