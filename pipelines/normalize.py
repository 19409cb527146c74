"""Stage 2: every field in one canonical form, so SQL over the archive compares like with like.

Dates become ISO 8601 in UTC (``+00:00``; the page's own string stays in ``*_raw``), authors and
tags become de-duplicated lists, text is Unicode NFC with collapsed white space and capped
lengths, the language is a lower-case primary subtag ("en"), and the canonical URL is kept
only when it points into the same site and names an article: a page may not claim another
site's identity, nor the identity of the site's home page or a section (``names_a_listing``).
An untrusted canonical URL becomes NULL rather than being kept beside a flag: the column is
an identity (the store makes it an alias in ``article_urls``), and the raw page keeps what
the page declared.
"""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlparse

from itemadapter import ItemAdapter

from crawler.extract.dates import parse_date
from crawler.items import ARTICLE_COLUMNS
from crawler.sites import Site, load_sites
from crawler.urls import host_of, identity_url

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from typing_extensions import Self

MAX_TITLE_CHARS = 1_000
MAX_DESCRIPTION_CHARS = 5_000
MAX_LIST_ENTRIES = 50
WORD = re.compile(r"\w+")
# Canonical URLs that name a listing, not an article (names_a_listing).
HOME_PATH = re.compile(r"/*((index|default|home)\.(html?|php|aspx?))?", re.IGNORECASE)
LISTING_PATH = re.compile(
    r"/(category|categories|tag|tags|topic|topics|section|sections|author|authors|archive|"
    r"archives)(/[^/]+)?/?$|/page/\d+/?$",
    re.IGNORECASE,
)


def clean_text(value: Any, limit: int | None = None) -> str | None:
    """One line of text: NFC, white space collapsed, at most ``limit`` characters."""
    if not isinstance(value, str):
        return None
    text = " ".join(unicodedata.normalize("NFC", value).split())
    if limit and len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text or None


INLINE_SPACE = re.compile(r"[ \t\f\v]+")  # runs of white space within a line
PARAGRAPH_BREAK = re.compile(r"\n\s*\n")


def clean_body(value: Any) -> str:
    """Paragraphs separated by one blank line, NFC; non-breaking spaces inside lines kept."""
    if not isinstance(value, str):
        return ""
    text = INLINE_SPACE.sub(" ", unicodedata.normalize("NFC", value).replace("\r\n", "\n"))
    paragraphs = (p.strip() for p in PARAGRAPH_BREAK.split(text))
    return "\n\n".join(p for p in paragraphs if p)


def clean_list(values: Any) -> list[str]:
    """A de-duplicated list of short texts (authors, tags), in the page's order."""
    if isinstance(values, str):
        values = [values]
    if not isinstance(values, list):
        return []
    cleaned: list[str] = []
    for value in values:
        text = clean_text(value, 200)
        if text and text.casefold() not in {c.casefold() for c in cleaned}:
            cleaned.append(text)
    return cleaned[:MAX_LIST_ENTRIES]


def language_code(value: Any) -> str | None:
    """ "en-US", "en_GB", "EN" -> "en"."""
    text = clean_text(value, 40)
    if not text:
        return None
    primary = re.split(r"[-_]", text)[0].lower()
    return primary if re.fullmatch(r"[a-z]{2,3}", primary) else None


def trusted_canonical(canonical: Any, page_url: str, site: Site | None) -> str | None:
    """The page's canonical URL, absolute, if it stays on the page's own site."""
    if not isinstance(canonical, str) or not canonical.strip():
        return None
    try:
        absolute = urljoin(page_url, canonical.strip())
    except ValueError:
        return None
    host = host_of(absolute)
    if not host or urlparse(absolute).scheme not in ("http", "https"):
        return None
    same_host = host == host_of(page_url)
    if not same_host and not (site is not None and site.owns(absolute)):
        return None
    if names_a_listing(absolute, page_url, site):
        return None
    return identity_url(absolute)


def names_a_listing(url: str, page_url: str, site: Site | None) -> bool:
    """True when a canonical URL names the home page, a section or a listing, not an article.

    Broken themes declare the home page (or the section) as every article's canonical URL;
    trusted, it would make every article of the site one article (``article_urls``). Such a
    URL is: a path with nothing in it (``/``, ``/index.html``); a path the page's own URL
    lies under (``/news/`` for ``/news/2026/11/x.html``: a section of the page); a tag,
    category, author, topic or section page, or a numbered page of a listing; or one of the
    site's own start URLs, feeds and sitemaps (sites.toml).
    """
    path = urlparse(url).path or "/"
    if HOME_PATH.fullmatch(path) or LISTING_PATH.search(path):
        return True
    folder = path if path.endswith("/") else path + "/"
    page_path = urlparse(page_url).path or "/"
    if page_path != path and page_path.startswith(folder):
        return True
    if site is not None:
        listings = {identity_url(u) for u in (*site.start_urls, *site.feeds, *site.sitemaps)}
        return identity_url(url) in listings
    return False


def normalize_record(record: dict[str, Any], site: Site | None = None) -> dict[str, Any]:
    """All field rules above, applied to one article's values."""
    timezone = site.timezone if site else "UTC"
    page_url = record["url"]
    out = dict(record)
    out["title"] = clean_text(record.get("title"), MAX_TITLE_CHARS)
    out["description"] = clean_text(record.get("description"), MAX_DESCRIPTION_CHARS)
    out["site_name"] = clean_text(record.get("site_name"), 200) or record.get("site")
    out["section"] = clean_text(record.get("section"), 200)
    out["source"] = clean_text(record.get("source"), 200)
    out["authors"] = clean_list(record.get("authors"))
    out["tags"] = clean_list(record.get("tags"))
    out["body"] = clean_body(record.get("body"))
    out["word_count"] = len(WORD.findall(out["body"]))
    out["language"] = language_code(record.get("language"))
    for name in ("published", "modified"):
        raw = clean_text(record.get(f"{name}_raw"), 200)
        out[f"{name}_raw"] = raw
        out[name] = parse_date(raw, timezone)
    out["canonical_url"] = trusted_canonical(record.get("canonical_url"), page_url, site)
    image = record.get("lead_image")
    if isinstance(image, dict):
        image = {key: clean_text(value, 2000) for key, value in image.items() if value}
        if image.get("url"):
            image["url"] = urljoin(page_url, image["url"])
        out["lead_image"] = image or None
    out["access"] = record.get("access") or "open"
    return out


class NormalizeFieldsPipeline:
    def __init__(self, sites: dict[str, Site] | None = None) -> None:
        self.sites = sites or {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        spider_site = getattr(crawler.spider, "site", None)
        if isinstance(spider_site, Site):
            return cls({spider_site.slug: spider_site})
        sites = getattr(crawler.spider, "sites", None)
        if isinstance(sites, dict):
            return cls(sites)
        try:
            return cls(load_sites(crawler.settings.get("ARCHIVE_SITES")))
        except ValueError:
            return cls({})

    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        record = {name: adapter.get(name) for name in ARTICLE_COLUMNS}
        record = normalize_record(record, self.sites.get(str(adapter.get("site"))))
        for name, value in record.items():
            adapter[name] = value
        return item
