"""What every spider does with a fetched page: tell articles from the rest, wrap them as items.

Telling an article from a section, tag or author page weighs what the page says about itself
(``og:type``, JSON-LD ``@type``, WordPress body classes, its URL) against what discovery knew
before the fetch. A page that a feed entry or a Google News sitemap lists is an article unless
the page itself says it is a listing: collection markup (JSON-LD ``CollectionPage``,
``ProfilePage``, ``SearchResultsPage``), a listing URL (``/tag/``, ``/page/2/``, the site's
home page), or many teasers and no body (see ``teasers_without_body``). A feed is the site
saying "this is a new story", and many stories live at URLs with no date and pages with no
``og:type``. A plain sitemap is no such evidence: it lists every page of a site, its about and
contact pages included. A page nobody listed needs a signal of its own (``og:type`` article,
JSON-LD ``NewsArticle``/``Article``/``BlogPosting``, a WordPress single post, or a dated URL
and a headline).

The two signals that most articles carry, ``og:type`` and JSON-LD, live in the page's
``<head>``: it alone is parsed first, and only a page it does not settle is parsed whole.
Extraction parses every article page again on its own, so a whole parse here (a few
milliseconds for a real 250 KB page, in the crawl's process even when extraction runs in
workers) was spent twice.

Index pages are followed for links but never archived, so a tag page full of teasers does not
become an "article" made of other articles' first sentences. Every page that is not archived
gets a reason (``Verdict.reason``), which the spider counts as ``archive/skipped/<reason>``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urldefrag, urljoin, urlparse

from parsel import Selector
from scrapy.http import HtmlResponse, TextResponse, XmlResponse

from crawler.charset import response_text
from crawler.clock import now_iso
from crawler.items import ArticleItem, FetchedPage

if TYPE_CHECKING:
    from scrapy.http import Response

    from crawler.sites import Site

# Article and its news kinds: schema.org's NewsArticle subtypes are ReportageNewsArticle,
# AnalysisNewsArticle, OpinionNewsArticle and so on (a BBC explainer says the first).
ARTICLE_LD_TYPES = re.compile(
    r'"@type"\s*:\s*\[?\s*"(?:[A-Za-z]*News|Reportage|Analysis|Opinion|Review|Background)?'
    r'Article"'
    r'|"@type"\s*:\s*\[?\s*"(?:BlogPosting|LiveBlogPosting)"'
)
LISTING_LD_TYPES = re.compile(r'"@type"\s*:\s*"(?:CollectionPage|ProfilePage|SearchResultsPage)"')
LISTING_URL = re.compile(
    r"/(?:tag|tags|topic|topics|author|authors|category|categories|section|sections|page|"
    r"search|archive|archives|feed)(?:/|$)|[?&](?:page|s|q)=",
    re.IGNORECASE,
)
DATED_ARTICLE_URL = re.compile(r"/(?:19|20)\d{2}/[01]?\d/(?:[0-3]?\d/)?[^/?#]*[a-z][^/?#]*-[^/?#]+")
HEAD_END = re.compile(r"</head\s*>|<body[\s>]", re.IGNORECASE)
OG_TYPE_XPATH = "//meta[@property='og:type']/@content"
LD_JSON_XPATH = "//script[@type='application/ld+json']/text()"
WP_SINGLE_POST = re.compile(r"\bsingle-post\b|\bsingle-format-")
# Discovery that lists a URL as an article (the ``listed_by`` request meta): feed entries and
# Google News sitemap entries. A plain sitemap lists every page, so it is not among them.
ARTICLE_LISTINGS = frozenset({"feed", "news-sitemap"})
# "Many teasers and no body": at least MIN_TEASERS other pages linked from headings (h2-h6:
# h1 is the page's own headline or the site's name), and no run of paragraph text as long as
# MIN_BODY_RUN_CHARS. Measured on 1,011 article pages of the extraction benchmarks: 4 of them
# have both, and 2 of those 4 say og:type article, which decides before this test is reached.
TEASER_HEADINGS = ("h2", "h3", "h4", "h5", "h6")
TEASER_LINKS_XPATH = (
    "//a[@href]["
    + " or ".join(
        [f"ancestor::{h}" for h in TEASER_HEADINGS] + [f".//{h}" for h in TEASER_HEADINGS]
    )
    + "]"
)
MIN_TEASERS = 5
MIN_BODY_RUN_CHARS = 300
LOOSE_TEXT_SKIPPED_TAGS = frozenset({"script", "style", "head", "title", "a", "p"})
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


@dataclass(frozen=True)
class Verdict:
    """Whether a page is an article, and the signal that decided.

    ``reason`` names the signal for an article (``og_type``, ``listed``, ...) and, for any
    other page, why it is skipped: ``denied`` (a ``deny`` rule of the site), ``listing_markup``
    (collection JSON-LD), ``listing_url``, ``teasers`` (many teasers and no body),
    ``non_article_markup`` (an unlisted page whose ``og:type`` is not article) or
    ``no_article_signal``.
    """

    article: bool
    reason: str


def article_verdict(response: TextResponse, site: Site, listed_by: str | None = None) -> Verdict:
    """Whether the page is an article of ``site`` (see the module docstring for the order).

    ``listed_by`` is how discovery found the URL (``feed``, ``news-sitemap``, ``sitemap``, or
    ``None`` for a link on a page); a listing in ``ARTICLE_LISTINGS`` makes the page an article
    unless the page shows one of the listing signals.
    """
    url = response.url
    if site.is_denied(url):
        return Verdict(False, "denied")
    if site.is_allowed_article(url):
        return Verdict(True, "allow")
    if (settled := _head_verdict(response.text)) is not None:
        return settled
    settled, declared, scripts = _markup_verdict(response.selector)
    if settled is not None:
        return settled
    og_type = (declared or "").strip().lower()
    if LISTING_LD_TYPES.search(scripts):
        return Verdict(False, "listing_markup")
    if is_listing_url(url):
        return Verdict(False, "listing_url")
    if listed_by in ARTICLE_LISTINGS:
        # og:type website alone does not overrule the listing: many sites set it on every page.
        if teasers_without_body(response):
            return Verdict(False, "teasers")
        return Verdict(True, "listed")
    if og_type:
        return Verdict(False, "non_article_markup")
    body_class = response.xpath("//body/@class").get() or ""
    if WP_SINGLE_POST.search(body_class):
        return Verdict(True, "wordpress_single")
    if DATED_ARTICLE_URL.search(url) and response.xpath("//h1"):
        return Verdict(True, "dated_url")
    return Verdict(False, "no_article_signal")


def _head_verdict(text: str) -> Verdict | None:
    """``og_type`` or ``json_ld`` when the ``<head>`` alone says article, else None.

    Only these positive answers are taken from the head, and only when it has an ``og:type``:
    then it is the page's first, and the head's JSON-LD is the start of the page's, so the
    whole page gives the same verdict for the same reason (see ``article_verdict``).
    Anything else is left to the whole page.
    """
    end = HEAD_END.search(text)
    if end is None:
        return None
    head = Selector(text=text[: end.start()] or "<head></head>", type="html")
    settled, declared, _ = _markup_verdict(head)
    return settled if declared is not None else None  # else the first og:type may come later


def _markup_verdict(page: Selector) -> tuple[Verdict | None, str | None, str]:
    """What the markup says first: ``og_type`` or ``json_ld`` for an article, else None;
    with the first ``og:type`` (None: there is none) and the JSON-LD text read for it."""
    declared = page.xpath(OG_TYPE_XPATH).get()
    if (declared or "").strip().lower() == "article":
        return Verdict(True, "og_type"), declared, ""
    scripts = " ".join(page.xpath(LD_JSON_XPATH).getall())
    if ARTICLE_LD_TYPES.search(scripts):
        return Verdict(True, "json_ld"), declared, scripts
    return None, declared, scripts


def looks_like_article(response: TextResponse, site: Site, listed_by: str | None = None) -> bool:
    """Whether the page is an article of ``site``; ``article_verdict`` says why."""
    return article_verdict(response, site, listed_by).article


def is_listing_url(url: str) -> bool:
    """A tag, author, section, search or page-N URL, or the site's home page."""
    parts = urlparse(url)
    return (parts.path in ("", "/") and not parts.query) or bool(LISTING_URL.search(url))


