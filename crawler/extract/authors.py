"""Author names: JSON-LD first, then meta tags, then the byline a reader sees.

A byline is written for people, so it carries more than names: "By", roles ("Staff Writer"),
initials in brackets, the date glued on ("Jane DoePublished on May 3"), e-mail addresses,
profile URLs, the site's own name standing in for a person. Each is removed here, and "A and
B" (in the usual languages) becomes two names. Bylines inside "trending" or "most read" boxes
belong to other articles and are not read. A name that is the site's (compared with its
stated names and host name) is a brand, not an author.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from crawler.extract import jsonld
from crawler.extract.text import clean, key
from crawler.extract.titles import names_site

if TYPE_CHECKING:
    from lxml import html as lxml_html

META_NAMES = (
    "author",
    "article:author",
    "og:article:author",
    "parsely-author",
    "sailthru.author",
    "dc.creator",
    "byl",
)
# Byline markup, most deliberate first; the first kind that gives a name wins.
BYLINE_XPATHS = (
    ("html:itemprop-author", "//*[@itemprop='author']"),
    ("html:rel-author", "//*[@rel='author']"),
    (
        "html:author-link",
        (
            "//a[contains(@href, '/author/') or contains(@href, '/authors/')"
            " or contains(@href, '/autor/') or contains(@href, '/auteur/')]"
        ),
    ),
    (
        "html:byline",
        (
            "//*[self::div or self::span or self::p or self::address or self::a or self::li]"
            "[contains(@class, 'byline') or contains(@class, 'Byline')]"
        ),
    ),
    (
        "html:byline",
        (
            "//*[self::div or self::span or self::p or self::address or self::a or self::li]"
            "[contains(@class, 'author') or contains(@class, 'Author')"
            " or contains(@class, 'writer')]"
        ),
    ),
)
# Boxes listing other articles: their bylines are not this article's.
FOREIGN_BOX = re.compile(
    r"trending|most-?read|popular|related|recommend|teaser|sidebar|footer|comment|newsletter"
    r"|promo|more-?stories|read-?next",
    re.IGNORECASE,
)
PREFIX = re.compile(
    r"^(?:(?:written|posted|reported|compiled|edited|words|text|story|photos?|articles|posts"
    r"|stories|more)\s+)?"
    r"(?:by|von|par|por|di|door|av|af|fra|autor(?:in)?|author|auteur|redaktion|text)\b\s*:?\s*",
    re.IGNORECASE,
)
# The same word glued to the name by markup ("BySummer Swann", "Written byAAA").
GLUED_PREFIX = re.compile(r"^(?:[Ww]ritten\s*)?(?:[Bb]y|BY|[Aa]uthor|[Vv]on)(?=[A-ZÀ-ÞĀ-Ž])")
WRITTEN_BY = re.compile(r"^\s*(?:written by|author|autor|auteur|by)\s*:?\s*$", re.IGNORECASE)
# Avatar initials before the name they abbreviate ("CM Craig McCarthy").
INITIALS = re.compile(r"^(?P<initials>[A-Z]{1,3})\s+(?P<name>.+)$")
# Lower-case words that belong inside names.
PARTICLES = {
    "van",
    "der",
    "den",
    "de",
    "du",
    "da",
    "das",
    "dos",
    "del",
    "della",
    "di",
    "la",
    "le",
    "von",
    "zu",
    "bin",
    "ibn",
    "al",
    "el",
    "ter",
    "ten",
    "y",
    "e",
}
# Where a byline stops naming people: a date, a "published" note, a separator and more.
CUT = re.compile(
    r"(?:Published|Updated|Posted|Last updated|Veröffentlicht|Aktualisiert|Publié|Mis à jour"
    r"|Publicado|Actualizado|Pubblicato|Aggiornato|[Rr]eviewed by|[Ff]act[- ]checked by)"
    r"|\s[•·|–—]\s|\s[•·|]|\s+-\s+"
    r"|\b\d{1,2}(?:st|nd|rd|th)?[.\s/-]+(?:\d{1,2}|[A-Za-zäéû]{3,9})[.\s/,-]+\d{2,4}\b"
    r"|\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?\s+\d{1,2}\b"
    r"|\b\d{4}\b|\b\d+\s+min\b"
    r"|\s(?:on|am|at|for|via|from|with|in)\s",
)
SPLIT = re.compile(
    r"\s*(?:[,;/&+]|\s(?:and|und|et|y|e|og|en|i|och|ja|és|ve|и|και)\s)\s*",
)
BRACKETS = re.compile(r"\s*[\(\[][^()\[\]]{0,40}[\)\]]")
EMAIL = re.compile(r"\S+@\S+\.\w+")
URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
# Parts of a byline that say what someone does, not who they are.
ROLE = re.compile(
    r"^(?:staff|senior|sr\.?|junior|chief|managing|contributing|guest|associate|deputy|executive"
    r"|ceo|cto|cfo|coo|founder|co-founder|director|head|manager|president|vp|editor|reporter"
    r"|writer|correspondent|contributor|columnist|photographer|redakteur(?:in)?|journalist(?:in)?"
    r"|rédact(?:eur|rice)|redactor(?:a)?|former|team lead)\b",
    re.IGNORECASE,
)
ROLE_ONLY = re.compile(
    r"^(?:the\s+)?(?:staff(?:\s+writer)?|editor(?:ial)?(?:\s+(?:staff|team|board))?|reporter"
    r"|correspondent|contributor|admin(?:istrator)?|redaktion|trending|most read|anonymous"
    r"|guest author|author)$",
    re.IGNORECASE,
)
# A role written after the name, often glued to it by markup ("Jane DoeStaff Writer").
ROLE_TAIL = re.compile(
    r"(?<=[a-z])\s*(?:Staff|Senior|Content|Marketing|Tech|Chief|Head|Lead|Managing|Contributing)?"
    r"\s*(?:Writer|Reporter|Editor|Founder|Co-Founder|CEO|Contributor|Correspondent|Coordinator"
    r"|Manager|Director|Consultant|Columnist|Specialist|Strategist|Analyst|Journalist"
    r"|Redakteur(?:in)?)\b.*$"
)
# A template placeholder, not a name ("page.head.extra.author").
DOTTED = re.compile(r"\w\.\w+\.\w+\.\w")
# Letters after a name ("MS, RD", "Ph.D.", "CPP"): short, upper-case or dotted.
CREDENTIAL = re.compile(r"^(?:[A-Z][A-Za-z]?\.?){1,3}[A-Z]*\.?®?$|^Ph\.?\s?D\.?$|^[A-Z]{2,6}®?$")
ORGANIZATION_TYPES = {"Organization", "NewsMediaOrganization", "Corporation", "WebSite"}
# Lower-case words a site's own byline may use ("Guardian staff reporter", "the Team").
STAFF_WORDS = {"staff", "reporter", "reporters", "writer", "writers", "team", "desk", "editors"}
MAX_NAME_CHARS = 60
MAX_NAME_WORDS = 6
# A byline of only lower-case words is a name in that style up to this many words.
MAX_LOWER_WORDS = 3
# Longer than this, an element holds a bio or an article, not a byline.
MAX_BYLINE_CHARS = 150


@dataclass
class Names:
    """Person names found in one source, and the site or brand names it gave instead."""

    people: list[str] = field(default_factory=list)
    brands: list[str] = field(default_factory=list)


def choose(found: list[tuple[Names, str]]) -> tuple[list[str], str]:
    """The first source's people; a brand only when no source names a person."""
    for names, source in found:
        if names.people:
            return names.people, source
    for names, source in found:
        if names.brands:
            return names.brands, source
    return [], ""


