"""Stage 1: turn the fetched page into article fields, leaving the page's boilerplate behind.

The work is ``crawler.extract.extract_article`` (metadata + trafilatura + lifting captions,
credits and date lines out of the text); this stage adapts it to items and adds what only a
crawler knows: the site's other pages. It holds one ``SiteTemplate`` per site, loaded from the
archive when the site's first page arrives (so what earlier crawls learned applies at once),
counts every page's paragraphs into it, and hands it to extraction, which removes the blocks
that are template by then.

A site's first crawl stores its first pages before enough pages were seen to call anything
template. Rather than hold items back (which would stall Scrapy's item flow and the store's
batches), the stage notes which articles were stored in this run and, when the spider has
closed (after the store's last batch), saves each template and removes its blocks from those
stored bodies in one transaction: the bodies this crawl leaves in the archive are clean.

With ``ARCHIVE_EXTRACT_WORKERS`` above 0 the page's own share of extraction runs in worker
processes (``crawler.extract_pool``) and ``process_item`` returns a coroutine that awaits it;
the template is applied and learned here, in the order results arrive, as in one process.
Every crawler of the process shares one pool, shut down when the last spider closes. On a
machine with one core a pool would only add copying, so N > 0 is then ignored with one
warning.
"""

from __future__ import annotations

import logging
import re
import sqlite3
from typing import TYPE_CHECKING, Any

from itemadapter import ItemAdapter
from scrapy import signals as scrapy_signals

from crawler import signals
from crawler.archive import ArchiveError, open_archive
from crawler.archive.templates import (
    BodyUpdate,
    load_site_template,
    save_site_template,
    site_bodies,
    stored_articles,
)
from crawler.clock import now_iso
from crawler.extract.access import DEFAULT_MIN_BODY_CHARS
from crawler.extract.templates import (
    DEFAULT_MIN_PAGES,
    DEFAULT_SHARE,
    WINDOW,
    SiteTemplate,
    split_paragraphs,
)
from crawler.extract_pool import (
    ExtractPool,
    PageJob,
    acquire_pool,
    extract_workers,
    release_pool,
)
from crawler.sites import Site, load_sites
from crawler.urls import identity_url
from pipelines.dedupe import content_hash

if TYPE_CHECKING:
    from collections.abc import Callable

    import sqlite_utils
    from scrapy.crawler import Crawler
    from typing_extensions import Self

    from crawler.archive import StoreOutcome
    from crawler.extract.article import PageExtraction

logger = logging.getLogger(__name__)
WORD = re.compile(r"\w+")  # as the normalize stage counts words


def clean_stored(template: SiteTemplate, article: dict[str, Any]) -> BodyUpdate | None:
    """The update that removes ``template``'s blocks from a stored article, if it has any."""
    body, removed = template.filter_body(article["body"] or "")
    if not removed:
        return None
    sources = dict(article["field_sources"])
    # The body's own source (trafilatura, json-ld, a site's selector), now with the template.
    sources["body"] = str(sources.get("body") or "trafilatura").split("+")[0] + "+template"
    return BodyUpdate(
        article_id=article["id"],
        old_hash=article["content_hash"],
        body=body,
        word_count=len(WORD.findall(body)),
        content_hash=content_hash(
            article["title"], article["description"], article["authors"], body
        ),
        field_sources=sources,
    )


