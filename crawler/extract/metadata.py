"""Article metadata from the markup: JSON-LD first, then Open Graph, then plain meta tags.

Each field comes from the most deliberate source the page offers: JSON-LD is written for
machines, Open Graph for social cards, ``<meta name>`` tags are older and noisier, and the
visible markup (``<h1>``, ``<time>``, a theme's date line) is the last resort. Every value is
returned with the name of its source, so ``field_sources`` can tell a reader how far to trust it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from crawler.extract import authors, jsonld, titles
from crawler.extract.dates import date_in_line, parse_date
from crawler.extract.text import clean, collapse

if TYPE_CHECKING:
    from lxml import html as lxml_html

TITLE_SEPARATORS = re.compile(r"\s+[|\-–—·:»]\s+")
CREDIT_PATTERN = re.compile(
    r"\s*[\(\[]?\s*(?:photo(?:graph)?|image|picture|credit|courtesy)s?(?:\s+by)?\s*[:/]\s*"
    r"(?P<credit>[^()\[\]]{2,120}?)\s*[\)\]]?\s*\.?\s*$",
    re.IGNORECASE,
)
DATE_FIELDS = ("published_raw", "modified_raw")
STANDFIRST_CLASSES = (
    "standfirst",
    "excerpt",
    "dek",
    "subtitle",
    "subheadline",
    "summary",
    "lede",
    "intro",
    "article-summary",
    "strapline",
)


@dataclass
class Metadata:
    """Field values and, for each, where it came from."""

    values: dict[str, Any] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)
    is_article_markup: bool = False
    # The page's JSON-LD article object as parsed, for readers of fields kept whole
    # (``articleBody``, ``wordCount``, ``isAccessibleForFree``).
    article: dict[str, Any] | None = None
    # The first date string of each date field that did not parse ("yesterday"): kept as the
    # field's raw value when no source gives one that does, so the page's words are not lost.
    unparsed: dict[str, str] = field(default_factory=dict)

    def offer(self, name: str, value: Any, source: str) -> None:
        """Keep ``value`` unless the field already has one from a better source.

        A date that does not parse ("Dec 23" without a year) is passed over, so that a later
        source (the next tag, htmldate) can still give one.
        """
        if name in self.values or value in (None, "", [], {}):
            return
        if name in DATE_FIELDS and parse_date(value) is None:
            if isinstance(value, str) and value.strip():
                self.unparsed.setdefault(name, value)
            return
        self.values[name] = value
        self.sources[name] = source


def read_metadata(document: lxml_html.HtmlElement, url: str | None = None) -> Metadata:
    """Everything the head and markup say about the article, best source first.

    ``url`` is where the page was fetched: its host name's words help tell the site's name
    from the headline in a title.
    """
    found = Metadata()
    objects = jsonld.parse_blocks(document.xpath('//script[@type="application/ld+json"]/text()'))
    article = jsonld.article_object(objects)
    found.article = article
    meta = _meta_tags(document)
    if article is not None:
        found.is_article_markup = True
    if meta.get("og:type", [""])[0].lower() == "article":
        found.is_article_markup = True
    site = _title(found, document, article, objects, meta, url)
    named = [(authors.from_meta(meta, site), "meta:author"), authors.from_markup(document, site)]
    if article is not None:
        named.insert(0, (authors.from_jsonld(article, objects, site), "json-ld"))
        _from_jsonld(found, article, objects)
    found.offer("authors", *authors.choose(named))
    _from_meta(found, meta)
    _from_markup(found, document)
    return found


def _title(
    found: Metadata,
    document: lxml_html.HtmlElement,
    article: dict[str, Any] | None,
    objects: list[dict[str, Any]],
    meta: dict[str, list[str]],
    url: str | None,
) -> set[str]:
    """Offers the title; returns the site's name keys (``titles.site_keys``)."""
    names = [m for name in ("og:site_name", "application-name") for m in meta.get(name, [])]
    names += authors.site_keys_of(objects)
    if article is not None:
        publisher = article.get("publisher")
        for entry in publisher if isinstance(publisher, list) else [publisher]:
            if isinstance(entry, dict):
                names.append(_text(entry.get("name")) or "")
    keys = titles.site_keys(names, url)
    headline = None
    if article is not None:
        headline = _text(article.get("headline")) or _text(article.get("name"))
    candidates = [
        ("json-ld", headline),
        ("meta:og:title", meta.get("og:title", [None])[0]),
        ("meta:twitter:title", meta.get("twitter:title", [None])[0]),
        ("html:title", document.findtext(".//title")),
    ]
    news = article is not None and bool(jsonld.types_of(article) & jsonld.NEWS_TYPES)
    title, source = titles.choose_title(
        candidates, titles.headings(document, keys), keys, news=news
    )
    found.offer("title", title, source)
    return keys


