"""Finding a site's feeds and sitemaps, for ``newsarchive add-site``.

Written here because no library does this job: feed finders look for feeds only, through their
own HTTP clients and their own rules, and sitemap readers start from a sitemap they are given.
So the fetching is ``page_fetch``'s (robots.txt obeyed and failing closed, the crawler's size,
time and redirect limits, nothing retried) and the XML is read with parsel, as the spider reads
it, so a URL kept here is one the crawl will be able to read.

Only what has been fetched and parsed is kept: an RSS, RDF or Atom document is a feed, a
``urlset`` or ``sitemapindex`` a sitemap, each under the URL it ended at after redirects. A
declared URL that answers HTML, JSON Feed (the crawler reads RSS and Atom), an HTTP error or
that robots.txt disallows is left out with its reason. Common paths are guessed only when the
site names nothing usable: feeds when the page declares no feed that is one (the first path
that answers a feed is enough, as ``/feed`` and ``/rss`` are usually the same feed), sitemaps
when robots.txt lists none that is one (every path that answers one). A comments feed is
declared by many pages and is left out without fetching it: its entries are comments.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

from parsel import Selector

from crawler.page_fetch import FetchError
from crawler.page_inputs import GZIP_MAGIC, InputError, gunzip, read_input

if TYPE_CHECKING:
    from crawler.page_fetch import Fetcher

FEED_TYPES = {"application/rss+xml", "application/atom+xml", "application/feed+json"}
FEED_PATHS = (
    "/feed",
    "/feed/",
    "/rss",
    "/rss/",
    "/rss.xml",
    "/feed.xml",
    "/atom.xml",
    "/index.xml",
)
SITEMAP_PATHS = ("/sitemap.xml", "/sitemap_index.xml", "/news-sitemap.xml")
FEED_ROOTS = {"rss", "feed", "RDF"}
SITEMAP_ROOTS = {"urlset", "sitemapindex"}
NOT_KEPT = {"html": "an HTML page", "#json": "JSON: the crawler reads RSS and Atom", "": "not XML"}
COMMENTS = re.compile(r"\bcomments?\b", re.IGNORECASE)


class DiscoveryError(Exception):
    """The page itself cannot be had or read; the message says why, in one line."""


@dataclass
class Discovery:
    """What a site offers: its page (after redirects), name, feeds, sitemaps, and what was not
    kept among the URLs it names, with the reason."""

    home_url: str
    name: str | None = None
    feeds: list[str] = field(default_factory=list)
    sitemaps: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)


def discover(url: str, fetcher: Fetcher) -> Discovery:
    """Fetch the page at ``url`` and find the feeds and sitemaps its site offers."""
    try:
        page = read_input(url, fetcher)
    except InputError as error:
        raise DiscoveryError(str(error)) from None
    found = Discovery(home_url=page.url or url)
    selector = Selector(text=page.html)
    found.name = _site_name(selector)
    base = urljoin(found.home_url, selector.xpath("//base/@href").get(default="").strip())
    home = urlsplit(found.home_url)
    origin = f"{home.scheme}://{home.netloc}"
    checked: set[str] = set()

    for link, title in _declared_feeds(selector, base):
        if COMMENTS.search(title) or "/comments/" in urlsplit(link).path:
            found.skipped.append((link, "a comments feed"))
        else:
            _keep(link, "feed", fetcher, found.feeds, checked, found.skipped)
    for path in FEED_PATHS if not found.feeds else ():
        if _keep(origin + path, "feed", fetcher, found.feeds, checked):
            break

    robots = fetcher.robots.get(origin)
    listed = [] if robots is None or isinstance(robots, str) else list(robots.sitemaps)
    for sitemap in listed:
        _keep(
            urljoin(origin + "/robots.txt", sitemap),
            "sitemap",
            fetcher,
            found.sitemaps,
            checked,
            found.skipped,
        )
    for path in SITEMAP_PATHS if not found.sitemaps else ():
        _keep(origin + path, "sitemap", fetcher, found.sitemaps, checked)
    return found


def _declared_feeds(selector: Selector, base: str) -> list[tuple[str, str]]:
    """The page's ``<link rel="alternate">`` feeds: absolute http(s) URL and title."""
    feeds = []
    for link in selector.xpath("//link[@href]"):
        rel = link.attrib.get("rel", "").lower().split()
        kind = link.attrib.get("type", "").split(";")[0].strip().lower()
        url = urljoin(base, link.attrib["href"].strip())
        if "alternate" in rel and kind in FEED_TYPES and urlsplit(url).scheme in ("http", "https"):
            feeds.append((url, link.attrib.get("title", "")))
    return feeds


def _keep(
    url: str,
    kind: str,
    fetcher: Fetcher,
    kept: list[str],
    checked: set[str],
    skipped: list[tuple[str, str]] | None = None,
) -> bool:
    """Fetch ``url``; keep its final URL in ``kept`` when it is a ``kind`` (feed, sitemap).

    A URL the site names goes to ``skipped`` with the reason when it is not; a guessed one
    (``skipped`` None) is dropped silently. True when kept.
    """
    if url in checked:
        return False
    checked.add(url)
    try:
        final_url, root = _xml_root(url, fetcher)
    except (FetchError, InputError) as error:
        reason = str(error)
    else:
        if root in (FEED_ROOTS if kind == "feed" else SITEMAP_ROOTS):
            if final_url not in kept:
                kept.append(final_url)
            return True
        reason = f"not a {kind} ({NOT_KEPT.get(root) or f'an XML document <{root}>'})"
    if skipped is not None:
        skipped.append((url, reason))
    return False


def _xml_root(url: str, fetcher: Fetcher) -> tuple[str, str]:
    """The final URL and the root element's name (no namespace) of the document at ``url``."""
    fetched = fetcher.fetch(url)
    body = fetched.body
    if body.startswith(GZIP_MAGIC):  # sitemap.xml.gz is served as gzip data, not encoded
        body = gunzip(body, fetcher.max_size)
    if body.lstrip(b"\xef\xbb\xbf \t\r\n").startswith((b"{", b"[")):
        return fetched.url, "#json"
    try:
        selector = Selector(text=body.decode("utf-8", "replace").lstrip("\ufeff"), type="xml")
    except ValueError:
        return fetched.url, ""
    selector.remove_namespaces()
    return fetched.url, selector.xpath("name(/*)").get(default="")


def _site_name(selector: Selector) -> str | None:
    """The page's ``og:site_name``, else its ``<title>``, whitespace collapsed."""
    for value in (
        selector.xpath("//meta[@property='og:site_name']/@content").get(),
        selector.xpath("//title/text()").get(),
    ):
        name = " ".join((value or "").split())
        if name:
            return name
    return None