def teasers_without_body(response: TextResponse) -> bool:
    """Many teasers and no body: the page is a list of links to other stories.

    Teasers are the distinct other pages linked from headings (``<h3><a>`` or ``<a><h3>``);
    the body is the longest run of paragraph text, that is the text of the ``<p>`` children of
    one element, or the loose text (beside ``<br>``) of one element. An article's paragraphs
    share a parent; a listing cuts its text into one short excerpt per teaser card. An article
    with a "most read" box of linked headings still has its body, so it is not a listing.
    """
    return (
        len(teaser_targets(response)) >= MIN_TEASERS
        and longest_text_run(response) < MIN_BODY_RUN_CHARS
    )


def teaser_targets(response: TextResponse) -> set[str]:
    """The other pages this page links from headings (fragments dropped, itself excluded)."""
    own = urldefrag(response.url)[0]
    targets = set()
    for href in response.xpath(TEASER_LINKS_XPATH + "/@href").getall():
        href = href.strip()
        if not href or href.startswith(("#", "javascript:", "mailto:")):
            continue
        target = urldefrag(urljoin(response.url, href))[0]
        if target != own:
            targets.add(target)
    return targets


def longest_text_run(response: TextResponse) -> int:
    """Characters in the page's longest run of paragraph text (see ``teasers_without_body``)."""
    root: Any = response.selector.root
    runs: dict[Any, int] = {}
    for paragraph in root.iter("p"):
        parent = paragraph.getparent()
        if parent is None or any(a.tag == "a" for a in paragraph.iterancestors()):
            continue  # a paragraph inside a link is a teaser card's excerpt
        runs[parent] = runs.get(parent, 0) + _text_length(paragraph.text_content())
    longest = max(runs.values(), default=0)
    for element in root.iter():
        if isinstance(element.tag, str) and element.tag not in LOOSE_TEXT_SKIPPED_TAGS:
            loose = (element.text or "") + " ".join(child.tail or "" for child in element)
            longest = max(longest, _text_length(loose))
    return longest


def _text_length(text: str) -> int:
    return len(" ".join(text.split()))


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
        text=response_text(response),
        fetched_at=now_iso(),
        requested_url=redirects[0] if redirects else response.url,
        hints=hints,
    )
    return ArticleItem(url=response.url, site=site_slug, site_name=site_name, page=page)
