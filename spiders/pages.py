"""What every spider does with a fetched page: tell articles from the rest, wrap them as items.

Telling an article from a section, tag or author page uses what sites say about themselves
first (``og:type``, JSON-LD ``@type``, WordPress body classes), then the URL. Index pages are
followed for links but never archived, so a tag page full of teasers does not become a
"article" made of other articles' first sentences.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from scrapy.http import HtmlResponse, TextResponse, XmlResponse

from crawler.clock import now_iso
from crawler.items import ArticleItem, FetchedPage

if TYPE_CHECKING:
    from scrapy.http import Response

    from crawler.sites import Site

ARTICLE_LD_TYPES = re.compile(
    r'"@type"\s*:\s*\[?\s*"(?:News|Reportage|Analysis|Opinion|Review|Background)?Article"'
    r'|"@type"\s*:\s*\[?\s*"(?:BlogPosting|LiveBlogPosting)"'
)
LISTING_LD_TYPES = re.compile(r'"@type"\s*:\s*"(?:CollectionPage|ProfilePage|SearchResultsPage)"')
LISTING_URL = re.compile(
    r"/(?:tag|tags|topic|topics|author|authors|category|categories|section|sections|page|"
    r"search|archive|archives|feed)(?:/|$)|[?&](?:page|s|q)=",
    re.IGNORECASE,
)
DATED_ARTICLE_URL = re.compile(r"/(?:19|20)\d{2}/[01]?\d/(?:[0-3]?\d/)?[^/?#]*[a-z][^/?#]*-[^/?#]+")
WP_SINGLE_POST = re.compile(r"\bsingle-post\b|\bsingle-format-")
KEPT_HEADERS = ("content-type", "last-modified", "etag", "date", "content-language")


def is_html(response: Response) -> bool:
    """True for an HTML page; feeds, images, PDFs and JSON are not articles."""
    if isinstance(response, HtmlResponse):
        return True
    if isinstance(response, XmlResponse) or not isinstance(response, TextResponse):
        return False
    return "html" in header(response, "Content-Type").lower()


def header(response: Response, name: str) -> str:
    """A response header as text ('' when absent); header bytes are Latin-1 by HTTP's rules."""
    value = response.headers.get(name)
    return value.decode("latin-1") if value else ""


def looks_like_article(response: TextResponse, site: Site) -> bool:
    """Whether the page is an article of ``site`` (see the module docstring for the order)."""
    url = response.url
    if site.is_denied(url):
        return False
    if site.is_allowed_article(url):
        return True
    og_type = (response.xpath("//meta[@property='og:type']/@content").get() or "").strip().lower()
    if og_type == "article":
        return True
    scripts = " ".join(response.xpath("//script[@type='application/ld+json']/text()").getall())
    if ARTICLE_LD_TYPES.search(scripts):
        return True
    if og_type or LISTING_LD_TYPES.search(scripts) or LISTING_URL.search(url):
        return False
    body_class = response.xpath("//body/@class").get() or ""
    if WP_SINGLE_POST.search(body_class):
        return True
    return bool(DATED_ARTICLE_URL.search(url)) and bool(response.xpath("//h1"))


def article_item(
    response: TextResponse, site_slug: str, site_name: str | None, hints: dict[str, str]
) -> ArticleItem:
    """The item a spider yields: the raw page; the pipeline stages fill in the rest."""
    redirects = response.request.meta.get("redirect_urls", []) if response.request else []
    headers = {name: header(response, name) for name in KEPT_HEADERS if header(response, name)}
    page = FetchedPage(
        url=response.url,
        status=response.status,
        headers=headers,
        body=response.body,
        text=response.text,
        fetched_at=now_iso(),
        requested_url=redirects[0] if redirects else response.url,
        hints=hints,
    )
    return ArticleItem(url=response.url, site=site_slug, site_name=site_name, page=page)