def clean_names(
    values: list[str], site: set[str], *, last_first: bool = False, organization: bool = False
) -> Names:
    """Person names from byline strings, de-duplicated, in order.

    ``last_first`` reads each value as one name written "Family, Given" (citation tags);
    ``organization``: the values name organizations (JSON-LD ``Organization`` authors).
    """
    found = Names()
    for value in values:
        if last_first and value.count(",") == 1:
            family, given = value.split(",")
            value = f"{given.strip()} {family.strip()}"
        for position, name in enumerate(_names_in(value, keep_commas=last_first)):
            brand = names_site(name, site) or (organization and position == 0)
            if key(name) not in {key(n) for n in found.people + found.brands}:
                (found.brands if brand else found.people).append(name)
            if brand and position == 0:
                break  # "Site, City, Country": what follows the site's name is no person
    return found


def _names_in(value: str, *, keep_commas: bool = False) -> list[str]:
    text = clean(value)
    if not text or URL.match(text):
        return []
    text = EMAIL.sub(" ", URL.sub(" ", text))
    text = BRACKETS.sub("", text).strip()
    text = PREFIX.sub("", GLUED_PREFIX.sub("", text))
    cut = CUT.search(text)
    if cut:
        text = text[: cut.start()]
    names: list[str] = []
    parts = [text] if keep_commas else SPLIT.split(text)
    for position, part in enumerate(parts):
        part = PREFIX.sub("", GLUED_PREFIX.sub("", part.strip(" \t.:;,-–—|•·*\"'")))
        if not part or ROLE_ONLY.match(part):
            continue
        if position > 0 and (ROLE.match(part) or CREDENTIAL.match(part)):
            continue
        initials = INITIALS.match(part)
        if initials and initials["initials"] == "".join(w[0] for w in initials["name"].split()):
            part = initials["name"]
        part = ROLE_TAIL.sub("", part).strip()
        if _is_name(part, alone=len(parts) == 1):
            names.append(part)
    return names


