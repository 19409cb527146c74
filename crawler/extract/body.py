"""The article text: trafilatura finds the main content, then we trim what it keeps by design.

trafilatura's two settings err in opposite ways. Its precision focus prunes link-dense blocks,
lists and teasers harder, which strips related-story rails and sign-up boxes from news pages,
but on pages laid out as guides, listicles or product write-ups it can throw away most of the
article, or all of it. Its balanced focus keeps those pages whole and lets more furniture in.
So the precise text comes first, and the balanced pass runs only when the precise text is
short or leaves out long paragraphs (running prose, ``PROSE_CHARS`` and more) that the page's
own ``<p>`` elements hold: when it holds all the page's prose, the balanced pass could only add
furniture. Most news pages stop there, at the cost of one pass. Otherwise ``choose_text``
keeps the precise text unless what it dropped looks like article: most of the text, or long
paragraphs that only the balanced text holds. Menus, prompts and teaser titles are short.
Measured on the article-extraction benchmark (news) and on article pages of every kind of
site, this beats either setting alone on both (see the README's benchmark tables).

trafilatura also keeps text that sits inside the content block: a theme's date line, the lead
image caption, a syndication credit glued to the first paragraph, the headline repeated in the
block. Those belong in their own fields (``published``, ``lead_image``, ``source``, ``title``),
so this module lifts them out of the text and hands them back, rather than leaving them to
pollute the body and its full-text index.
"""

from __future__ import annotations

import re
from copy import deepcopy
from dataclasses import dataclass
from typing import TYPE_CHECKING

import trafilatura

from crawler.extract.dates import date_in_line
from crawler.extract.page import ParsedPage, parse_page

if TYPE_CHECKING:
    from lxml import html as lxml_html

ASCII_SPACES = re.compile(r"[ \t\r\n\f\v]+")
# A credit such as "(Israel Hayom via JNS)" or "(AP)" opening the first paragraph.
SOURCE_PREFIX = re.compile(r"^\((?P<source>[^()]{2,60})\)\s*[-–—:]?\s+(?=\S)")
SOURCE_ALONE = re.compile(r"^\((?P<source>[^()]{2,60})\)\s*$")
# News agencies, whose names alone make a credit ("— Reuters", "(AFP)", "dpa/kna").
AGENCY = (
    r"(?:Associated Press|Agence France-Presse|Reuters|Bloomberg|AFP|AP|dpa|DPA|KNA|kna|epd|APA|apa"
    r"|ANSA|EFE|UPI|PA Media|AAP|Xinhua|Kyodo|Yonhap|TASS|Anadolu(?: Agency| Ajansı)?|IANS|PTI"
    r"|ANI|JNS|SID|sid|CNA|Europa Press|Agencia EFE|Belga|Lusa|NTB|TT|Ritzau|STT|CTK|PAP)"
)
AGENCIES = rf"{AGENCY}(?:\s*(?:/|,|&|and|und|et|y)\s*{AGENCY})*"
SOURCE_WORDS = re.compile(
    r"(?i:\bvia\b|\bwire\b|\bpress\b|\bnews\b|\bagency\b|\bservice\b)|^[A-Z][A-Z&.\- ]{1,12}$"
    rf"|^{AGENCIES}$"
)
# A dateline with the credit: "WASHINGTON (AP) — The mayor said." keeps "WASHINGTON — ".
SOURCE_DATELINE = re.compile(
    r"^(?P<city>[A-ZÀ-Þ][A-ZÀ-Þ .,'/-]{1,40}?)\s*\((?P<source>[^()]{2,60})\)\s*(?P<dash>[-–—:])\s+"
)
# A credit closing the text: a last paragraph "— Reuters" or "(AFP)", or one ending so.
SOURCE_TRAILER = re.compile(
    rf"^[-–—]?\s*\(?\s*(?:(?i:with|source|quelle|fuente|fonte)\s*:?\s+)?(?P<source>{AGENCIES})"
    r"\s*\)?\s*\.?$"
)
SOURCE_SUFFIX = re.compile(
    rf"(?<=[.!?\"”])\s*(?:[-–—]\s*(?P<dash>{AGENCIES})|\((?P<paren>{AGENCIES})\))\s*\.?$"
)
# Topic and tag lists a CMS prints under the text: they are the ``tags`` field, not the body.
TRAILER_LINE = re.compile(
    r"^(?:topics|tags|filed under|categories|related topics)\s*:", re.IGNORECASE
)
CREDIT_LINE = re.compile(
    r"\s*(?:photo(?:graph)?|image|picture|credit)\s*(?:by)?\s*:\s*", re.IGNORECASE
)
# ``choose_text``: the precise text is kept unless it holds less than this share of the
# balanced text's words, or the paragraphs only the balanced text holds that are at least
# ``PROSE_CHARS`` long make up more than ``PROSE_SHARE`` of the balanced text.
MIN_PRECISE_SHARE = 0.5
# ``repeats_body``: share of a description's four-word runs the body must hold.
REPEATED_SHARE = 0.8
# ``misses_prose``: a precise text of fewer words is checked against the balanced one anyway.
MIN_PRECISE_WORDS = 100
PROSE_CHARS = 200
PROSE_SHARE = 0.05


