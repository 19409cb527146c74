"""The ``news`` spider: discover a site's articles from its feeds, sitemaps and section pages.

One spider serves every site; what differs between sites is data in ``sites.toml``. Run it as
``scrapy crawl news -a site=SLUG`` (``-s ARCHIVE_SITES=FILE`` to pick the sites file), or
through ``newsarchive crawl``.

Feeds and sitemaps are parsed here with parsel rather than Scrapy's ``SitemapSpider`` because
one spider needs all three discovery paths, and Scrapy's sitemap parser keeps only flat fields:
the Google News block (``news:publication_date``, ``news:title``) comes through empty.

Incremental crawls: feeds, sitemaps and section pages are fetched every run; a known article is
fetched only when the archive's schedule says it is due, or when a feed or sitemap dates it
after our last fetch, and then conditionally (``If-None-Match`` / ``If-Modified-Since``). The
spider never reads the archive: the store stage opens it and hands over the site's revisit plan
(``crawler.signals.revisit_plan``) before the first request. What a revisit finds without new
content (a 304, a page gone) goes back the same way (``crawler.signals.article_checked``).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlparse

import scrapy
from scrapy import signals as scrapy_signals
from scrapy.exceptions import CloseSpider, DontCloseSpider, IgnoreRequest
from scrapy.http import TextResponse
from scrapy.spidermiddlewares.httperror import HttpError

from crawler import failures, signals
from crawler.clock import now_iso
from crawler.sites import Site, SitesError, load_sites
from crawler.urls import identity_url, url_hash
from spiders.listings import (
    EPOCH,
    header_text,
    hint_date,
    parse_date,
    site_root,
    xml_selector,
)
from spiders.pages import article_item, article_verdict, is_html

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator, Mapping

    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from twisted.python.failure import Failure
    from typing_extensions import Self

# Links followed from section and index pages, and never from articles: an article's
# "most read" box would otherwise pull the crawl across the whole site.
LINK_XPATH = "//a[@href]/@href"
# A revisit handles these itself: 304 (not modified), a page gone, and redirects, which are
# not followed blindly because a redirect to the home page or off-site means the article is gone.
REDIRECT_STATUSES = (301, 302, 303, 307, 308)
GONE_STATUSES = (404, 410)
REVISIT_STATUSES = [304, *GONE_STATUSES, *REDIRECT_STATUSES]
# The most request priorities one sitemap's entries are spread over (rank_priority).
PRIORITY_LEVELS = 100


class NewsSpider(scrapy.Spider):
    name = "news"

    site: Site

    def __init__(self, site: Site | None, problem: str = "", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.problem = problem
        if site is not None:
            self.site = site
            self.allowed_domains = list(site.allowed_domains)
        # Known URL (every alias) -> its revisit plan row; empty when no archive handed one.
        self.known: Mapping[str, dict[str, Any]] = {}
        # Known articles listed this run but left for later, and those checked: an article
        # linked from a section page (not due) and a sitemap (newer lastmod) was checked.
        self.not_due: set[int] = set()
        self.revisited: set[int] = set()
        self.seeded_elsewhere = False  # True in a distributed crawl (crawler.distributed)
        # URL hashes taken down with `newsarchive forget`, and those met (and not fetched).
        self.taken_down: frozenset[str] = frozenset()
        self.not_fetched: set[str] = set()

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
            crawler.signals.connect(spider.take_plan, signal=signals.revisit_plan)
            crawler.signals.connect(spider.check_unlisted, signal=scrapy_signals.spider_idle)
        return spider

    def take_plan(
        self, site: str, plan: list[dict[str, Any]], taken_down: frozenset[str] = frozenset()
    ) -> None:
        """The archive's revisit plan for this site (sent by the store stage on opening)."""
        if site == self.site.slug:
            self.known = {row["known_url"]: row for row in plan}
            self.taken_down = taken_down

    def _is_taken_down(self, url: str) -> bool:
        """Whether ``url`` was forgotten: not fetched, counted once (the store would refuse it)."""
        if not self.taken_down:
            return False
        digest = url_hash(url)
        if digest not in self.taken_down:
            return False
        if digest not in self.not_fetched:
            self.not_fetched.add(digest)
            self._count("archive/forgotten/not_fetched")
            self.logger.info(
                "Not fetched: taken down with newsarchive forget (URL hash %s)", digest
            )
        return True

    async def start(self) -> AsyncIterator[scrapy.Request]:
        if self.problem:
            self.logger.error("Not crawling: %s", self.problem)
            raise CloseSpider("bad_site_argument")
        if self.seeded_elsewhere:
            return  # a distributed crawl: the writer seeds the shared frontier
        for seed in site_seeds(self.site):
            yield self.request_for_seed(seed)

    def request_for_seed(self, seed: dict[str, Any]) -> scrapy.Request:
        """The request for one seed of ``site_seeds`` (or a due article's revisit row)."""
        kind, url = seed["kind"], seed.get("url", "")
        if kind == "revisit":
            return self._revisit(seed["row"], {})
        if kind == "listing":
            return self._request(url, self.parse_page, meta={"listing": True})
        callbacks = {"feed": self.parse_feed, "sitemap": self.parse_sitemap}
        return self._request(url, callbacks.get(kind, self.parse_robots))

    def check_unlisted(self) -> None:
        """On idle: check the due articles that no feed, sitemap or page of this run listed.

        They wait until discovery is done so that a listed article is requested with what its
        listing says (a feed or news-sitemap date is the fallback for ``published``).
        """
        if self.seeded_elsewhere:
            return  # the writer seeds the due articles of a distributed crawl
        assert self.crawler.engine is not None
        due = {row["article_id"]: row for row in self.known.values() if row["due"]}
        pending = [
            row
            for article_id, row in sorted(due.items())
            if article_id not in self.revisited and self.site.may_visit(row["url"])
        ]
        for row in pending:
            self.crawler.engine.crawl(self._revisit(row, {}))
        if pending:
            raise DontCloseSpider

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
        selector = xml_selector(response)
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
        selector = xml_selector(response)
        if selector is None:
            self._count("archive/errors/bad_sitemap")
            self.logger.error("Not a sitemap: %s", response.url)
            return
        for loc in selector.xpath("//sitemapindex/sitemap/loc/text()").getall():
            url = response.urljoin(loc.strip())
            if self.site.owns(url):
                yield self._request(url, self.parse_sitemap)
        entries = []
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
            entries.append((response.urljoin(loc), hints))
        # Newest first: on a large sitemap the fresh stories should not wait behind the archive.
        entries.sort(key=lambda entry: hint_date(entry[1]) or EPOCH, reverse=True)
        for rank, (url, hints) in enumerate(entries):
            for request in self._article_request(url, hints):
                yield request.replace(priority=rank_priority(rank, len(entries)))

    def _article_request(self, url: str, hints: dict[str, str]) -> Iterator[scrapy.Request]:
        """A request for a URL that a feed or sitemap lists; ``listed_by`` says which kind.

        The page's own markup decides with that in mind (``spiders.pages.article_verdict``):
        a feed entry is the site saying "this is a story".
        """
        url = identity_url(url)
        if self.site.may_visit(url) and not self._is_taken_down(url):
            kept = {key: value for key, value in hints.items() if value}
            known = self.known.get(url)
            if known is not None:
                yield from self._known_article(known, kept)
                return
            yield self._request(
                url, self.parse_page, meta={"hints": kept, "listed_by": hints["via"]}
            )

    def _known_article(self, row: dict[str, Any], hints: dict[str, str]) -> Iterator[Any]:
        """A link to an archived article: checked when due, or when listed as newer than ours.

        A feed or sitemap date after our last fetch means the site says it changed since; a
        link with no such date waits for the schedule.
        """
        listed = hint_date(hints)
        checked = parse_date(row["last_checked"])
        if row["due"] or (listed is not None and checked is not None and listed > checked):
            yield self._revisit(row, hints)
        else:
            article_id = row["article_id"]
            if article_id not in self.not_due and article_id not in self.revisited:
                self.not_due.add(article_id)
                self._count_not_due(+1)

    def _count_not_due(self, change: int) -> None:
        """``archive/revisit/not_due``: articles listed, left for later and not checked.

        Kept as a running count: recounting the sets on every listed link made reading a
        sitemap of n known articles cost n² (seconds at a few thousand).
        """
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value("archive/revisit/not_due", change)

    def _revisit(self, row: dict[str, Any], hints: dict[str, str]) -> scrapy.Request:
        """A conditional request for a known article; ``parse_revisit`` reads the answer.

        Redirects, 304 and 404/410 come to the spider (``handle_httpstatus_list``) rather than
        being followed, retried or dropped by Scrapy's middlewares.
        """
        article_id = row["article_id"]
        if article_id not in self.revisited:
            self.revisited.add(article_id)
            if article_id in self.not_due:
                self._count_not_due(-1)
        headers = {}
        if row.get("etag"):
            headers["If-None-Match"] = row["etag"]
        if row.get("last_modified"):
            headers["If-Modified-Since"] = row["last_modified"]
        meta = {
            "hints": hints,
            "listed_by": hints.get("via"),
            "revisit": row["article_id"],
            "dont_redirect": True,
            "handle_httpstatus_list": REVISIT_STATUSES,
        }
        return self._request(row["url"], self.parse_revisit, headers=headers, meta=meta)

    def parse_revisit(self, response: Response) -> Iterator[Any]:
        """The answer to a revisit: 304 unchanged; 404/410 or a redirect away gone; else a page."""
        status = response.status
        if status == 304:
            self._checked(response, "unchanged")
            return
        if status in GONE_STATUSES:
            self._checked(response, "gone")
            return
        if status in REDIRECT_STATUSES:
            location = response.headers.get("Location")
            target = response.urljoin(location.decode("latin-1")) if location else ""
            if not target or not self.site.owns(target) or urlparse(target).path in ("", "/"):
                self._checked(response, "gone")
                return
            meta = {
                key: response.meta[key] for key in ("hints", "listed_by") if key in response.meta
            }
            yield self._request(identity_url(target), self.parse_page, meta=meta)
            return
        yield from self.parse_page(response)

    def _checked(self, response: Response, outcome: str) -> None:
        """Hand a revisit without new content to the store (the spider never writes)."""
        self.logger.debug("Revisit %s: %s (%s)", response.url, outcome, response.status)
        assert self.crawler is not None
        self.crawler.signals.send_catch_log(
            signals.article_checked,
            check={
                "url": response.request.url if response.request else response.url,
                "fetched_at": now_iso(),
                "outcome": outcome,
                "etag": header_text(response, "ETag"),
                "last_modified": header_text(response, "Last-Modified"),
            },
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
            if (
                urlparse(url).scheme in ("http", "https")
                and self.site.may_visit(url)
                and not self._is_taken_down(url)
            ):
                known = self.known.get(url)
                if known is not None:
                    yield from self._known_article(known, {})
                else:
                    yield self._request(url, self.parse_page, meta={"listing": True})

    def on_error(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]
        if request.callback == self.parse_robots:
            return  # no robots.txt is no Sitemap: lines, not an error
        error = failure.value
        if isinstance(error, failures.GivenUp):
            return  # counted and noted by the middleware that gave it up
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


def rank_priority(rank: int, total: int) -> int:
    """The priority of the ``rank``-th newest of ``total`` listed articles: newer goes first.

    At most ``PRIORITY_LEVELS`` levels, each a run of consecutive ranks: Scrapy keeps one
    queue per priority, on disk (a folder of files) since the crawl has a job folder, and a
    sitemap of 2,000 entries with a priority each made and removed 2,000 of them, a tenth of
    a re-crawl's time. A listing of up to that many entries keeps one level per entry.
    """
    levels = min(total, PRIORITY_LEVELS)
    return (total - rank - 1) * levels // total + 1


def site_seeds(site: Site) -> list[dict[str, str]]:
    """Where every crawl of ``site`` starts: feeds, sitemaps, each host's robots.txt, pages.

    Data rather than requests, so that a distributed crawl's writer seeds the same frontier
    (``crawler.distributed``) as a local crawl's ``start()``.
    """
    roots = sorted({site_root(u) for u in (*site.feeds, *site.sitemaps, *site.start_urls)})
    return [
        *({"kind": "feed", "url": url} for url in site.feeds),
        *({"kind": "sitemap", "url": url} for url in site.sitemaps),
        *({"kind": "robots", "url": urljoin(root, "/robots.txt")} for root in roots),
        *({"kind": "listing", "url": url} for url in site.start_urls),
    ]


def apply_site_settings(crawler: Crawler, site: Site) -> None:
    """Per-site politeness at "spider" priority, like ``custom_settings``: ``-s`` still wins.

    AutoThrottle's start delay follows the site's delay: left at Scrapy's 5 s it would make a
    re-crawl of three URLs wait seconds for nothing. Its target concurrency is the site's
    ``concurrency``: at Scrapy's 1.0 it keeps a delay of one latency between requests, so a site
    allowed 8 requests at once got about one (measured: a re-crawl of 2,000 pages answered
    with 304s took 40% longer); it still backs off as the site slows down.
    """
    settings = crawler.settings
    settings.set("USER_AGENT", site.user_agent, priority="spider")
    settings.set("DOWNLOAD_DELAY", site.download_delay, priority="spider")
    settings.set("AUTOTHROTTLE_START_DELAY", site.download_delay, priority="spider")
    settings.set("CONCURRENT_REQUESTS_PER_DOMAIN", site.concurrency, priority="spider")
    settings.set("AUTOTHROTTLE_TARGET_CONCURRENCY", float(site.concurrency), priority="spider")


def _load_site(path: str, slug: str | None) -> Site:
    if not slug:
        raise SitesError("give the site to crawl: -a site=SLUG")
    if not Path(path).exists():  # load_sites' advice names the newsarchive options
        raise SitesError(f"{path}: no such file (give the sites file: -s ARCHIVE_SITES=FILE)")
    sites = load_sites(path)
    if slug not in sites:
        raise SitesError(f"{path}: no site {slug!r} (known: {', '.join(sorted(sites))})")
    return sites[slug]
