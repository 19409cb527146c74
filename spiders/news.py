"""The ``news`` spider: discover a site's articles from its feeds, sitemaps and section pages.

One spider serves every site; what differs between sites is data in ``sites.toml``. Run it as
``scrapy crawl news -a site=SLUG`` (``-s ARCHIVE_SITES=FILE`` to pick the sites file), or
through ``newsarchive crawl``.

Feeds and sitemaps are parsed here with parsel rather than Scrapy's ``SitemapSpider`` because
one spider needs all three discovery paths, and Scrapy's sitemap parser keeps only flat fields:
the Google News block (``news:publication_date``, ``news:title``) comes through empty.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlparse

import scrapy
from scrapy.exceptions import CloseSpider, IgnoreRequest
from scrapy.http import TextResponse
from scrapy.selector import Selector
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.gz import gunzip

from crawler import failures
from crawler.sites import Site, SitesError, load_sites
from crawler.urls import identity_url
from spiders.pages import article_item, article_verdict, is_html

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator

    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from twisted.python.failure import Failure
    from typing_extensions import Self

# Links followed from section and index pages, and never from articles: an article's
# "most read" box would otherwise pull the crawl across the whole site.
LINK_XPATH = "//a[@href]/@href"
MAX_SITEMAP_BYTES = 50 * 1024 * 1024


class NewsSpider(scrapy.Spider):
    name = "news"

    site: Site

    def __init__(self, site: Site | None, problem: str = "", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.problem = problem
        if site is not None:
            self.site = site
            self.allowed_domains = list(site.allowed_domains)

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        """The spider of the site named by ``-a site=SLUG`` (or given by ``newsarchive crawl``).

        A missing or unknown slug, or a sites file that cannot be read, is kept as the spider's
        ``problem`` and ends the crawl in ``start()`` with one log line: raised here, it would
        surface from ``scrapy crawl`` as an asyncio "Task exception was never retrieved".
        """
        site = kwargs.pop("site", None)
        problem = ""
        if not isinstance(site, Site):
            try:
                site = _load_site(crawler.settings.get("ARCHIVE_SITES"), site)
            except SitesError as error:
                site, problem = None, str(error)
        spider = super().from_crawler(crawler, *args, site=site, problem=problem, **kwargs)
        if site is not None:
            apply_site_settings(crawler, site)
        return spider

    async def start(self) -> AsyncIterator[scrapy.Request]:
        if self.problem:
            self.logger.error("Not crawling: %s", self.problem)
            raise CloseSpider("bad_site_argument")
        for url in self.site.feeds:
            yield self._request(url, self.parse_feed)
        for url in self.site.sitemaps:
            yield self._request(url, self.parse_sitemap)
        for root in sorted(
            {_root(u) for u in (*self.site.feeds, *self.site.sitemaps, *self.site.start_urls)}
        ):
            yield self._request(urljoin(root, "/robots.txt"), self.parse_robots)
        for url in self.site.start_urls:
            yield self._request(url, self.parse_page, meta={"listing": True})

    def _request(self, url: str, callback: Any, **kwargs: Any) -> scrapy.Request:
        return scrapy.Request(url, callback=callback, errback=self.on_error, **kwargs)

    # --- discovery ---------------------------------------------------------------------
    def parse_robots(self, response: Response) -> Iterator[scrapy.Request]:
        text = (
            response.text
            if isinstance(response, TextResponse)
            else response.body.decode("utf-8", "replace")
        )
        for line in text.splitlines():
            key, _, value = line.partition(":")
            if key.strip().lower() == "sitemap" and value.strip():
                url = value.strip()
                if url not in self.site.sitemaps and self.site.owns(url):
                    yield self._request(url, self.parse_sitemap)

    def parse_feed(self, response: Response) -> Iterator[scrapy.Request]:
        selector = _xml_selector(response)
        if selector is None:
            self._count("archive/errors/bad_feed")
            self.logger.error("Not a feed: %s", response.url)
            return
        for entry in selector.xpath("//item | //entry"):
            link = (
                entry.xpath("link[@rel='alternate']/@href").get()
                or entry.xpath("link[not(@rel)]/@href").get()
                or entry.xpath("link/text()").get()
                or entry.xpath("guid[not(@isPermaLink='false')]/text()").get()
            )
            if not link:
                continue
            hints = {
                "via": "feed",
                "title": (entry.xpath("title/text()").get() or "").strip(),
                "published_raw": (
                    entry.xpath("pubDate/text() | published/text() | date/text()").get() or ""
                ).strip(),
            }
            yield from self._article_request(response.urljoin(link.strip()), hints)

    def parse_sitemap(self, response: Response) -> Iterator[scrapy.Request]:
        selector = _xml_selector(response)
        if selector is None:
            self._count("archive/errors/bad_sitemap")
            self.logger.error("Not a sitemap: %s", response.url)
            return
        for loc in selector.xpath("//sitemapindex/sitemap/loc/text()").getall():
            url = response.urljoin(loc.strip())
            if self.site.owns(url):
                yield self._request(url, self.parse_sitemap)
        for entry in selector.xpath("//urlset/url"):
            loc = (entry.xpath("loc/text()").get() or "").strip()
            if not loc:
                continue
            news_date = entry.xpath("news/publication_date/text()").get()
            hints = {
                "via": "news-sitemap" if entry.xpath("news") else "sitemap",
                "title": (entry.xpath("news/title/text()").get() or "").strip(),
                "published_raw": (news_date or "").strip(),
                "lastmod": (entry.xpath("lastmod/text()").get() or "").strip(),
            }
            yield from self._article_request(response.urljoin(loc), hints)

    def _article_request(self, url: str, hints: dict[str, str]) -> Iterator[scrapy.Request]:
        """A request for a URL that a feed or sitemap lists; ``listed_by`` says which kind.

        The page's own markup decides with that in mind (``spiders.pages.article_verdict``):
        a feed entry is the site saying "this is a story".
        """
        url = identity_url(url)
        if self.site.may_visit(url):
            kept = {key: value for key, value in hints.items() if value}
            yield self._request(
                url, self.parse_page, meta={"hints": kept, "listed_by": hints["via"]}
            )

    # --- pages -------------------------------------------------------------------------
    def parse_page(self, response: Response) -> Iterator[Any]:
        if not is_html(response):
            self._skip(response, "not_html")
            return
        assert isinstance(response, TextResponse)
        verdict = article_verdict(response, self.site, response.meta.get("listed_by"))
        if verdict.article:
            yield article_item(
                response, self.site.slug, self.site.name, response.meta.get("hints", {})
            )
            return
        self._skip(response, verdict.reason)
        if response.meta.get("listing"):
            yield from self._follow_links(response)

    def _skip(self, response: Response, reason: str) -> None:
        """Count a page not archived under ``archive/skipped/<reason>``: a run's stats say why."""
        self._count(f"archive/skipped/{reason}")
        self.logger.debug("Not an article (%s): %s", reason, response.url)

    def _follow_links(self, response: TextResponse) -> Iterator[scrapy.Request]:
        for href in response.xpath(LINK_XPATH).getall():
            url = identity_url(response.urljoin(href.strip()))
            if urlparse(url).scheme in ("http", "https") and self.site.may_visit(url):
                yield self._request(url, self.parse_page, meta={"listing": True})

    def on_error(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]
        if request.callback == self.parse_robots:
            return  # no robots.txt is no Sitemap: lines, not an error
        error = failure.value
        if isinstance(error, IgnoreRequest) and not isinstance(error, HttpError):
            self._count("archive/forbidden_by_robots")  # a link into a disallowed path
            return
        self._count(f"archive/errors/{type(error).__name__}")
        why = failures.reason(failure)
        failures.note(self.crawler, request.url, why)
        self.logger.warning("Failed %s: %s", request.url, why)

    def _count(self, key: str) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(key)


