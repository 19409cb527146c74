"""Site templates: text blocks that repeat across a site's pages are the site's, not the article's.

A single page cannot tell a newsletter prompt or a theme's "Exit mobile version" from a short
article paragraph; a site's other pages can. A ``SiteTemplate`` counts, for one site, on how
many distinct pages each body paragraph (a *block*) was seen. A block seen on at least
``share`` of the pages, and on at least ``min_pages`` of them, is template and is removed from
bodies.

Why these choices:

- Blocks are keyed by their normalized text only (casefolded word tokens, so punctuation,
  curly quotes and white space do not split counts), without their position in the body.
  Plugins inject newsletter prompts "after the third paragraph", so a position-keyed count
  would split one prompt between "middle" on long articles and "end" on short ones and learn
  it late or never; the text repeated on half of a site's pages is the evidence that matters.
- Only short blocks (``SHORT_BLOCK_WORDS`` words) are matched loosely. A longer block counts
  only when it repeats exactly (after white space and Unicode normalization): a long
  disclaimer repeated verbatim is template, but two different article paragraphs that share
  their words never merge.
- A paragraph is never removed unless it was seen on ``min_pages`` (at least 2) distinct pages:
  a paragraph that appears once is article text by definition. Syndicated pairs (two articles
  sharing a wire paragraph) stay below ``min_pages`` and ``share``.
- Pages are counted once: a re-crawl of the same URL (a feed re-fetched every half hour) does
  not count its paragraphs again, or a site with two articles in its feed would soon see every
  paragraph "on every page". The last ``2 * WINDOW`` page fingerprints are kept for that: a
  site small enough for re-fetches to matter fits in them, and on a larger one a re-fetch
  beyond them adds one page among hundreds.
- Counts are halved once ``2 * WINDOW`` pages were seen: memory and the persisted row stay
  bounded (one-off paragraphs fall out), and a redesign's new blocks overtake the old ones
  within a few windows instead of never.
- If every paragraph of a body is template, the body is left as it was: such a page (a
  paywall or consent notice the site prints everywhere) is better archived with its notice,
  which the validate stage reads to set ``access``, than dropped as empty.

Defaults: ``share`` 0.5 and ``min_pages`` 5. On the fixture and demo sites, theme and prompt
blocks are on 100% of article pages and no article paragraph is on more than 2; 0.5 leaves room
for a prompt shown on only some sections, and 5 pages keeps a small site's first crawl (or a
wire story syndicated a few times) from being mistaken for a template.

The value is plain data (``to_json`` / ``from_json``), so it is persisted in the archive
(``site_templates``) and shipped to wherever extraction runs (worker processes, Redis workers).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterable

DEFAULT_SHARE = 0.5
DEFAULT_MIN_PAGES = 5
SHORT_BLOCK_WORDS = 40  # longer blocks count only when repeated exactly
WINDOW = 100  # counts are halved when 2 * WINDOW pages were seen
SAMPLE_CHARS = 200
FORMAT_VERSION = 1

WORD = re.compile(r"\w+")
SPACES = re.compile(r"\s+")


def block_key(paragraph: str) -> str:
    """The key a paragraph is counted under: short blocks loosely, long ones exactly."""
    text = unicodedata.normalize("NFKC", paragraph)
    words = WORD.findall(text.casefold())
    if not words:
        return ""
    if len(words) <= SHORT_BLOCK_WORDS:
        basis = "w:" + " ".join(words)
    else:
        basis = "x:" + SPACES.sub(" ", text).strip()
    return hashlib.blake2b(basis.encode("utf-8"), digest_size=8).hexdigest()


def page_key(url: str) -> str:
    """A page's fingerprint: pages are counted once however often they are fetched."""
    return hashlib.blake2b(url.encode("utf-8"), digest_size=8).hexdigest()


def split_paragraphs(body: str) -> list[str]:
    """A body's paragraphs (they are separated by blank lines)."""
    return [p.strip() for p in re.split(r"\n\s*\n", body) if p.strip()]


