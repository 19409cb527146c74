"""One page in, one article record out: metadata, body, and where each field came from.

Pure: it takes the page and what the caller knows (the configured site name, discovery hints
such as a feed's publication date) and returns plain values. Normalizing them (dates to UTC,
URLs to canonical form) is the next pipeline stage's job, so ``*_raw`` values are returned as
the page gave them.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from dateutil.parser import UnknownTimezoneWarning
from htmldate import find_date

from crawler.extract.access import (
    DEFAULT_MIN_BODY_CHARS,
    AccessSignals,
    decide_access,
    read_signals,
)
from crawler.extract.article_body import article_body_text, plausible_body, visible_text
from crawler.extract.body import Body, clean_paragraphs, extract_body, repeats_body
from crawler.extract.dates import near_day, repairs
from crawler.extract.language import detect_language
from crawler.extract.metadata import Metadata, read_metadata
from crawler.extract.page import parse_page
from crawler.extract.selectors import SOURCE as SELECTOR_SOURCE
from crawler.extract.selectors import remove_matches, select

if TYPE_CHECKING:
    from collections.abc import Mapping

    from lxml import html as lxml_html

    from crawler.extract.page import ParsedPage
    from crawler.extract.selectors import Selected, SiteSelectors
    from crawler.extract.templates import SiteTemplate


# Where a page's schema.org ``datePublished`` was read: JSON-LD or microdata.
SCHEMA_DATE_SOURCES = ("json-ld", "meta:datepublished", "html:itemprop")
ISO_DATE = re.compile(r"^\s*\d{4}-\d{2}-\d{2}")


def _htmldate(document: lxml_html.HtmlElement, url: str, *, extensive: bool) -> str | None:
    """htmldate's best guess at the original publication date.

    It is the check on a schema.org date, which is often a template's or an old revision's:
    htmldate weighs the URL, the head and the visible date elements against each other, in
    about a millisecond. Its ``extensive`` search (dates anywhere in the text, read with
    dateparser) costs a third of the body's extraction, so it runs only where it decides:
    on pages whose markup states no date, and against a schema.org date not written in
    ISO 8601. htmldate copies a tree it is given before pruning it, so the shared tree
    stays whole. htmldate hands strings to dateutil without zone names: a zone it does not
    know ("CEST") warns, and the warning would reach the crawl log once per page.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UnknownTimezoneWarning)
            return find_date(document, url=url, original_date=True, extensive_search=extensive)
    except (ValueError, TypeError):
        return None


def _check_published(
    page: ParsedPage, metadata: Metadata, url: str, hints: Mapping[str, str]
) -> str | None:
    """htmldate's date for the page, after it has overruled a schema.org date it contradicts.

    Runs before the body: trafilatura takes the tree apart, htmldate needs it whole.
    """
    values = metadata.values
    schema_date: str | None = values.get("published_raw")
    if metadata.sources.get("published_raw") not in SCHEMA_DATE_SOURCES:
        schema_date = None
    # schema.org asks for ISO 8601: a date written for people there is a theme's rendering,
    # checked against the dates in the text too.
    thorough = schema_date is not None and not ISO_DATE.match(schema_date)
    found = _htmldate(page.document, url, extensive=thorough)
    if found and schema_date and not near_day(schema_date, found):
        # More than a day apart (a time zone cannot explain it): htmldate's reading wins.
        del values["published_raw"]
        del metadata.sources["published_raw"]
    if not thorough and "published_raw" not in values and not hints.get("published_raw"):
        found = _htmldate(page.document, url, extensive=True) or found
    return found


@dataclass
class PageExtraction:
    """What one page yields on its own, before the site's template is applied.

    Plain, picklable data: a worker process returns it, and the process that holds the site's
    template finishes the record with ``finish_article`` (see ``crawler.extract_pool``).
    """

    record: dict[str, Any]
    sources: dict[str, Any]
    signals: AccessSignals | None
    promised: list[str]


def extract_article(
    html: str,
    url: str,
    *,
    site_name: str | None = None,
    hints: Mapping[str, str] | None = None,
    template: SiteTemplate | None = None,
    selectors: SiteSelectors | None = None,
    min_body_chars: int = DEFAULT_MIN_BODY_CHARS,
) -> dict[str, Any]:
    """Article fields of one page (see ``ArticleItem``) plus ``field_sources``.

    ``site_name`` is the configured name, which wins over what the page says; ``hints`` holds
    what discovery learned before the fetch (``published`` and ``title`` from a feed or news
    sitemap), used where the page itself is silent. ``template`` is what the site's other
    pages taught (``crawler.extract.templates``): its blocks are removed from the body, and
    the removed paragraphs are returned as ``template_removed`` (not an article field).
    ``selectors`` are the site's own (``crawler.extract.selectors``): they win over every
    heuristic. ``min_body_chars`` is the shortest whole article, for ``access``.
    """
    found = extract_page(html, url, site_name=site_name, hints=hints, selectors=selectors)
    return finish_article(found, template, min_body_chars=min_body_chars)