def _is_name(text: str, *, alone: bool = False) -> bool:
    """Whether ``text`` reads as a name; ``alone``: the whole byline, so "jane doe" may be."""
    if len(text) > MAX_NAME_CHARS or len(text.split()) > MAX_NAME_WORDS or DOTTED.search(text):
        return False
    letters = sum(ch.isalpha() for ch in text)
    if letters < 2 or any(ch.isdigit() for ch in text):
        return False
    parts = text.split()
    if alone and len(parts) <= MAX_LOWER_WORDS and text == text.lower():
        return True
    # A phrase, not a name: lower-case words other than particles ("and technology").
    return len(parts) == 1 or not any(
        w[0].islower() and w not in PARTICLES and w.lower() not in STAFF_WORDS for w in parts
    )


def from_jsonld(article: dict[str, Any], objects: list[dict[str, Any]], site: set[str]) -> Names:
    """Names of the article's ``author`` entries: strings, objects, lists, ``@id`` references."""
    by_id = {obj["@id"]: obj for obj in objects if isinstance(obj.get("@id"), str)}
    value = article.get("author")
    entries = value if isinstance(value, list) else [value]
    found = Names()
    for entry in entries:
        if isinstance(entry, dict) and "name" not in entry and entry.get("@id") in by_id:
            entry = by_id[entry["@id"]]
        name = entry.get("name") if isinstance(entry, dict) else entry
        if isinstance(name, list):
            name = name[0] if name else None
        if isinstance(name, str):
            kind = jsonld.types_of(entry) if isinstance(entry, dict) else set()
            organization = bool(kind & ORGANIZATION_TYPES)
            names = clean_names([name], site, organization=organization)
            found.people += [n for n in names.people if n not in found.people]
            found.brands += [n for n in names.brands if n not in found.brands]
    return found


def from_meta(meta: dict[str, list[str]], site: set[str]) -> Names:
    """Names in author meta tags (profile URLs skipped); citation tags hold one name each."""
    values = [v for name in META_NAMES for v in meta.get(name, [])]
    # Card labels: twitter:label1 "Written by" with the name in twitter:data1.
    for number in range(1, 5):
        label = meta.get(f"twitter:label{number}", [""])[0]
        if WRITTEN_BY.match(label):
            values += meta.get(f"twitter:data{number}", [])
    found = clean_names(values, site)
    if not found.people and not found.brands:
        found = clean_names(meta.get("citation_author", []), site, last_first=True)
    return found


def from_markup(document: lxml_html.HtmlElement, site: set[str]) -> tuple[Names, str]:
    """Names in the page's visible byline and the kind of markup they were in.

    The first element of a kind that names someone is the byline; elements of the same kind
    beside it (one per author) are read with it, others elsewhere on the page are not.
    """
    for source, xpath in BYLINE_XPATHS:
        first: Any = None
        raw: list[str] = []
        for element in document.xpath(xpath):
            if _in_foreign_box(element):
                continue
            if first is not None and not _near(first, element):
                continue
            named = element.xpath(".//*[@itemprop='name']")
            text = (named[0] if named else element).text_content()
            if not 0 < len(clean(text)) <= MAX_BYLINE_CHARS:
                continue
            names = clean_names([text], site)
            if first is None and (names.people or names.brands):
                first = element
            raw.append(text)
        if first is not None:
            return clean_names(raw, site), source
    return Names(), ""


def _near(first: Any, other: Any) -> bool:
    """Whether ``other`` shares a parent or grandparent with ``first`` (the same byline)."""
    mine = [
        first.getparent(),
        first.getparent().getparent() if first.getparent() is not None else None,
    ]
    theirs = other.getparent()
    return theirs is not None and (theirs in mine or theirs.getparent() in mine)


def _in_foreign_box(element: Any) -> bool:
    for ancestor in element.iterancestors():
        marks = f"{ancestor.get('class', '')} {ancestor.get('id', '')}"
        if ancestor.tag in ("nav", "footer", "aside") or FOREIGN_BOX.search(marks):
            return True
    return False


def site_keys_of(objects: list[dict[str, Any]]) -> list[str]:
    """Names of organizations in the JSON-LD (publisher, ``WebSite``), to tell brands apart."""
    names: list[str] = []
    for obj in objects:
        if jsonld.types_of(obj) & {"WebSite", "Organization", "NewsMediaOrganization"}:
            name = obj.get("name")
            if isinstance(name, str):
                names.append(name)
    return names