def _meta_tags(document: lxml_html.HtmlElement) -> dict[str, list[str]]:
    tags: dict[str, list[str]] = {}
    for element in document.iter("meta"):
        key = element.get("property") or element.get("name") or element.get("itemprop") or ""
        content = element.get("content")
        if key and content and content.strip():
            tags.setdefault(key.strip().lower(), []).append(content.strip())
    return tags


def _from_jsonld(found: Metadata, article: dict[str, Any], objects: list[dict[str, Any]]) -> None:
    source = "json-ld"
    found.offer("description", _text(article.get("description")), source)
    found.offer("published_raw", _text(article.get("datePublished")), source)
    found.offer("modified_raw", _text(article.get("dateModified")), source)
    found.offer("section", _first_text(article.get("articleSection")), source)
    found.offer("tags", _keywords(article.get("keywords")), source)
    found.offer("language", _text(article.get("inLanguage")), source)
    publisher = article.get("publisher")
    if isinstance(publisher, list):
        publisher = publisher[0] if publisher else None
    if isinstance(publisher, dict):
        found.offer("site_name", _text(publisher.get("name")), source)
    website = next((o for o in objects if "WebSite" in jsonld.types_of(o)), None)
    if website:
        found.offer("site_name", _text(website.get("name")), source)
    found.offer("image_url", _image_url(article.get("image")), source)
    url = article.get("url") or _id_of(article.get("mainEntityOfPage"))
    found.offer("jsonld_url", _text(url), source)
    if article.get("isAccessibleForFree") in (False, "False", "false"):
        found.offer("access", "paywalled", source)


def _from_meta(found: Metadata, meta: dict[str, list[str]]) -> None:
    def first(*keys: str) -> tuple[str | None, str]:
        for key in keys:
            if key in meta:
                return meta[key][0], key
        return None, ""

    for name, keys in (
        ("description", ("og:description", "description", "twitter:description")),
        (
            "published_raw",
            (
                "article:published_time",
                "og:article:published_time",
                "og:published_time",
                "article.published",
                "datepublished",
                "pubdate",
                "publishdate",
                "publish-date",
                "publish_date",
                "parsely-pub-date",
                "sailthru.date",
                "dc.date.issued",
                "dcterms.issued",
                "dc.date",
                "dcterms.date",
                "citation_publication_date",
                "citation_date",
                "date",
            ),
        ),
        ("modified_raw", ("article:modified_time", "og:updated_time", "last-modified")),
        ("site_name", ("og:site_name", "application-name")),
        ("section", ("article:section", "section")),
        ("image_url", ("og:image", "twitter:image")),
        ("og_url", ("og:url",)),
        ("language", ("og:locale", "content-language", "language", "dc.language")),
    ):
        if name in DATE_FIELDS:  # the next tag when one does not parse
            for key in keys:
                found.offer(name, meta.get(key, [None])[0], f"meta:{key}")
            continue
        value, key = first(*keys)
        found.offer(name, value, f"meta:{key}")
    found.offer("tags", meta.get("article:tag"), "meta:article:tag")
    keywords, key = first("keywords", "news_keywords")
    found.offer("tags", _keywords(keywords), f"meta:{key}")