def extract_page(
    html: str,
    url: str,
    *,
    site_name: str | None = None,
    hints: Mapping[str, str] | None = None,
    selectors: SiteSelectors | None = None,
) -> PageExtraction:
    """The page's own share of ``extract_article``: everything but the site template.

    It is the costly part (parsing, metadata, trafilatura, htmldate), and it needs nothing
    that other pages change, so it can run in another process.
    """
    page = parse_page(html)
    if page is not None and selectors:
        remove_matches(page.document, selectors)
    metadata = read_metadata(page.document, url) if page is not None else Metadata()
    chosen = select(page, selectors) if page is not None and selectors else None
    if chosen is not None:
        _apply_selected(metadata, chosen)
    article = metadata.article
    signals = read_signals(page.document, article) if page is not None else None
    promised = article_body_text(article.get("articleBody")) if article else []
    # Read before the body extraction, which takes the tree apart.
    visible = visible_text(page.document) if page is not None and promised else ""
    if site_name:
        metadata.values["site_name"] = site_name
        metadata.sources["site_name"] = "sites.toml"

    values = metadata.values
    hints = hints or {}
    htmldate_found = _check_published(page, metadata, url, hints) if page is not None else None
    body_source = "trafilatura"
    if chosen is not None and chosen.body:
        body, body_source = Body(text="\n\n".join(chosen.body)), SELECTOR_SOURCE
    elif page is None:
        body = Body(text="")
    else:
        body = extract_body(
            page,
            url,
            title=values.get("title"),
            description=values.get("description"),
            description_in_markup=metadata.sources.get("description") == "html:standfirst",
            caption=values.get("image_caption"),
        )
        used = plausible_body([page.restore_nbsp(p) for p in promised], body.text, visible)
        if used is not None:
            body = clean_paragraphs(
                used, title=values.get("title"), caption=values.get("image_caption")
            )
            body_source, promised = "json-ld", []
    if body.date_line:
        metadata.offer("published_raw", body.date_line, "html:date-line")
    for name in ("title", "published_raw"):
        metadata.offer(name, hints.get(name), hints.get("via", "discovery"))
    if "language" not in values:
        metadata.offer("language", detect_language(body.text), "py3langid")
    if not repairs(metadata.unparsed.get("published_raw"), htmldate_found):
        metadata.offer("published_raw", htmldate_found, "htmldate")
    record: dict[str, Any] = {
        name: values.get(name)
        for name in (
            "title",
            "description",
            "authors",
            "published_raw",
            "modified_raw",
            "language",
            "section",
            "tags",
            "site_name",
            "access",
        )
    }
    for name in ("published_raw", "modified_raw"):
        record[name] = record[name] or metadata.unparsed.get(name)
    record["body"] = body.text
    if record["description"] and repeats_body(record["description"], body.text):
        # An excerpt of the text (a meta description cut from the first paragraph) is not a
        # standfirst: the text already holds it, where the article has it.
        record["description"] = None
        metadata.sources.pop("description", None)
    record["source"] = body.source
    record["canonical_url"] = values.get("canonical_raw") or values.get("og_url")
    lead_image = {
        key: values.get(f"image_{key}")
        for key in ("url", "caption", "credit")
        if values.get(f"image_{key}")
    }
    record["lead_image"] = lead_image or None
    sources: dict[str, Any] = {
        name: metadata.sources[key]
        for name, key in (
            ("title", "title"),
            ("description", "description"),
            ("authors", "authors"),
            ("published", "published_raw"),
            ("modified", "modified_raw"),
            ("language", "language"),
            ("section", "section"),
            ("tags", "tags"),
            ("site_name", "site_name"),
            ("canonical_url", "canonical_raw"),
            ("lead_image", "image_url"),
        )
        if key in metadata.sources
    }
    sources["body"] = body_source
    if chosen is not None and chosen.missed:
        sources["selector_missed"] = list(chosen.missed)
    return PageExtraction(record=record, sources=sources, signals=signals, promised=promised)


def finish_article(
    found: PageExtraction,
    template: SiteTemplate | None = None,
    *,
    min_body_chars: int = DEFAULT_MIN_BODY_CHARS,
) -> dict[str, Any]:
    """The record of ``extract_article``: ``found`` with ``template`` applied and access decided.

    Access is decided here because it reads the body without its template blocks.
    """
    record, sources = dict(found.record), dict(found.sources)
    if template is not None:
        record["body"], record["template_removed"] = template.filter_body(record["body"])
        sources["body"] += "+template" if record["template_removed"] else ""
    if found.signals is not None:
        record["access"], why = decide_access(
            found.signals,
            record["body"],
            promised_body="\n".join(found.promised),
            min_body_chars=min_body_chars,
        )
        if why:
            sources["access"] = why
    if record["source"]:
        sources["source"] = "body:credit-line"
    record["field_sources"] = sources
    return record


def _apply_selected(metadata: Metadata, chosen: Selected) -> None:
    """The site's selectors win over what the metadata readers found."""
    for name, value in (
        ("title", chosen.title),
        ("published_raw", chosen.published),
        ("authors", chosen.authors),
    ):
        if value:
            metadata.values[name] = value
            metadata.sources[name] = SELECTOR_SOURCE