class StripBoilerplatePipeline:
    def __init__(
        self,
        path: str | None = None,
        sites: dict[str, Site] | None = None,
        busy_timeout_ms: int = 5000,
        crawler: Crawler | None = None,
        min_body_chars: int = DEFAULT_MIN_BODY_CHARS,
        workers: int = 0,
    ) -> None:
        self.path = path
        self.sites = sites or {}
        self.busy_timeout_ms = busy_timeout_ms
        self.crawler = crawler
        self.min_body_chars = min_body_chars
        self.db: sqlite_utils.Database | None = None
        self.templates: dict[str, SiteTemplate] = {}
        self.stored: dict[str, set[int]] = {}  # site -> articles stored in this run
        # A distributed worker has no archive: the writer publishes each site's template.
        self.published: Callable[[str], dict[str, Any] | None] | None = None
        self.workers = workers
        self.pool: ExtractPool | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        pipeline = cls(
            path=settings.get("ARCHIVE_PATH"),
            sites=_sites_of(crawler),
            busy_timeout_ms=settings.getint("ARCHIVE_BUSY_TIMEOUT_MS"),
            crawler=crawler,
            min_body_chars=settings.getint("ARCHIVE_MIN_BODY_CHARS", DEFAULT_MIN_BODY_CHARS),
            workers=extract_workers(settings.getint("ARCHIVE_EXTRACT_WORKERS", 0)),
        )
        if settings.get("ARCHIVE_REDIS_URL"):
            from crawler.distributed.worker import published_templates

            pipeline.published = published_templates(settings)
        crawler.signals.connect(pipeline.article_stored, signal=signals.article_stored)
        crawler.signals.connect(pipeline.spider_closed, signal=scrapy_signals.spider_closed)
        return pipeline

    def open_spider(self) -> None:
        if self.workers > 0:
            self.pool = acquire_pool(self.workers)
        if not self.path:
            return
        try:
            self.db = open_archive(self.path, busy_timeout_ms=self.busy_timeout_ms)
        except ArchiveError as error:
            # The store stage stops the crawl for this; here it only means nothing learned.
            logger.debug("No site templates from the archive: %s", error)

    def template_for(self, site: str) -> SiteTemplate:
        """The site's learner: saved in the archive, or learned from its stored articles."""
        template = self.templates.get(site)
        if template is not None:
            return template
        config = self.sites.get(site)
        share = config.template_share if config else DEFAULT_SHARE
        min_pages = config.template_min_pages if config else DEFAULT_MIN_PAGES
        template = SiteTemplate()
        if self.db is not None:
            state = load_site_template(self.db, site)
            if state is not None:
                template = SiteTemplate.from_json(state)
            else:  # an archive from before template learning: learn from what it holds
                for url, body in reversed(site_bodies(self.db, site, WINDOW)):
                    template.observe(identity_url(url), split_paragraphs(body))
        elif self.published is not None and (state := self.published(site)) is not None:
            template = SiteTemplate.from_json(state)
        self.templates[site] = template.with_thresholds(share, min_pages)
        return template

    def process_item(self, item: Any) -> Any:
        """The item with its article fields; a coroutine that awaits them with a worker pool."""
        adapter = ItemAdapter(item)
        page = adapter["page"]
        config = self.sites.get(str(adapter.get("site")))
        job = PageJob(
            page.text,
            page.url,
            site_name=adapter.get("site_name"),
            hints=page.hints,
            selectors=config.selectors if config else None,
        )
        if self.pool is not None:
            return self._extract_in_worker(item, job)
        return self._finish(item, job.run())

    async def _extract_in_worker(self, item: Any, job: PageJob) -> Any:
        assert self.pool is not None
        return self._finish(item, await self.pool.run(job))

    def _finish(self, item: Any, found: PageExtraction) -> Any:
        """Apply the site's template, learn from the page, fill in the item."""
        from crawler.extract.article import finish_article  # see crawler/extract/__init__.py

        adapter = ItemAdapter(item)
        template = self.template_for(str(adapter.get("site")))
        record = finish_article(found, template, min_body_chars=self.min_body_chars)
        removed = record.pop("template_removed", [])
        # Learn from everything the extractor kept, template blocks included, or a block's
        # share would fall once it is removed and it would come back.
        kept = split_paragraphs(record["body"] or "")
        if template.observe(identity_url(adapter["page"].url), [*kept, *removed]):
            self._stats("archive/template/pages_observed")
        if removed:
            self._stats("archive/template/blocks_removed", len(removed))
        for name, value in record.items():
            adapter[name] = value
        return item

    def article_stored(self, outcome: StoreOutcome, item: Any) -> None:
        site = str(ItemAdapter(item).get("site"))
        self.stored.setdefault(site, set()).add(outcome.article_id)

    def spider_closed(self, reason: str) -> None:
        """Stop the workers, save what was learned, clean the bodies stored before it was known."""
        if self.pool is not None:
            release_pool(self.pool)
            self.pool = None
        if self.db is None:
            return
        try:
            for site, template in self.templates.items():
                # A generator: one stored article is read back and cleaned at a time.
                updates = (
                    update
                    for article in stored_articles(self.db, self.stored.get(site, ()))
                    if (update := clean_stored(template, article)) is not None
                )
                cleaned = save_site_template(
                    self.db,
                    site,
                    state=template.to_json(),
                    blocks=template.blocks(),
                    updated_at=now_iso(),
                    updates=updates,
                )
                if cleaned:
                    self._stats("archive/template/articles_cleaned", cleaned)
        except (ArchiveError, sqlite3.Error) as error:
            logger.error("Could not save site templates: %s", error)
        finally:
            self.db.close()
            self.db = None

    def _stats(self, key: str, count: int = 1) -> None:
        if self.crawler is not None and self.crawler.stats is not None:
            self.crawler.stats.inc_value(key, count)


def _sites_of(crawler: Crawler) -> dict[str, Site]:
    """The configured sites, for their selectors, ``template_share`` and ``template_min_pages``."""
    spider_site = getattr(crawler.spider, "site", None)
    if isinstance(spider_site, Site):
        return {spider_site.slug: spider_site}
    sites = getattr(crawler.spider, "sites", None)
    if isinstance(sites, dict):
        return sites
    try:
        return load_sites(crawler.settings.get("ARCHIVE_SITES"))
    except ValueError:
        return {}
