"""The demo site's two states, and the instants they are crawled at.

The first state is ``site/`` as published; the second is ``site-v2/`` laid over it: only the
files that changed (one story corrected, one headline rewritten, the sitemap that dates both
edits). Each state is crawled with the clock (``NEWSARCHIVE_NOW``) at a fixed instant, the
second ten minutes after the first, so that:

- in the second crawl, only the two edited stories are fetched: no article is due yet (an
  article just archived is next checked after 15 minutes), but the sitemap dates their edit
  (09:05) after the first fetch, and a listing that says so makes an article due;
- in any later run, neither state fetches anything again: the first crawl's instant lies
  before every check already made, and the second's before every next check it set. Wall-clock
  instants would not do: a rerun a day later would find the first state's pages due, and
  archive the uncorrected story as a new version.

The layered tree is a copy (the demo site is under a megabyte) so the server keeps serving one
folder; its files keep their times, so validators (ETag, Last-Modified) stay those of the
files.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

DEMO_ROOT = Path(__file__).parent
SITE_DIR = DEMO_ROOT / "site"


@dataclass(frozen=True)
class SiteState:
    """One state of the demo site: what it is, when it is crawled, which files it changes."""

    name: str
    now: str  # NEWSARCHIVE_NOW for its crawl
    overlay: Path | None  # a folder of changed files laid over site/
    story: str  # what happened to the site, for the newcomer


STATES = (
    SiteState("first", "2026-11-21T09:00:00+00:00", None, "the site as first published"),
    SiteState(
        "second",
        "2026-11-21T09:10:00+00:00",
        DEMO_ROOT / "site-v2",
        "ten minutes later, one story corrected (figure fixed, notice added), one headline "
        "rewritten",
    ),
)


def layered(state: SiteState, into: Path) -> Path:
    """``site/`` with the state's overlay laid over it, copied under ``into``; its path."""
    root = into / state.name
    shutil.copytree(SITE_DIR, root)
    if state.overlay is not None:
        shutil.copytree(state.overlay, root, dirs_exist_ok=True)
    return root.resolve()
