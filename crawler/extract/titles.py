"""The headline a page displays, without the site's name around it.

Pages state their title several times: JSON-LD ``headline``, ``og:title``, ``twitter:title``,
``<title>`` and the ``<h1>`` a reader sees. The machine-readable ones are often worded for
search engines or social cards ("Best Movers 2026 | Site"), and ``<title>`` nearly always
carries the site name. So the visible ``<h1>`` wins when another candidate confirms it: equal
to it, or it plus a separator and a site or section part, or sharing most of its words (a
JSON-LD headline reworded for search). An ``<h1>`` nothing confirms is often the site's logo
or a teaser, and is used only when nothing else is there. A part of a title that names the
site (``og:site_name``, the JSON-LD publisher or ``WebSite``, ``application-name`` or the host
name's words) is removed from either end.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from crawler.extract.text import clean, key, words

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from lxml import html as lxml_html

SEPARATOR = re.compile(r"(\s+[|\-–—·•:»~/]\s+|\s*[|·•»]\s*|:\s+)")
MAX_TITLE_CHARS = 300
CARD_SOURCES = ("meta:og:title", "meta:twitter:title")
# Longest trailing part of a <title> taken for the site's name when nothing names the site.
MAX_SITE_CHARS = 40
# An <h1> is the displayed headline if this share of its words is in another candidate.
MIN_SHARED_WORDS = 0.6
# Shortest host label or site name that may match a title part by its start ("Golem.de").
MIN_PREFIX_KEY = 4
# Second-level labels under which a country's registrations sit ("bbc.co.uk").
SECOND_LEVEL = {"co", "com", "org", "net", "ac", "gov", "edu", "ne", "or", "go"}


def site_keys(names: Iterable[str | None], url: str | None) -> set[str]:
    """Loose keys of everything that names the site: its stated names and its host name."""
    keys = {key(clean(name)) for name in names if name}
    host = (urlsplit(url).hostname or "") if url else ""
    labels = [label for label in host.lower().split(".") if label and label != "www"]
    if len(labels) >= 2:
        keys.add(key(".".join(labels[-3:] if labels[-2] in SECOND_LEVEL else labels[-2:])))
        keys.add(key(labels[-3] if labels[-2] in SECOND_LEVEL and len(labels) >= 3 else labels[-2]))
    return {k for k in keys if k}


def names_site(text: str, keys: set[str]) -> bool:
    """Whether ``text`` is the site's name, or it and one word more ("Golem.de", "BBC News").

    A longer text that opens with the site's name is a headline about it ("The Guardian view
    on ..."), not the name.
    """
    part = key(text)
    if not part:
        return False
    return any(
        part == site or (len(site) >= MIN_PREFIX_KEY and _opens_with(words(text), site))
        for site in keys
    )


def _opens_with(text_words: list[str], site: str) -> bool:
    """Whether the words open with the site's key and at most one word follows."""
    for count in range(1, len(text_words) + 1):
        opening = key("".join(text_words[:count]))
        if opening == site:
            return len(text_words) - count <= 1
        if len(opening) > len(site):
            return False
    return False


def strip_site(title: str, keys: set[str]) -> str:
    """``title`` without parts naming the site at either end ("X | Site", "Site: X")."""
    parts = SEPARATOR.split(title)  # text, separator, text, ...
    while len(parts) >= 3:
        if names_site(parts[-1], keys):
            parts = parts[:-2]
        elif names_site(parts[0], keys):
            parts = parts[2:]
        else:
            break
    return "".join(parts).strip()


def _confirms(h1: str, candidate: str) -> bool:
    """``candidate`` is ``h1``, or ``h1`` with other parts joined by separators."""
    target = key(h1)
    if key(candidate) == target:
        return True
    parts = SEPARATOR.split(candidate)
    for cut in range(2, len(parts), 2):
        if key("".join(parts[:cut])) == target or key("".join(parts[cut + 1 :])) == target:
            return True
    return False


def _without_last_part(title: str) -> str:
    """A ``<title>``'s last short part, which names the site even when nothing says so."""
    parts = SEPARATOR.split(title)
    if len(parts) >= 3 and len(parts[-1]) <= MAX_SITE_CHARS:
        return "".join(parts[:-2]).strip()
    return title


def _more_parts(text: str, other: str) -> bool:
    return len(SEPARATOR.split(text)) > len(SEPARATOR.split(other))


def _shared_words(h1: str, candidate: str) -> float:
    mine = words(h1)
    theirs = set(words(candidate))
    return sum(word in theirs for word in mine) / len(mine) if mine else 0.0


def headings(document: lxml_html.HtmlElement, keys: set[str]) -> list[str]:
    """The page's ``<h1>`` texts, without the ones that only name the site."""
    found: list[str] = []
    for element in document.iter("h1"):
        text = clean(element.text_content())
        if text and len(text) <= MAX_TITLE_CHARS and not names_site(text, keys):
            found.append(text)
    return found


def choose_title(
    candidates: Sequence[tuple[str, str | None]],
    h1s: Sequence[str],
    keys: set[str],
    *,
    news: bool = False,
) -> tuple[str | None, str]:
    """The headline and its source, from ``(source, text)`` candidates best first and h1s.

    ``news``: the JSON-LD object is a ``NewsArticle``. A news publisher's JSON-LD headline
    that its social card (``og:title``, ``twitter:title``) repeats is the edition's headline,
    even where the page's ``<h1>`` is worded otherwise.
    """
    cleaned = [(source, clean(text)) for source, text in candidates if text and clean(text)]
    cleaned = [(s, t) for s, t in cleaned if len(t) <= MAX_TITLE_CHARS * 2]
    headline = next((t for s, t in cleaned if s == "json-ld"), None)
    cards = [t for s, t in cleaned if s in CARD_SOURCES]
    confirmed = headline is not None and any(_confirms(headline, card) for card in cards)
    if news and headline and confirmed and len(headline) <= MAX_TITLE_CHARS:
        return strip_site(headline, keys), "json-ld"
    for h1 in h1s:
        if any(_confirms(h1, text) for _, text in cleaned):
            # The same words in a head tag keep the punctuation that markup inside the
            # <h1> (a kicker in its own span) loses.
            same = (t for _, t in cleaned if key(t) == key(h1) and _more_parts(t, h1))
            return next(same, h1), "html:h1"
    best = max(
        ((max((_shared_words(h1, t) for _, t in cleaned), default=0.0), h1) for h1 in h1s),
        default=(0.0, ""),
    )
    if best[0] >= MIN_SHARED_WORDS:
        return best[1], "html:h1"
    for source, text in cleaned:
        if source == "html:title":
            # <title> is the last head candidate: a visible <h1> says more than it.
            if h1s:
                return h1s[0], "html:h1"
            return _without_last_part(strip_site(text, keys)) or None, source
        stripped = strip_site(text, keys)
        if stripped:
            return stripped, source
    return (h1s[0], "html:h1") if h1s else (None, "")
