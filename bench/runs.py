"""Running one extractor over pages, timing only the extraction calls.

Shared by the body and metadata benchmarks so both time the same way: pages are already read
and decompressed (``bench.data.load_pages``), the extractor gets one untimed warm-up call (so
no row pays for first-call set-up such as loading models or compiling XPaths), and then
``time.perf_counter`` runs around each call alone. Times are kept per page, so a half of a
set has its own pages/s.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Generic, TypeVar

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence

    from bench.data import Page

T = TypeVar("T")


@dataclass
class Run(Generic[T]):
    """One extractor's answers and timing over the pages."""

    name: str
    answers: dict[str, T] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    def pages_per_second(self, page_ids: Iterable[str] | None = None) -> float:
        """Pages per second of extraction time, over all pages or those of ``page_ids``."""
        ids = list(self.seconds) if page_ids is None else list(page_ids)
        total = sum(self.seconds[page_id] for page_id in ids)
        return len(ids) / total if total else 0.0


def run_extractor(
    name: str,
    extractor: Callable[[str, str], T],
    pages: Sequence[Page],
    empty: T,
) -> Run[T]:
    """Extract every page; a page whose extraction raises gets ``empty``, and is counted.

    A crash is a wrong answer, not a stop: a library that raises on one page in a hundred
    would raise in the crawl too, and the score should show it.
    """
    run: Run[T] = Run(name)
    if pages:
        # Warm-up, untimed; an error here is reported by the timed call on the same page.
        with contextlib.suppress(Exception):
            extractor(pages[0].html, pages[0].url)
    for page in pages:
        started = time.perf_counter()
        try:
            answer = extractor(page.html, page.url)
        except Exception as error:  # noqa: BLE001 - see the docstring
            answer = empty
            run.errors.append(f"{page.id}: {type(error).__name__}: {error}")
        run.seconds[page.id] = time.perf_counter() - started
        run.answers[page.id] = answer
    return run