@dataclass
class SiteTemplate:
    """What one site's pages have in common, and which of it is template."""

    share: float = DEFAULT_SHARE
    min_pages: int = DEFAULT_MIN_PAGES
    pages: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    samples: dict[str, str] = field(default_factory=dict)  # for blocks seen more than once
    recent: deque[str] = field(default_factory=lambda: deque(maxlen=2 * WINDOW))
    _template: frozenset[str] | None = field(default=None, init=False, repr=False, compare=False)
    # The keys ``filter`` made for the page it last saw, which ``observe`` counts next: one
    # page's paragraphs, keyed once (normalizing and hashing) rather than twice.
    _last_keys: dict[str, str] = field(default_factory=dict, init=False, repr=False, compare=False)

    def observe(self, page: str, paragraphs: Iterable[str]) -> bool:
        """Count a page's blocks once; ``False`` (nothing counted) for a page seen before."""
        known, self._last_keys = self._last_keys, {}
        fingerprint = page_key(page)
        if fingerprint in self.recent:
            return False
        self.recent.append(fingerprint)
        self.pages += 1
        seen: set[str] = set()
        for paragraph in paragraphs:
            key = known[paragraph] if paragraph in known else block_key(paragraph)
            if not key or key in seen:
                continue
            seen.add(key)
            count = self.counts.get(key, 0) + 1
            self.counts[key] = count
            if count >= 2 and key not in self.samples:
                self.samples[key] = paragraph[:SAMPLE_CHARS]
        if self.pages >= 2 * WINDOW:
            self._halve()
        self._template = None
        return True

    def _halve(self) -> None:
        self.pages //= 2
        self.counts = {k: c // 2 for k, c in self.counts.items() if c >= 2}
        self.samples = {k: s for k, s in self.samples.items() if self.counts.get(k, 0) >= 2}

    def template_keys(self) -> frozenset[str]:
        """Keys of the blocks that are template now.

        Only blocks seen at least twice can be (the floor is 2 or more), and ``samples`` holds
        exactly those: a few keys, where ``counts`` holds every paragraph of the window.
        """
        if self._template is None:
            floor = max(2, self.min_pages, self.share * self.pages)
            counts = self.counts
            self._template = frozenset(k for k in self.samples if counts.get(k, 0) >= floor)
        return self._template

    def blocks(self) -> list[str]:
        """Sample text of the template blocks, most frequent first (for people and tests)."""
        keys = self.template_keys()
        ranked = sorted(keys, key=lambda k: (-self.counts[k], self.samples.get(k, "")))
        return [self.samples.get(k, "") for k in ranked]

    def filter(self, paragraphs: list[str]) -> tuple[list[str], list[str]]:
        """``(kept, removed)``: the paragraphs without the template blocks.

        Nothing is removed when everything would be: see the module docstring.
        """
        keys = self.template_keys()
        if not keys:
            return list(paragraphs), []
        keyed = [(p, block_key(p)) for p in paragraphs]
        self._last_keys = dict(keyed)
        kept = [p for p, key in keyed if key not in keys]
        if not kept:
            return list(paragraphs), []
        removed = [p for p, key in keyed if key in keys]
        return kept, removed

    def filter_body(self, body: str) -> tuple[str, list[str]]:
        """A body (paragraphs separated by blank lines) without its template blocks."""
        kept, removed = self.filter(split_paragraphs(body))
        return ("\n\n".join(kept), removed) if removed else (body, [])

    def with_thresholds(self, share: float, min_pages: int) -> SiteTemplate:
        """The same counts judged with a site's own ``template_share`` and ``min_pages``."""
        self.share, self.min_pages, self._template = share, min_pages, None
        return self

    def to_json(self) -> dict[str, Any]:
        """Plain data: persisted per site and shipped to worker processes."""
        return {
            "format": FORMAT_VERSION,
            "share": self.share,
            "min_pages": self.min_pages,
            "pages": self.pages,
            "counts": dict(self.counts),
            "samples": dict(self.samples),
            "recent": list(self.recent),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SiteTemplate:
        """The value ``to_json`` made; an unknown format starts afresh rather than guess."""
        if not isinstance(data, dict) or data.get("format") != FORMAT_VERSION:
            return cls()
        return cls(
            share=float(data.get("share", DEFAULT_SHARE)),
            min_pages=int(data.get("min_pages", DEFAULT_MIN_PAGES)),
            pages=int(data.get("pages", 0)),
            counts={str(k): int(v) for k, v in dict(data.get("counts", {})).items()},
            samples={str(k): str(v) for k, v in dict(data.get("samples", {})).items()},
            recent=deque((str(p) for p in data.get("recent", ())), maxlen=2 * WINDOW),
        )