def apply_site_settings(crawler: Crawler, site: Site) -> None:
    """Per-site politeness at "spider" priority, like ``custom_settings``: ``-s`` still wins.

    AutoThrottle's start delay follows the site's delay: left at Scrapy's 5 s it would make a
    re-crawl of three URLs wait seconds for nothing.
    """
    settings = crawler.settings
    settings.set("USER_AGENT", site.user_agent, priority="spider")
    settings.set("DOWNLOAD_DELAY", site.download_delay, priority="spider")
    settings.set("AUTOTHROTTLE_START_DELAY", site.download_delay, priority="spider")
    settings.set("CONCURRENT_REQUESTS_PER_DOMAIN", site.concurrency, priority="spider")


def _load_site(path: str, slug: str | None) -> Site:
    if not slug:
        raise SitesError("give the site to crawl: -a site=SLUG")
    if not Path(path).exists():  # load_sites' advice names the newsarchive options
        raise SitesError(f"{path}: no such file (give the sites file: -s ARCHIVE_SITES=FILE)")
    sites = load_sites(path)
    if slug not in sites:
        raise SitesError(f"{path}: no site {slug!r} (known: {', '.join(sorted(sites))})")
    return sites[slug]


def _root(url: str) -> str:
    parts = urlparse(url)
    return f"{parts.scheme}://{parts.netloc}/"


def _xml_selector(response: Response) -> Selector | None:
    body = response.body
    if body[:2] == b"\x1f\x8b":
        try:
            body = gunzip(body, max_size=MAX_SITEMAP_BYTES)
        except OSError:
            return None
    try:
        selector = Selector(text=body.decode("utf-8", "replace").lstrip("\ufeff"), type="xml")
    except ValueError:
        return None
    selector.remove_namespaces()
    if not selector.xpath("/*"):
        return None
    return selector
