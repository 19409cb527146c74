"""Small text helpers shared by the metadata readers.

Metadata strings arrive escaped once too often (``&amp;amp;``, ``&#8217;`` inside an
attribute that was escaped again), with the parser's non-breaking-space stand-in, and with
stray white space; every reader cleans them the same way here.
"""

from __future__ import annotations

import html
import re

from crawler.extract.page import NBSP_STAND_IN

# Entities left after parsing: a page that escaped its text twice shows "&amp;" or "&#8217;".
ENTITY = re.compile(r"&(?:#\d{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
MAX_UNESCAPE_ROUNDS = 3


def collapse(text: str) -> str:
    """White space collapsed; the parser's stand-in for non-breaking spaces made a space."""
    return " ".join(text.replace(NBSP_STAND_IN, " ").split())


def unescape(text: str) -> str:
    """HTML entities decoded, also those escaped twice or three times (``&amp;amp;``)."""
    for _ in range(MAX_UNESCAPE_ROUNDS):
        if not ENTITY.search(text):
            break
        text = html.unescape(text)
    return text


def clean(text: str | None) -> str:
    """One line of display text: entities decoded, white space collapsed."""
    return collapse(unescape(text)) if text else ""


def key(text: str) -> str:
    """Letters and digits only, case-folded: for comparing names and titles loosely."""
    return "".join(ch for ch in text.casefold() if ch.isalnum())


def words(text: str) -> list[str]:
    """The case-folded words of ``text``."""
    return re.findall(r"\w+", text.casefold())
