"""One page in, one article record out: metadata, body, and where each field came from.

Pure: it takes the page and what the caller knows (the configured site name, discovery hints
such as a feed's publication date) and returns plain values. Normalizing them (dates to UTC,
URLs to canonical form) is the next pipeline stage's job, so ``*_raw`` values are returned as
the page gave them.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from htmldate import find_date

from crawler.extract.body import Body, extract_body
from crawler.extract.dates import near_day
from crawler.extract.language import detect_language
from crawler.extract.metadata import Metadata, read_metadata
from crawler.extract.page import parse_page

if TYPE_CHECKING:
    from collections.abc import Mapping

    from lxml import html as lxml_html

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
    stays whole.
    """
    try:
        return find_date(document, url=url, original_date=True, extensive_search=extensive)
    except (ValueError, TypeError):
        return None


def extract_article(
    html: str,
    url: str,
    *,
    site_name: str | None = None,
    hints: Mapping[str, str] | None = None,
    template: SiteTemplate | None = None,
) -> dict[str, Any]:
    """Article fields of one page (see ``ArticleItem``) plus ``field_sources``.

    ``site_name`` is the configured name, which wins over what the page says; ``hints`` holds
    what discovery learned before the fetch (``published`` and ``title`` from a feed or news
    sitemap), used where the page itself is silent. ``template`` is what the site's other
    pages taught (``crawler.extract.templates``): its blocks are removed from the body, and
    the removed paragraphs are returned as ``template_removed`` (not an article field).
    """
    page = parse_page(html)
    metadata = read_metadata(page.document, url) if page is not None else Metadata()
    if site_name:
        metadata.values["site_name"] = site_name
        metadata.sources["site_name"] = "sites.toml"

    values = metadata.values
    hints = hints or {}
    # Before the body: trafilatura takes the tree apart, htmldate needs it whole.
    schema_date: str | None = values.get("published_raw")
    if metadata.sources.get("published_raw") not in SCHEMA_DATE_SOURCES:
        schema_date = None
    # schema.org asks for ISO 8601: a date written for people there is a theme's rendering,
    # checked against the dates in the text too.
    thorough = schema_date is not None and not ISO_DATE.match(schema_date)
    htmldate_found = _htmldate(page.document, url, extensive=thorough) if page else None
    if htmldate_found and schema_date and not near_day(schema_date, htmldate_found):
        # More than a day apart (a time zone cannot explain it): htmldate's reading wins.
        del values["published_raw"]
        del metadata.sources["published_raw"]
    if page and not thorough and "published_raw" not in values and not hints.get("published_raw"):
        htmldate_found = _htmldate(page.document, url, extensive=True) or htmldate_found
    body = (
        extract_body(
            page,
            url,
            title=values.get("title"),
            description=values.get("description"),
            description_in_markup=metadata.sources.get("description") == "html:standfirst",
            caption=values.get("image_caption"),
        )
        if page is not None
        else Body(text="")
    )
    if body.date_line:
        metadata.offer("published_raw", body.date_line, "html:date-line")
    for name in ("title", "published_raw"):
        metadata.offer(name, hints.get(name), hints.get("via", "discovery"))
    if "language" not in values:
        metadata.offer("language", detect_language(body.text), "py3langid")
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
    record["body"] = body.text
    record["source"] = body.source
    record["canonical_url"] = values.get("canonical_raw") or values.get("og_url")
    lead_image = {
        key: values.get(f"image_{key}")
        for key in ("url", "caption", "credit")
        if values.get(f"image_{key}")
    }
    record["lead_image"] = lead_image or None
    sources = {
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
    sources["body"] = "trafilatura"
    if template is not None:
        record["body"], record["template_removed"] = template.filter_body(body.text)
        sources["body"] += "+template" if record["template_removed"] else ""
    if body.source:
        sources["source"] = "body:credit-line"
    record["field_sources"] = sources
    return record
