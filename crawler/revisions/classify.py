"""Which fields a new version changed, and how much: ``trivial``, ``cosmetic``, ``substantive``.

The measure is a word-level diff (``difflib.SequenceMatcher`` over word tokens, from the
standard library): its opcodes say *which* words were replaced, inserted or deleted, and that
is what the rules need (was a number among them? a negation? only a respelling?), where an
edit distance alone (rapidfuzz) would give just a count. Article texts are a few thousand
words, well within what ``SequenceMatcher`` handles in milliseconds.

Before words are compared, both versions are folded: curly quotes, dashes and odd spaces made
plain (``crawler.revisions.notices.fold_typography``), punctuation dropped (a word is a run of
letters and digits), "n't" spelled "not", and the dates and times of a timestamp line
("Updated 10:42 a.m.") masked. What survives the folding is then sorted into:

- a *respelling*: a replaced word close to the old one (character similarity at least
  ``RESPELLING_SIMILARITY``: a typo, a corrected spelling of a name, a change of case);
- a *figure*: a replaced, added or removed word holding a digit or a number word ("3 dead" ->
  "5 dead"): a journalist calls a changed figure substantive, however short the edit;
- a *negation*: "not", "no", "never" added or removed, which turns the meaning over;
- a *name*: a capitalised word replaced by another (another person quoted, another place);
- other *changed words*, counted, as a multiset difference so that words which only moved
  count nothing.

Any new word in the headline or the byline is substantive; so is a new correction notice.
The word threshold was set on the labelled edit pairs in ``tests/revision_edits.py`` (the
README's table shows the rules and examples): see ``COSMETIC_MAX_WORDS``.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import TYPE_CHECKING, Any

from crawler.revisions.notices import DATE_MASK, fold_typography, mask_dates, new_notices

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

# The fields a revision stores and a reader compares; ``word_count`` follows ``body`` and is
# left out, so it never appears alone in ``changed_fields``.
COMPARED_FIELDS = ("title", "description", "authors", "published", "modified", "body")
TEXT_FIELDS = ("title", "description", "authors", "body")
# Fields where any new word (beyond a respelling) is substantive: a new headline or byline.
HEADLINE_FIELDS = ("title", "authors")

# More changed words than this (outside figures, negations and respellings) is substantive.
# Measured on the labelled pairs: cosmetic edits change at most 4 words (an attribution
# re-worded), substantive ones that no other rule catches at least 8 (a clause added); the
# threshold sits between them.
COSMETIC_MAX_WORDS = 6
# A replaced word at least this similar (difflib ratio, case folded) to the one it replaces
# is a respelling: "Jon" -> "John" 0.86, "recieve" -> "receive" 0.86, "Baker" -> "Brown" 0.40.
RESPELLING_SIMILARITY = 0.7

CLASSES = ("trivial", "cosmetic", "substantive")
WORD_RE = re.compile(r"\d+(?:[.,:]\d+)*|\w+")
# fmt: off
NUMBER_WORDS = frozenset((
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
    "nineteen", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
    "hundred", "thousand", "million", "billion", "trillion", "dozen", "dozens", "half",
    "quarter", "percent",
))
# fmt: on
# Words that start sentences and are capitalised for that alone, not names.
# fmt: off
FUNCTION_WORDS = frozenset((
    "a", "an", "the", "and", "but", "or", "so", "yet", "for", "nor", "if", "when", "while",
    "as", "at", "by", "in", "of", "on", "to", "from", "with", "after", "before", "this", "that",
    "these", "those", "it", "its", "he", "she", "they", "we", "you", "i", "his", "her", "their",
    "our", "there", "here", "what", "who", "which", "where", "why", "how", "mr", "mrs", "ms",
    "dr",
))
# fmt: on
NEGATIONS = frozenset({"not", "no", "never", "nor", "none", "nobody", "nothing"})
TIMESTAMP_LINE_RE = re.compile(
    r"^(?:last\s+)?(?:updated|modified|published|posted|posted on|updated on)\b", re.IGNORECASE
)
DATE_RUN_RE = re.compile(rf"{DATE_MASK}(?:[\s,]*{DATE_MASK})+")
# A timestamp line is short: the words of a date and a zone, not a sentence.
TIMESTAMP_LINE_MAX_WORDS = 12


@dataclass(frozen=True)
class Change:
    """How a version differs from the one before it."""

    changed_fields: list[str]
    change_class: str | None  # None for a first version
    corrections: list[str]  # notices new in this version
    changed_words: int  # the measure the class was read from (respellings not counted)
    figures: bool  # a number was added, removed or changed
    negations: bool


@dataclass
class _Tally:
    words: int = 0
    respellings: int = 0
    figures: bool = False
    negations: bool = False
    names: bool = False
    moved: bool = False  # some words were removed, added or moved


def describe_change(previous: Mapping[str, Any] | None, current: Mapping[str, Any]) -> Change:
    """How ``current`` differs from ``previous`` (None: it is the article's first version).

    A first version has no changed fields and no class (``change_class`` is NULL in the
    archive); the correction notices it already carries are its corrections, the first the
    archive saw. Its "Updated ..." lines are not: they tell of a change the archive never saw.
    """
    texts = [_text(current, name) for name in ("title", "description", "body")]
    if previous is None:
        notices = [n for n in new_notices(None, texts) if n.kind == "correction"]
        return Change([], None, [n.text for n in notices], 0, False, False)
    before = [_text(previous, name) for name in ("title", "description", "body")]
    notices = new_notices(before, texts)
    fields = sorted(
        name for name in COMPARED_FIELDS if _text(previous, name) != _text(current, name)
    )
    tallies = {
        name: _compare(_text(previous, name), _text(current, name))
        for name in TEXT_FIELDS
        if name in fields
    }
    words = sum(t.words for t in tallies.values())
    figures = any(t.figures for t in tallies.values())
    negations = any(t.negations for t in tallies.values())
    names = any(t.names for t in tallies.values())
    headline = any(tallies[name].words for name in HEADLINE_FIELDS if name in tallies)
    if (
        figures
        or negations
        or names
        or headline
        or words > COSMETIC_MAX_WORDS
        or any(n.kind == "correction" for n in notices)
    ):
        change_class = "substantive"
    elif notices or any(t.moved or t.respellings for t in tallies.values()):
        change_class = "cosmetic"
    else:  # white space, punctuation, typography, timestamps, dates only
        change_class = "trivial"
    return Change(fields, change_class, [n.text for n in notices], words, figures, negations)


def words_of(text: str) -> list[str]:
    """The words compared: typography folded, timestamp lines masked, punctuation dropped."""
    lines = []
    for line in _folded_lines(text):
        if TIMESTAMP_LINE_RE.match(line) and len(line.split()) <= TIMESTAMP_LINE_MAX_WORDS:
            line = DATE_RUN_RE.sub(DATE_MASK, mask_dates(line))
        lines.append(line)
    folded = re.sub(r"n't\b", " not", "\n".join(lines).replace("can't", "can not"))
    return WORD_RE.findall(folded)


def _folded_lines(text: str) -> list[str]:
    return [fold_typography(line) for line in text.split("\n") if line.strip()]


def _compare(old: str, new: str) -> _Tally:
    """Tally the word-level differences of one field.

    Words are counted as a multiset difference of what the non-respelling edits removed and
    added, so a sentence whose clauses swap places counts no changed words (it still makes the
    change at least cosmetic), and a figure that only moved is no changed figure.
    """
    a, b = words_of(old), words_of(new)
    tally = _Tally()
    removed: Counter[str] = Counter()
    added: Counter[str] = Counter()
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            continue
        if op == "replace" and _respelled(a[i1:i2], b[j1:j2]):
            tally.respellings += max(i2 - i1, j2 - j1)
            continue
        tally.moved = True
        removed.update(a[i1:i2])
        added.update(b[j1:j2])
    gone, new_words = removed - added, added - removed
    tally.words = max(sum(gone.values()), sum(new_words.values()))
    changed = [*gone, *new_words]
    tally.figures = any(_is_figure(word) for word in changed)
    tally.negations = any(word.lower() in NEGATIONS for word in changed)
    tally.names = bool([w for w in gone if _is_name(w)] and [w for w in new_words if _is_name(w)])
    return tally


def _respelled(removed: Sequence[str], added: Sequence[str]) -> bool:
    """Whether ``added`` is ``removed`` spelled anew (typo, name spelling, case, split word)."""
    if any(_is_figure(word) or word.lower() in NEGATIONS for word in (*removed, *added)):
        return False
    if len(removed) == len(added):
        return all(_similar(old, new) for old, new in zip(removed, added, strict=True))
    return _similar("".join(removed), "".join(added))


def _similar(old: str, new: str) -> bool:
    ratio = SequenceMatcher(None, old.lower(), new.lower(), autojunk=False).ratio()
    return ratio >= RESPELLING_SIMILARITY


def _is_name(word: str) -> bool:
    """A capitalised word that is not a function word: a name of a person, place, body."""
    return len(word) > 1 and word[0].isupper() and word.lower() not in FUNCTION_WORDS


def _is_figure(word: str) -> bool:
    return any(ch.isdigit() for ch in word) or word.lower() in NUMBER_WORDS


def _text(record: Mapping[str, Any], name: str) -> str:
    """A field as text: lists (authors) joined, None as empty."""
    value = record.get(name)
    if value is None:
        return ""
    if name == "authors" and isinstance(value, str) and value.startswith("["):
        try:
            value = json.loads(value)
        except ValueError:
            return value
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return str(value)