@dataclass
class Body:
    """The cleaned article text and what was lifted out of it."""

    text: str
    source: str | None = None
    date_line: str | None = None


def extract_body(
    page: ParsedPage | str,
    url: str | None = None,
    *,
    title: str | None = None,
    description: str | None = None,
    description_in_markup: bool = False,
    caption: str | None = None,
) -> Body:
    """Main text of the page as paragraphs separated by a blank line.

    ``page`` is the parsed page (its tree is used up: trafilatura changes the tree it is
    given) or the HTML. ``description_in_markup`` says that the standfirst was read from its
    own element of the page, so a paragraph repeating it is that element, not article text.
    """
    parsed = parse_page(page) if isinstance(page, str) else page
    if parsed is None:
        return Body(text="")
    # Read before trafilatura takes the tree apart.
    prose = page_prose(parsed.document)
    if caption and is_paragraph_of_text(parsed.document, caption):
        caption = None  # a pull quote repeating a paragraph: the paragraph stays
    chosen = precise = _paragraphs(parsed, deepcopy(parsed.document), url, precise=True)
    if misses_prose(precise, prose):
        balanced = _paragraphs(parsed, parsed.document, url, precise=False)
        chosen = choose_text(precise, balanced)
    return clean_paragraphs(
        chosen,
        title=title,
        description=description if description_in_markup else None,
        caption=caption,
    )


def _paragraphs(parsed: ParsedPage, tree: object, url: str | None, *, precise: bool) -> list[str]:
    raw = trafilatura.extract(
        tree,
        url=url,
        favor_precision=precise,
        include_comments=False,
        include_tables=True,
        include_images=False,
        include_links=False,
        deduplicate=False,
    )
    # Collapse ASCII white space only: a non-breaking space inside a paragraph is the
    # author's; a paragraph of nothing else is dropped.
    lines = (
        ASCII_SPACES.sub(" ", parsed.restore_nbsp(line)).strip()
        for line in (raw or "").splitlines()
    )
    return [line for line in lines if line]


def page_prose(document: lxml_html.HtmlElement) -> list[str]:
    """The page's long paragraphs: the text of each ``<p>`` of ``PROSE_CHARS`` or more."""
    texts = (" ".join(p.text_content().split()) for p in document.iter("p"))
    return [text for text in texts if len(text) >= PROSE_CHARS]


def is_paragraph_of_text(document: lxml_html.HtmlElement, text: str) -> bool:
    """Whether a ``<p>`` outside every figure and caption opens with ``text``.

    Such a caption is a pull quote of the article, and the paragraph it quotes is the
    article's, however alike the two are (``_is_caption`` would take one for the other).
    """
    wanted = _key(text)
    for paragraph in document.iter("p"):
        if not _key(paragraph.text_content()).startswith(wanted):
            continue
        if not any(_is_figure(ancestor) for ancestor in paragraph.iterancestors()):
            return True
    return False


def _is_figure(element: lxml_html.HtmlElement) -> bool:
    return element.tag in ("figure", "figcaption") or "caption" in (element.get("class") or "")


