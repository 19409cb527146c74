"""Correction, clarification and "Updated ..." notices in an article's text.

Newsrooms flag a fixed error with a line of set phrases ("Correction:", "An earlier version of
this article misstated ...", "Editor's note:"), in a paragraph of its own at the top or the
bottom of the story. A handful of anchored regular expressions finds them; a language model or
a classifier would be heavier than the phrases are varied. A notice is matched per paragraph
(and per line, as some pages put it in one block with the byline), and the whole paragraph is
the notice text, so the reader of a revision sees what the publisher said.

Two kinds: ``correction`` (the publisher says something was wrong) and ``update`` (the story
was added to). Whether a notice is *new* in a version is decided on its text with dates and
times masked, so an "Updated 10:42" line that only moves to "Updated 11:05" is not a new notice.
"""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from collections.abc import Sequence

# Typographic characters folded before matching and comparing: curly quotes, dashes, spaces.
TYPOGRAPHY = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u2212": "-",
        "\u2026": "...",
        "\u00a0": " ",
        "\u202f": " ",
        "\u00ad": None,
        "\u200b": None,
    }
)


def fold_typography(text: str) -> str:
    """``text`` with curly quotes, dashes and odd spaces made plain, white space collapsed.

    ASCII text (most lines) has nothing to fold: NFKC and ``TYPOGRAPHY`` leave it as it is, and
    ``str.translate`` was most of the time spent reading notices.
    """
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text).translate(TYPOGRAPHY)
    return " ".join(text.split())


_LEAD = r"^[\s*_\[(-]*"  # a notice may sit in brackets, italics markers or after a dash
_PIECE = "article|story|report|post|piece"
# The end of a notice's heading: a colon or a dash, perhaps after a date in brackets
# ("Correction (Nov. 29):", "CORRECTION - ").
_END = r"\s*(?:\([^)]{0,40}\)\s*)?[:-]"
_UPDATED = (
    "update|updated|last updated|aktualisierung|aktualisiert|actualizaci[oó]n|actualizado|"
    "mise à jour"
)
CORRECTION_PATTERNS = (
    rf"{_LEAD}(?:corrections?|clarifications?|erratum|correction notice){_END}",
    rf"{_LEAD}this (?:{_PIECE}) (?:has been|was) (?:corrected|amended)",
    rf"{_LEAD}this (?:{_PIECE}) (?:has been|was) clarified",
    rf"{_LEAD}an? (?:earlier|previous|prior|original) version of this (?:{_PIECE}|headline)",
    rf"{_LEAD}editor'?s'? note{_END}",
    # es, fr, de, it, pt: the usual headings of a correction.
    rf"{_LEAD}(?:fe de erratas|fe de errores)\b",
    rf"{_LEAD}(?:correcci[oó]n|aclaraci[oó]n){_END}",
    rf"{_LEAD}(?:rectificatif|erratum|correction){_END}",
    rf"{_LEAD}(?:korrektur|berichtigung|richtigstellung|korrekturhinweis){_END}",
    rf"{_LEAD}(?:rettifica|correzione){_END}",
    rf"{_LEAD}(?:corre[cç][aã]o|errata){_END}",
)
UPDATE_PATTERNS = (
    rf"{_LEAD}(?:{_UPDATED})\b\s*(?:[:\d-]|on\b|at\b)",
    rf"{_LEAD}this (?:{_PIECE}) (?:has been|was) updated",
)
CORRECTION_RE = re.compile("|".join(CORRECTION_PATTERNS), re.IGNORECASE)
UPDATE_RE = re.compile("|".join(UPDATE_PATTERNS), re.IGNORECASE)
# A notice is a short paragraph; a longer one that starts "Update:" is still its own notice,
# but a 2,000-character paragraph is the article itself, whatever its first word.
MAX_NOTICE_CHARS = 600

MONTHS = (
    r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
)
WEEKDAYS = (
    r"mon(?:day)?|tue(?:s(?:day)?)?|wed(?:nesday)?|thu(?:rs(?:day)?)?|fri(?:day)?|"
    r"sat(?:urday)?|sun(?:day)?"
)
# Dates and times as news pages write them: 10:42, 10:42 a.m., 2026-11-29, 29/11/2026,
# Nov. 29, 2026, 29 November 2026, with an optional zone abbreviation.
DATE_TIME_RE = re.compile(
    r"\b\d{4}-\d{2}-\d{2}(?:[T ]\d{1,2}:\d{2}(?::\d{2})?(?:Z|[+-]\d{2}:?\d{2})?)?"
    r"|\b\d{1,2}[:.h]\d{2}(?::\d{2})?(?:\s*[ap]\.?\s?m\.?)?(?:\s+[A-Z]{2,4}\b)?"
    r"|\b\d{1,2}\s*[ap]\.?\s?m\.?(?:\s+[A-Z]{2,4}\b)?"
    r"|\b\d{1,2}[/.]\d{1,2}[/.]\d{2,4}\b"
    rf"|\b(?:{WEEKDAYS})\.?,?\s+"
    rf"|\b(?:{MONTHS})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?(?:\s+\d{{4}})?"
    rf"|\b\d{{1,2}}(?:st|nd|rd|th)?\.?\s+(?:{MONTHS})\.?,?(?:\s+\d{{4}})?",
    re.IGNORECASE,
)
DATE_MASK = "<date>"


class Notice(NamedTuple):
    """One notice: its kind (``correction`` or ``update``) and its text as the page has it."""

    kind: str
    text: str


def find_notices(text: str | None) -> list[Notice]:
    """The notices in ``text`` (paragraphs separated by blank lines), in order, each once."""
    found: dict[str, Notice] = {}
    for block in (text or "").split("\n"):
        line = fold_typography(block)
        if not line or len(line) > MAX_NOTICE_CHARS:
            continue
        if CORRECTION_RE.match(line):
            found.setdefault(notice_key(line), Notice("correction", line))
        elif UPDATE_RE.match(line):
            found.setdefault(notice_key(line), Notice("update", line))
    return list(found.values())


def notice_key(text: str) -> str:
    """What two notices are compared on: folded, lower case, dates and times masked."""
    return DATE_TIME_RE.sub(DATE_MASK, fold_typography(text)).lower()


def mask_dates(text: str) -> str:
    """``text`` with its dates and times replaced by one mark (timestamp lines compare equal)."""
    return DATE_TIME_RE.sub(DATE_MASK, text)


def new_notices(previous: Sequence[str] | None, current: Sequence[str]) -> list[Notice]:
    """Notices in the ``current`` texts that none of the ``previous`` texts had.

    ``previous`` is None for an article's first version: every notice it carries is new to
    the archive.
    """
    known = {notice_key(n.text) for text in previous or () for n in find_notices(text)}
    fresh: dict[str, Notice] = {}
    for text in current:
        for notice in find_notices(text):
            key = notice_key(notice.text)
            if key not in known:
                fresh.setdefault(key, notice)
    return list(fresh.values())
