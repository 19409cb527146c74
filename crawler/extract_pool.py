"""Extraction in worker processes, so that a crawl uses more than one core.

Extraction (parsing, metadata, trafilatura, htmldate) is pure CPU work in Python: threads
would hold the GIL, so ``ARCHIVE_EXTRACT_WORKERS`` runs it in processes of a
``concurrent.futures.ProcessPoolExecutor``. The reactor's process keeps fetching, normalizing,
deduplicating and storing while the workers extract, and awaits each result as an asyncio
future, never blocking the reactor. The same workers prepare each article's write
(``PackJob``): they sign its final body for the near-duplicate index and compress its raw
page, after extraction the largest shares of a page's CPU time in the reactor's process.

What runs where, and why:

- A worker gets what the page alone decides: its text (already decoded by the spider), URL,
  hints, the configured site name and selectors. It parses the page once and returns a
  ``PageExtraction`` (plain data).
- The site template stays in the reactor's process: ``finish_article`` applies it there, and
  the stage counts the page into it right after. A snapshot sent to the workers would lag the
  pages in flight, so the same crawl would remove different blocks with 2 workers than with 0;
  applying it in one place keeps results identical, and the step is cheap (hashing a few
  paragraphs).
- Workers are started with ``forkserver``: forking the reactor's process would copy its
  threads and sockets; the fork server preloads the extraction modules, so a worker starts in
  a fraction of a second. Workers ignore SIGINT: Ctrl-C on a terminal reaches the whole
  process group, and the crawl, not its workers, decides what to finish. A worker whose crawl
  process has gone (killed outright, even while it waits as a zombie to be reaped) exits on
  its own within a second or two rather than linger holding the crawl's output pipes.
- A worker that dies (killed, out of memory) breaks the whole executor in
  ``concurrent.futures``. The pool then starts a fresh executor and the page is tried once
  more; a page that kills a second worker is given up with one error (the crawl ends
  "partly done"), never retried in the reactor's process, which it could take down too.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import signal
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from crawler.archive.signatures import Signed, sign
from crawler.archive.writes import compress_page

if TYPE_CHECKING:
    from collections.abc import Mapping

    from crawler.extract.article import PageExtraction
    from crawler.extract.selectors import SiteSelectors

logger = logging.getLogger(__name__)
# Imported once in the fork server, shared by workers (datasketch: the signing's MinHash).
PRELOAD = ["crawler.extract.article", "crawler.archive.signatures", "datasketch"]
PARENT_CHECK_SECONDS = 1.0


Result_co = TypeVar("Result_co", covariant=True)


class Job(Protocol[Result_co]):
    """Work for a worker: plain data, with what to name it by in messages."""

    @property
    def label(self) -> str: ...

    def run(self) -> Result_co: ...


class WorkerCrashed(RuntimeError):
    """A job killed its worker twice."""


def _watch_parent(crawl: int, fork_server: int) -> None:
    """Exit once the crawl process is gone (see the module docstring)."""
    while True:
        time.sleep(PARENT_CHECK_SECONDS)
        if os.getppid() != fork_server or not _alive(crawl):
            os._exit(0)


def _alive(pid: int) -> bool:
    """Whether ``pid`` runs; a killed crawl that nobody has reaped yet (a zombie) does not."""
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, PermissionError):  # gone, or its number reused
        return False
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:  # no /proc: the signal test is all there is
        return True
    return stat.rpartition(")")[2].split()[0] != "Z"


def _start_worker(crawl: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_watch_parent, args=(crawl, os.getppid()), daemon=True).start()


@dataclass(frozen=True)
class PageJob:
    """What a page's own extraction needs: sent as it is to a worker, or run in process."""

    html: str
    url: str
    site_name: str | None = None
    hints: Mapping[str, str] | None = None
    selectors: SiteSelectors | None = None

    @property
    def label(self) -> str:
        return self.url

    def run(self) -> PageExtraction:
        from crawler.extract.article import extract_page  # see crawler/extract/__init__.py

        return extract_page(
            self.html,
            self.url,
            site_name=self.site_name,
            hints=self.hints,
            selectors=self.selectors,
        )


@dataclass(frozen=True)
class Packed:
    """What an article's write needs that costs CPU time, made ahead: its body's signature
    and its raw page compressed as the archive keeps it."""

    signed: Signed
    page_gzip: bytes


@dataclass(frozen=True)
class PackJob:
    """An article's final body (of content ``content_hash``) and raw page, to pack."""

    url: str
    body: str
    content_hash: str
    page: bytes

    @property
    def label(self) -> str:
        return f"the article {self.url}"

    def run(self) -> Packed:
        return Packed(sign(self.body, self.content_hash), compress_page(self.page))


def _run(job: Job[Any]) -> Any:
    return job.run()


class ExtractPool:
    """``workers`` processes that run jobs (a page's extraction, an article's packing);
    restarted when one of them dies."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self.context = multiprocessing.get_context("forkserver")
        self.context.set_forkserver_preload(PRELOAD)
        self.restarts = 0
        self._executor: ProcessPoolExecutor | None = None
        self._generation = 0

    def _current(self) -> tuple[ProcessPoolExecutor, int]:
        if self._executor is None:
            self._executor = ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=self.context,
                initializer=_start_worker,
                initargs=(os.getpid(),),
            )
        return self._executor, self._generation

    def _restart(self, generation: int) -> None:
        """A fresh executor, once per broken one (every page in flight learns of the break)."""
        if generation != self._generation or self._executor is None:
            return
        self._executor.shutdown(wait=False, cancel_futures=True)
        self._executor = None
        self._generation += 1
        self.restarts += 1

    async def run(self, job: Job[Result_co]) -> Result_co:
        """``job.run()`` in a worker, tried twice if its worker dies."""
        for attempt in (1, 2):
            executor, generation = self._current()
            try:
                future = executor.submit(_run, job)
                result: Result_co = await asyncio.wrap_future(future)
                return result
            except BrokenProcessPool:
                self._restart(generation)
                if attempt == 1:
                    logger.warning("An extraction worker died; trying %s again", job.label)
        raise WorkerCrashed(f"extraction workers died twice on {job.label}")

    def pids(self) -> list[int]:
        """The worker processes' ids (for tests and the shutdown check)."""
        processes: dict[int, Any] = getattr(self._executor, "_processes", None) or {}
        return list(processes)

    def shutdown(self) -> None:
        """Stop the workers: pages not started are cancelled, running ones are waited for."""
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None


def extract_workers(asked: int, cores: int | None = None, *, quiet: bool = False) -> int:
    """The worker processes to start: ``asked``, or 0 (with a warning unless ``quiet``) on
    one core."""
    cores = os.cpu_count() if cores is None else cores
    if asked > 0 and (cores or 1) < 2:
        if quiet:
            return 0
        logger.warning("ARCHIVE_EXTRACT_WORKERS = %d ignored: this machine has one core", asked)
        return 0
    return max(0, asked)


_shared: ExtractPool | None = None
_users = 0


def acquire_pool(workers: int) -> ExtractPool:
    """The process's pool, shared by every crawler in it.

    ``newsarchive crawl`` runs one crawler per site in one process: a pool each would start
    N workers per site and overload the cores the setting is meant to fill.
    """
    global _shared, _users
    if _shared is None:
        _shared = ExtractPool(workers)
    _users += 1
    return _shared


def release_pool(pool: ExtractPool) -> None:
    """One crawler is done with the pool; the last one shuts it down."""
    global _shared, _users
    if pool is not _shared:
        pool.shutdown()
        return
    _users -= 1
    if _users <= 0:
        pool.shutdown()
        _shared, _users = None, 0