def misses_prose(precise: list[str], prose: list[str]) -> bool:
    """Whether the precise text is short, or leaves out more than a sliver of the page's prose."""
    kept = _key("\n".join(precise))
    if len(kept.split()) < MIN_PRECISE_WORDS:
        return True
    missing = sum(len(text) for text in prose if _key(text) not in kept)
    return missing > PROSE_SHARE * (sum(len(text) for text in prose) + len(kept))


def choose_text(precise: list[str], balanced: list[str]) -> list[str]:
    """The precise paragraphs, unless the balanced ones show that article text was dropped."""
    precise_words = sum(len(_key(p).split()) for p in precise)
    balanced_words = sum(len(_key(p).split()) for p in balanced)
    if precise_words < MIN_PRECISE_SHARE * balanced_words:
        return balanced
    kept = {_key(p) for p in precise}
    dropped_prose = sum(len(p) for p in balanced if len(p) >= PROSE_CHARS and _key(p) not in kept)
    if dropped_prose > PROSE_SHARE * sum(len(p) for p in balanced):
        return balanced
    return precise


def clean_paragraphs(
    paragraphs: list[str],
    *,
    title: str | None = None,
    description: str | None = None,
    caption: str | None = None,
) -> Body:
    """Drop repeated headline, standfirst, caption and date lines; lift a leading source credit."""
    drop = {_key(t) for t in (title, description) if t}
    kept: list[str] = []
    date_line = None
    for paragraph in paragraphs:
        key = _key(paragraph)
        if not key or key in drop:
            continue
        if caption and _is_caption(paragraph, caption):
            continue
        if TRAILER_LINE.match(paragraph) and len(paragraph) < 200:
            continue
        found_date = date_in_line(paragraph)
        if found_date:
            date_line = date_line or found_date
            continue
        kept.append(paragraph)
    source = _lift_credit(kept)
    return Body(text="\n\n".join(kept), source=source, date_line=date_line)


def _lift_credit(kept: list[str]) -> str | None:
    """The wire or syndication credit opening or closing the text, removed from ``kept``."""
    if not kept:
        return None
    alone = SOURCE_ALONE.match(kept[0])
    match = alone or SOURCE_PREFIX.match(kept[0])
    if match and SOURCE_WORDS.search(match.group("source")):
        kept[0] = kept[0][match.end() :]
        if not kept[0]:
            kept.pop(0)
        return match.group("source").strip()
    dateline = SOURCE_DATELINE.match(kept[0])
    if dateline and SOURCE_WORDS.search(dateline.group("source")):
        rest = kept[0][dateline.end() :]
        kept[0] = f"{dateline.group('city').rstrip(' ,')} {dateline.group('dash')} {rest}"
        return dateline.group("source").strip()
    trailer = SOURCE_TRAILER.match(kept[-1])
    if trailer and len(kept) > 1:
        kept.pop()
        return trailer.group("source").strip()
    suffix = SOURCE_SUFFIX.search(kept[-1])
    if suffix:
        kept[-1] = kept[-1][: suffix.start()].rstrip()
        return (suffix.group("dash") or suffix.group("paren")).strip()
    return None


def repeats_body(description: str, body: str) -> bool:
    """Whether the body holds the words of ``description``, in order, nearly all of them.

    Compared as runs of four words, so that a description cut short (mid-word, or with
    "…"), or one that keeps a credit the body's first paragraph gave up ("CITY (AP) —"),
    still matches. One of fewer than four words says too little to tell.
    """
    wanted = _runs(_key(description).split())
    if not wanted:
        return False
    held = _runs(_key(body).split())
    return sum(run in held for run in wanted) >= REPEATED_SHARE * len(wanted)


def _runs(words: list[str], size: int = 4) -> set[tuple[str, ...]]:
    return {tuple(words[i : i + size]) for i in range(len(words) - size + 1)}


def _is_caption(paragraph: str, caption: str) -> bool:
    key, caption_key = _key(paragraph), _key(caption)
    return key == caption_key or (len(caption_key) > 20 and key.startswith(caption_key))


def _key(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.casefold()))
