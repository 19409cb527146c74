"""Turn what a reader types into a search box into an FTS5 ``MATCH`` expression that never fails.

FTS5 has a query language of its own (``AND``/``OR``/``NOT``, ``NEAR(...)``, ``col:``, ``^``,
``+``, parentheses), and anything outside it is an ``fts5: syntax error``: a stray quote, a
hyphenated word, ``a:b``. sqlite-utils' ``escape_fts`` avoids the errors by quoting every word,
which also turns ``OR`` and ``harb*`` into plain words. No maintained library translates typed
queries into FTS5 syntax, so this module does it by hand, keeping only the parts readers use:

- bare words, all required (FTS5's implicit AND);
- ``"quoted phrases"``;
- ``OR``, ``AND`` and ``NOT`` in capitals, between two terms (lower-case ``or`` is a word);
- ``word*`` for words that start with ``word``.

Every term is emitted as an FTS5 string (``"..."``, inner quotes doubled), so whatever else a
reader types (parentheses, ``-``, ``:``, ``NEAR(``, symbols) is a literal:
the tokenizer keeps its letters and digits and drops the rest. Operators with nothing on one
side are dropped rather than searched for, since ``levee AND`` means "levee"; so is a quote
that is never closed, since ``"harbor bridge`` means the two words. A term with no
letter or digit would match nothing and make the whole AND fail, so it is dropped too.
Accents need no handling here: the index's ``unicode61 remove_diacritics 2`` tokenizer folds
them on both sides.
"""

from __future__ import annotations

import re

# A reader's query is short; a bound keeps a pasted page from becoming a huge MATCH expression.
MAX_TERMS = 32
OPERATORS = frozenset({"AND", "OR", "NOT"})
# What matches nothing: an empty phrase (FTS5 accepts it and finds no rows, unlike "").
MATCH_NOTHING = '""'

# A quoted phrase, or a run of anything but blanks and quotes. A quote that is never closed
# matches neither, so it is skipped and the words after it are words.
TOKEN = re.compile(r'"(?P<phrase>[^"]*)"|(?P<word>[^\s"]+)')
PREFIX = re.compile(r"(?P<stem>\w+)\*+", re.UNICODE)


def fts_string(text: str) -> str:
    """``text`` as an FTS5 string literal: in double quotes, inner quotes doubled."""
    return '"' + text.replace('"', '""') + '"'


def searchable(text: str) -> bool:
    """Whether ``text`` holds anything the tokenizer indexes (a letter or a digit)."""
    return any(char.isalnum() for char in text)


def terms_of(query: str) -> list[str]:
    """The query's terms and operators in order: FTS5 strings, prefixes, or operator names."""
    terms: list[str] = []
    for match in TOKEN.finditer(query):
        phrase, word = match.group("phrase"), match.group("word")
        if phrase is not None:
            if searchable(phrase):
                terms.append(fts_string(phrase))
        elif word in OPERATORS:
            terms.append(word)
        elif prefix := PREFIX.fullmatch(word):
            terms.append(fts_string(prefix.group("stem")) + "*")
        elif searchable(word):
            terms.append(fts_string(word))
    return terms


def to_fts5_match(query: str | None) -> str:
    """The FTS5 ``MATCH`` expression for ``query``; ``'""'`` (no rows) when nothing is searchable.

    >>> to_fts5_match('bridge OR "harbor ferry" harb* a:b')
    '"bridge" OR "harbor ferry" "harb"* "a:b"'
    """
    parts: list[str] = []
    pending: str | None = None  # the operator waiting for a term on its right
    count = 0
    for term in terms_of(query or ""):
        if term in OPERATORS:
            if parts:  # an operator needs a term on its left; NOT outranks OR outranks AND
                pending = max(pending or "AND", term, key=["AND", "OR", "NOT"].index)
            continue
        if count == MAX_TERMS:
            break
        if pending and pending != "AND":
            parts.append(pending)
        parts.append(term)
        pending = None
        count += 1
    return " ".join(parts) or MATCH_NOTHING
