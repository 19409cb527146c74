"""A distributed crawl's writer: the one process that owns the archive (``newsarchive ingest``).

It starts a round for each site: clears the site's shared seen-set, publishes every known
article URL with its revisit row (workers decide from it what is due, as a local spider does
from ``crawler.signals.revisit_plan``) and the site's learned template, and queues the seeds:
feeds, sitemaps, robots.txt, section pages (``spiders.news.site_seeds``) and the articles due
for a check. Then it writes what workers send back with ``store_articles``, one transaction
per site and batch, and records each site's run in ``crawls`` as a local crawl does.

Nothing a worker sent is lost if the writer stops: entries move from the items list to a
"writing" list (``LMOVE``) and are deleted from it only after their transaction committed; a
writer that starts and finds entries there writes them first. Writes are idempotent upserts,
so an entry written twice is an article seen unchanged. An entry that cannot be stored at all
is set aside in a "rejected" list with one log line, never retried for ever.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from crawler.archive import finish_crawl, start_crawl
from crawler.archive.reads import revisit_plan
from crawler.archive.templates import load_site_template
from crawler.archive.writes import store_articles
from crawler.clock import now_iso
from crawler.distributed import codec
from crawler.revisit import DEFAULT_POLICY
from spiders.news import site_seeds

if TYPE_CHECKING:
    import redis
    import sqlite_utils

    from crawler.distributed.keys import Keys
    from crawler.sites import Site

logger = logging.getLogger(__name__)

POLL_SECONDS = 1


@dataclass
class SiteTally:
    """What the writer stored for one site in this run."""

    site: str
    crawl_id: int | None = None
    seeds: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)  # new, changed, unchanged, gone
    rejected: int = 0

    def count(self, outcome: str) -> int:
        return self.outcomes.get(outcome, 0)

    def line(self) -> str:
        return (
            f"{self.site}: {self.count('new')} new, {self.count('changed')} changed, "
            f"{self.count('unchanged')} unchanged, {self.count('gone')} gone"
            + (f", {self.rejected} rejected" if self.rejected else "")
        )


class Writer:
    def __init__(
        self,
        server: redis.Redis,
        keys: Keys,
        db: sqlite_utils.Database,
        sites: dict[str, Site],
        *,
        batch_size: int = 100,
        idle_exit: float = 0.0,
    ) -> None:
        self.server = server
        self.keys = keys
        self.db = db
        self.sites = sites
        self.batch_size = max(1, batch_size)
        self.idle_exit = idle_exit
        self.tallies = {slug: SiteTally(slug) for slug in sites}
        self.stopping = False

    # --- a round -------------------------------------------------------------------------
    def seed(self) -> None:
        """Start a round for every site: publish what workers need, queue the seeds.

        Call ``drain`` first: what a previous round's workers sent is then known.
        """
        for slug, site in self.sites.items():
            now = now_iso()
            tally = self.tallies[slug]
            tally.crawl_id = start_crawl(self.db, site=slug, command="ingest", started_at=now)
            plan = revisit_plan(self.db, site=slug, now=now)
            due: dict[int, dict[str, Any]] = {}
            for row in plan:
                if row["due"] and site.may_visit(row["url"]):
                    due.setdefault(row["article_id"], row)
            seeds = [*site_seeds(site), *({"kind": "revisit", "row": row} for row in due.values())]
            template = load_site_template(self.db, slug)
            pipe = self.server.pipeline(transaction=True)
            pipe.delete(self.keys.seen(slug), self.keys.seeds(slug), self.keys.known(slug))
            if plan:
                pipe.hset(
                    self.keys.known(slug),
                    mapping={row["known_url"]: json.dumps(row) for row in plan},
                )
            if template is not None:
                pipe.set(self.keys.template(slug), json.dumps(template))
            else:
                pipe.delete(self.keys.template(slug))
            pipe.rpush(self.keys.seeds(slug), *(json.dumps(seed) for seed in seeds))
            pipe.execute()
            tally.seeds = len(seeds)
            logger.info("%s: %d seeds, %d known articles due", slug, len(seeds), len(due))

    # --- writing -------------------------------------------------------------------------
    def drain(self) -> int:
        """Write what is waiting from before this writer started; return how many entries.

        Done before seeding, so that the round's list of known articles includes them and
        workers do not fetch them again.
        """
        written = 0
        while batch := self._take_batch(wait=False):
            self._write(batch)
            written += len(batch)
        return written

    def run(self) -> None:
        """Write what workers send until stopped, or idle for ``idle_exit`` seconds."""
        idle_since: float | None = None
        while not self.stopping:
            batch = self._take_batch()
            if batch:
                self._write(batch)
                idle_since = None
            elif self._all_done():
                idle_since = idle_since or time.monotonic()
                if self.idle_exit and time.monotonic() - idle_since >= self.idle_exit:
                    logger.info("Nothing to write for %.0f s: stopping", self.idle_exit)
                    return
            else:
                idle_since = None

    def _take_batch(self, *, wait: bool = True) -> list[Any]:
        """Entries moved to the writing list: left over by a stopped writer, or new ones."""
        leftover: list[Any] = self.server.lrange(self.keys.writing, 0, -1)
        if leftover:
            return leftover
        if wait:
            first = self.server.blmove(
                self.keys.items, self.keys.writing, POLL_SECONDS, src="LEFT", dest="RIGHT"
            )
        else:
            first = self.server.lmove(self.keys.items, self.keys.writing, "LEFT", "RIGHT")
        if first is None:
            return []
        batch = [first]
        while len(batch) < self.batch_size:
            entry = self.server.lmove(self.keys.items, self.keys.writing, "LEFT", "RIGHT")
            if entry is None:
                break
            batch.append(entry)
        return batch

    def _write(self, batch: list[Any]) -> None:
        try:
            self._store([codec.loads(raw) for raw in batch])
        except Exception as error:  # noqa: BLE001 - one bad entry must not block the rest
            if len(batch) == 1:
                self._reject(batch[0], error)
            else:
                for raw in batch:  # find the bad entry: each alone, in its own transaction
                    self._write([raw])
                return
        self.server.delete(self.keys.writing)

    def _store(self, entries: list[dict[str, Any]]) -> None:
        by_site: dict[str, tuple[list[Any], list[Any]]] = {}
        for entry in entries:
            records, checks = by_site.setdefault(str(entry["site"]), ([], []))
            if entry["kind"] == "article":
                records.append(entry["record"])
            else:
                checks.append(entry["check"])
        for slug, (records, checks) in by_site.items():
            site = self.sites.get(slug)
            policy = site.revisit if site is not None else DEFAULT_POLICY
            outcomes = store_articles(self.db, records, checks, interval_for=policy.interval)
            tally = self.tallies.setdefault(slug, SiteTally(slug))
            for outcome in outcomes:
                tally.outcomes[outcome.outcome] = tally.count(outcome.outcome) + 1

    def _reject(self, raw: Any, error: Exception) -> None:
        try:
            entry = codec.loads(raw)
            what = entry["record"]["url"] if entry["kind"] == "article" else entry["check"]["url"]
            site = str(entry["site"])
        except Exception:  # noqa: BLE001 - not even readable
            what, site = "an unreadable entry", ""
        logger.error("Not stored, set aside in %s: %s: %s", self.keys.rejected, what, error)
        self.server.rpush(self.keys.rejected, raw)
        if site in self.tallies:
            self.tallies[site].rejected += 1

    def _all_done(self) -> bool:
        """Nothing queued, nothing to write, and no worker with pages or items in hand."""
        if self.server.llen(self.keys.items) or self.server.llen(self.keys.writing):
            return False
        for slug in self.sites:
            if self.server.llen(self.keys.seeds(slug)) or self.server.zcard(
                self.keys.requests(slug)
            ):
                return False
        now = time.time()
        return not any(float(until) > now for until in self.server.hvals(self.keys.busy))

    # --- the end ---------------------------------------------------------------------------
    def finish(self, reason: str) -> list[int]:
        """Record each site's run in ``crawls``; return the crawl ids."""
        crawl_ids = []
        for tally in self.tallies.values():
            if tally.crawl_id is None:
                continue
            finish_crawl(
                self.db,
                tally.crawl_id,
                finished_at=now_iso(),
                articles_new=tally.count("new"),
                articles_changed=tally.count("changed"),
                articles_unchanged=tally.count("unchanged"),
                pages_skipped=0,
                errors=tally.rejected,
                finish_reason=reason,
            )
            crawl_ids.append(tally.crawl_id)
        return crawl_ids
