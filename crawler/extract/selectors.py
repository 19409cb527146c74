"""Per-site selectors from ``sites.toml``: where a site's body, title, date and authors are.

Heuristics are right on most pages of most sites; when one site keeps defeating them, the
person running the crawl knows better and says so with a selector, which then wins over every
heuristic for that field. A selector is CSS or XPath, told apart by its first characters: one
starting with ``/``, ``(`` or ``./`` is XPath, anything else is CSS (translated to XPath by
parsel, which also understands ``::text`` and ``::attr(name)``).

Each expression is compiled and tried once when the configuration is loaded, so a typo stops
the run before the first request instead of silently matching nothing on every page. What is
kept is only the XPath text: a frozen value of strings that pickles and turns into JSON, so it
can be handed to extraction running in another process (compiled ``etree.XPath`` objects do
not pickle). Each page evaluates the text with ``document.xpath``: a handful of expressions,
cheap to compile, and no compiled object shared between threads.

``remove`` runs first and deletes its matches from the tree, so neither the metadata readers nor
the body extraction see them (a related-stories box inside the article, a stale JSON-LD block).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from cssselect import SelectorError as CssSelectorError
from lxml import etree
from lxml import html as lxml_html
from parsel.csstranslator import HTMLTranslator

from crawler.extract.page import NBSP_STAND_IN

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from crawler.extract.page import ParsedPage

SELECTOR_FIELDS = ("body", "title", "published", "authors")
SELECTOR_KEYS = (*SELECTOR_FIELDS, "remove")
XPATH_STARTS = ("/", "(", "./")
SOURCE = "sites.toml:selector"
# Elements whose start and end break a paragraph; text inside the others runs on.
BLOCK_TAGS = frozenset(
    {
        "address",
        "article",
        "aside",
        "blockquote",
        "br",
        "dd",
        "div",
        "dl",
        "dt",
        "figcaption",
        "figure",
        "footer",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "li",
        "main",
        "ol",
        "p",
        "pre",
        "section",
        "table",
        "td",
        "th",
        "tr",
        "ul",
    }
)
SKIPPED_TAGS = frozenset({"script", "style", "noscript", "template", "iframe", "svg", "button"})
ASCII_SPACES = re.compile(r"[ \t\r\n\f\v]+")
NAME_SEPARATORS = re.compile(r"\s*(?:,|;|&|\band\b)\s*")
BY_PREFIX = re.compile(r"^by\s+", re.IGNORECASE)
# XPath 1.0's functions and node tests: lxml looks functions up only when it evaluates them,
# so a misspelt one inside a predicate would fail on every page instead of at load time.
XPATH_FUNCTIONS = frozenset(
    [
        "last",
        "position",
        "count",
        "id",
        "local-name",
        "namespace-uri",
        "name",
        "string",
        "concat",
        "starts-with",
        "contains",
        "substring-before",
        "substring-after",
        "substring",
        "string-length",
        "normalize-space",
        "translate",
        "boolean",
        "not",
        "true",
        "false",
        "lang",
        "number",
        "sum",
        "floor",
        "ceiling",
        "round",
        "text",
        "node",
        "comment",
        "processing-instruction",
    ]
)
STRING_LITERAL = re.compile(r"'[^']*'|\"[^\"]*\"")
FUNCTION_CALL = re.compile(r"(?<![\w.:-])([A-Za-z_][\w.-]*(?::[A-Za-z_][\w.-]*)?)\s*\(")
_TRANSLATOR = HTMLTranslator()
_PROBE = lxml_html.document_fromstring("<html><head></head><body><p>x</p></body></html>")


class SelectorConfigError(ValueError):
    """A selector table that cannot be used: ``key`` is what is wrong, the message says why."""

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(problem)
        self.key = key
        self.problem = problem


@dataclass(frozen=True)
class SiteSelectors:
    """A site's selectors as XPath text; empty fields are left to the heuristics."""

    body: str | None = None
    title: str | None = None
    published: str | None = None
    authors: str | None = None
    remove: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return any((self.body, self.title, self.published, self.authors, self.remove))

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (the XPath texts); ``from_json`` turns it back into the value."""
        data = asdict(self)
        data["remove"] = list(self.remove)
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SiteSelectors:
        return cls(
            body=data.get("body"),
            title=data.get("title"),
            published=data.get("published"),
            authors=data.get("authors"),
            remove=tuple(data.get("remove") or ()),
        )


@dataclass
class Selected:
    """What the selectors found on one page; ``missed`` names the fields that matched nothing."""

    body: list[str] | None = None
    title: str | None = None
    published: str | None = None
    authors: list[str] | None = None
    missed: tuple[str, ...] = ()


def is_xpath(expression: str) -> bool:
    """True when ``expression`` is read as XPath, False for CSS (see the module docstring)."""
    return expression.lstrip().startswith(XPATH_STARTS)


def to_xpath(expression: str) -> str:
    """The XPath of a CSS or XPath expression; raises ``ValueError`` saying what is wrong."""
    expression = expression.strip()
    if not expression:
        raise ValueError("is empty")
    if is_xpath(expression):
        xpath = expression
        kind = "XPath"
    else:
        try:
            xpath = _TRANSLATOR.css_to_xpath(expression)
        except CssSelectorError as error:
            raise ValueError(f"{expression!r} is not a valid CSS selector: {error}") from None
        kind = "CSS selector"
    try:
        # Compiling catches syntax; evaluating once catches unknown prefixes.
        etree.XPath(xpath)(_PROBE)
    except etree.XPathError as error:
        raise ValueError(f"{expression!r} is not a valid {kind}: {error}") from None
    for name in FUNCTION_CALL.findall(STRING_LITERAL.sub("''", xpath)):
        if name not in XPATH_FUNCTIONS:
            raise ValueError(f"{expression!r} is not a valid {kind}: unknown function {name}()")
    return xpath


def compile_selectors(table: Any) -> SiteSelectors:
    """Validate a ``[sites.<slug>.selectors]`` table; raises ``SelectorConfigError``."""
    if not isinstance(table, dict):
        raise SelectorConfigError("selectors", "must be a table")
    for key in table:
        if key not in SELECTOR_KEYS:
            known = ", ".join(SELECTOR_KEYS)
            raise SelectorConfigError(key, f"unknown selector (known: {known})")
    fields: dict[str, str] = {}
    for key in SELECTOR_FIELDS:
        if key not in table:
            continue
        value = table[key]
        if not isinstance(value, str):
            raise SelectorConfigError(key, "must be a CSS or XPath string")
        try:
            fields[key] = to_xpath(value)
        except ValueError as error:
            raise SelectorConfigError(key, str(error)) from None
    remove = table.get("remove", [])
    if isinstance(remove, str):
        remove = [remove]
    if not isinstance(remove, list) or not all(isinstance(v, str) for v in remove):
        raise SelectorConfigError("remove", "must be a list of CSS or XPath strings")
    removed: list[str] = []
    for value in remove:
        try:
            removed.append(to_xpath(value))
        except ValueError as error:
            raise SelectorConfigError("remove", str(error)) from None
    return SiteSelectors(**fields, remove=tuple(removed))


def _matches(document: lxml_html.HtmlElement, xpath: str) -> list[Any]:
    try:
        found = document.xpath(xpath)
    except etree.XPathError:
        return []
    return found if isinstance(found, list) else [found]


def remove_matches(document: lxml_html.HtmlElement, selectors: SiteSelectors) -> int:
    """Delete what ``remove`` matches from the tree (keeping text that follows it); the count."""
    removed = 0
    for xpath in selectors.remove:
        for match in _matches(document, xpath):
            if isinstance(match, etree._Element) and match.getparent() is not None:
                match.drop_tree()
                removed += 1
    return removed


def select(page: ParsedPage, selectors: SiteSelectors) -> Selected:
    """The fields the selectors find in the page's (already ``remove``d) tree.

    Call before the body extraction, which takes the tree apart. The body keeps the page's
    non-breaking spaces; in the short fields they are plain spaces, as the metadata reads them.
    """
    document = page.document

    def clean(text: str) -> str:
        return " ".join(text.replace(NBSP_STAND_IN, " ").split())

    found = Selected()
    missed: list[str] = []
    if selectors.body:
        paragraphs = [
            page.restore_nbsp(p) for p in paragraphs_of(_matches(document, selectors.body))
        ]
        found.body = [p for p in paragraphs if p] or None
    for name in ("title", "published"):
        xpath = getattr(selectors, name)
        if xpath:
            values = [clean(v) for v in map(_value_of, _matches(document, xpath)) if v]
            setattr(found, name, next((v for v in values if v), None))
    if selectors.authors:
        values = [clean(v) for v in map(_value_of, _matches(document, selectors.authors)) if v]
        found.authors = _names(values) or None
    for name in SELECTOR_FIELDS:
        if getattr(selectors, name) and getattr(found, name) is None:
            missed.append(name)
    found.missed = tuple(missed)
    return found


def paragraphs_of(matches: Iterable[Any]) -> list[str]:
    """Text of the matched elements (or strings) as paragraphs, one per block element.

    An element inside another match is skipped, so ``//div`` on nested divs gives each text
    once. Scripts, styles and buttons are not text.
    """
    elements = [m for m in matches if isinstance(m, etree._Element)]
    chosen = set(elements)
    paragraphs: list[str] = []
    for match in matches:
        if isinstance(match, str):
            paragraphs.append(_collapse(match))
        elif isinstance(match, etree._Element) and not any(
            ancestor in chosen for ancestor in match.iterancestors()
        ):
            lines: list[str] = [""]
            _walk(match, lines)
            paragraphs.extend(_collapse(line) for line in lines)
    return [p for p in paragraphs if p]


def _walk(element: Any, lines: list[str]) -> None:
    tag = element.tag if isinstance(element.tag, str) else ""
    if tag.lower() in SKIPPED_TAGS:
        return
    block = tag.lower() in BLOCK_TAGS
    if block:
        lines.append("")
    if element.text and tag:
        lines[-1] += element.text
    for child in element:
        _walk(child, lines)
        if child.tail:
            lines[-1] += child.tail
    if block:
        lines.append("")


def _value_of(match: Any) -> str:
    if isinstance(match, str):
        return _collapse(match)
    if not isinstance(match, etree._Element):
        return ""
    for attribute in ("content", "datetime"):
        value = match.get(attribute)
        if value and value.strip():
            return _collapse(value)
    return _collapse(" ".join(paragraphs_of([match])))


def _names(values: list[str]) -> list[str]:
    names: list[str] = []
    for value in values:
        for part in NAME_SEPARATORS.split(BY_PREFIX.sub("", value)):
            name = BY_PREFIX.sub("", part.strip())
            if name and name not in names:
                names.append(name)
    return names


def _collapse(text: str) -> str:
    # ASCII white space only: a non-breaking space is the author's (see crawler.extract.page).
    return ASCII_SPACES.sub(" ", text).strip()