def _from_markup(found: Metadata, document: lxml_html.HtmlElement) -> None:
    language = document.get("lang") or document.get("xml:lang")
    found.offer("language", language, "html:lang")
    canonical = document.xpath('//link[@rel="canonical"]/@href')
    found.offer("canonical_raw", canonical[0].strip() if canonical else None, "link:canonical")
    page_title = document.findtext(".//title")
    found.offer("page_title", _collapse(page_title or ""), "html:title")
    found.offer("site_name", _site_name_from_title(_collapse(page_title or "")), "html:title")
    for element in document.xpath("//*[@itemprop='datePublished']"):
        value = element.get("content") or element.get("datetime") or element.text_content()
        found.offer("published_raw", _collapse(value), "html:itemprop")
    times = document.xpath("//article//time/@datetime | //time[@pubdate]/@datetime")
    for value in times:
        found.offer("published_raw", value.strip(), "html:time")
    found.offer("description", _standfirst(document), "html:standfirst")
    found.offer("published_raw", _date_line(document), "html:date-line")
    found.offer("tags", _unique_texts(document.xpath('//a[@rel="tag"]')), "html:rel-tag")
    caption, credit = _lead_caption(document)
    found.offer("image_caption", caption, "html:figcaption")
    found.offer("image_credit", credit, "html:figcaption")
    images = document.xpath("//article//figure//img/@src | //figure//img/@src")
    found.offer("image_url", images[0] if images else None, "html:figure")


def _lead_caption(document: lxml_html.HtmlElement) -> tuple[str | None, str | None]:
    captions = document.xpath("//figure//figcaption | //*[contains(@class, 'wp-caption-text')]")
    if not captions:
        return None, None
    figure = captions[0]
    credit_nodes = figure.xpath(".//*[contains(@class, 'credit')]")
    credit = _collapse(credit_nodes[0].text_content()) if credit_nodes else None
    text = _collapse(figure.text_content())
    if credit:
        text = _collapse(text.replace(credit, ""))
        credit = (
            CREDIT_PATTERN.sub(lambda m: m.group("credit"), credit)
            if CREDIT_PATTERN.match(credit)
            else credit
        )
    match = CREDIT_PATTERN.search(text)
    if match:
        credit = credit or match.group("credit").strip()
        text = text[: match.start()].strip()
    return (text or None), (credit or None)


def _standfirst(document: lxml_html.HtmlElement) -> str | None:
    classes = " or ".join(f"contains(@class, '{name}')" for name in STANDFIRST_CLASSES)
    for element in document.xpath(f"//p[{classes}] | //div[{classes}] | //h2[{classes}]"):
        text = _collapse(element.text_content())
        if 20 <= len(text) <= 600:
            return text
    return None


def _date_line(document: lxml_html.HtmlElement) -> str | None:
    """A theme's visible date line ("Published on …", "Posted March 3, 2026")."""
    for element in document.xpath("//body//*[self::p or self::span or self::div or self::small]"):
        text = _collapse(element.text_content())
        if 8 <= len(text) <= 100:
            found = date_in_line(text)
            if found:
                return found
    return None


def _keywords(value: Any) -> list[str]:
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, list):
        return []
    return [k.strip() for k in value if isinstance(k, str) and k.strip()]


def _image_url(value: Any) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("url") or value.get("contentUrl")
    return value.strip() if isinstance(value, str) and value.strip() else None


def _id_of(value: Any) -> Any:
    return value.get("@id") if isinstance(value, dict) else value


def _text(value: Any) -> str | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(int(value))
    return clean(value) or None if isinstance(value, str) else None


def _first_text(value: Any) -> str | None:
    return _text(value[0] if isinstance(value, list) and value else value)


def _unique_texts(elements: list[Any]) -> list[str]:
    texts: list[str] = []
    for element in elements:
        text = _collapse(element.text_content())
        if text and text not in texts:
            texts.append(text)
    return texts


def _collapse(text: str) -> str:
    # The page was parsed with non-breaking spaces as a stand-in (see crawler.extract.page).
    return collapse(text)


def _title_parts(page_title: str) -> list[str]:
    return [part for part in TITLE_SEPARATORS.split(page_title) if part]


def _site_name_from_title(page_title: str) -> str | None:
    parts = _title_parts(page_title)
    return parts[-1] if len(parts) > 1 and len(parts[-1]) < 60 else None
