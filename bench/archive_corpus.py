"""Generated articles for the archive benchmark: varied text with a Zipf-like vocabulary.

Written by hand because the benchmark needs what no text generator gives together: a seeded,
repeatable corpus of any size, whose words fall in known document-frequency bands (so search
can be timed on rare, middle and common terms), with near-duplicate copies of stories (so the
MinHash clustering does the work it does in a crawl), and raw pages the size of real ones.

- Vocabulary: ``VOCABULARY`` made-up words (syllables), drawn with probability ~ 1/rank
  (Zipf, exponent 1): a few words are in every article, most in a handful.
- An article: a headline of 6-12 words, a standfirst of ~25, eight paragraphs making ~10 KB of
  body text; published one to three minutes after the one before, so ids follow time.
- ``COPY_SHARE`` of articles are another site's copy of a recent story: a new headline, a new
  first paragraph, the last paragraph cut (estimated Jaccard about 0.65, well above the
  clustering's 0.4).
- ``UPDATE_SHARE`` more records re-fetch an earlier article with a correction line added: a
  new version, classified against the one before.
- Each record carries its raw page: the text inside ~120 KB of its site's template (real
  article pages measure 285 KB on average, `article-pages`), as a crawl stores it.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

import numpy as np

from pipelines.dedupe import content_hash

if TYPE_CHECKING:
    from collections.abc import Iterator

VOCABULARY = 300_000
SEED = 20260101
COPY_SHARE = 0.08
UPDATE_SHARE = 0.02
RECENT = 2_000  # copies are of the last 500 stories, updates of the last 2,000
PARAGRAPHS = 8
PARAGRAPH_WORDS = 210  # eight of them: ~1,700 words, ~10 KB
SITES = tuple(f"site{number}" for number in range(12))
START = datetime(2025, 1, 1, tzinfo=timezone.utc)
_SYLLABLES = (
    *(consonant + vowel for consonant in "bdklmnprstvz" for vowel in "aeiou"),
    *("bar", "ber", "tor", "lin", "man", "sen", "ton", "ral", "mer", "dis"),
)
TEMPLATE_LINKS = 1_400  # per site: ~120 KB of menus and link lists around each article


def vocabulary(size: int = VOCABULARY, seed: int = SEED) -> list[str]:
    """``size`` distinct made-up words of 2-5 syllables, in a seeded random order."""
    rng = np.random.default_rng(seed)
    words: dict[str, None] = {}
    while len(words) < size:
        lengths = rng.integers(2, 6, size=size)
        picks = rng.integers(0, len(_SYLLABLES), size=(size, 5))
        for length, row in zip(lengths, picks, strict=True):
            words.setdefault("".join(_SYLLABLES[i] for i in row[:length]), None)
            if len(words) == size:
                break
    return list(words)


@dataclass
class Corpus:
    """A seeded stream of archive records, and the document frequency of every word."""

    articles: int
    seed: int = SEED
    words: list[str] = field(default_factory=list)
    document_frequency: np.ndarray = field(default_factory=lambda: np.zeros(0))
    copies: int = 0
    updates: int = 0

    def __post_init__(self) -> None:
        self.words = vocabulary(seed=self.seed)
        weights = 1.0 / np.arange(1, len(self.words) + 1)
        self._cdf = np.cumsum(weights / weights.sum())
        self._rng = np.random.default_rng(self.seed + 1)
        self.document_frequency = np.zeros(len(self.words), dtype=np.int64)
        self._templates = {site: self._template() for site in SITES}

    def _template(self) -> str:
        """A site's markup around its articles: link lists of words drawn evenly (not Zipf),
        so a page does not compress to nothing (about 3:1; real pages 5:1)."""
        picks = self._rng.integers(0, len(self.words), size=(TEMPLATE_LINKS, 4)).tolist()
        words = self.words
        return "".join(
            f'<li class="menu-{a}"><a href="/{words[a]}/{words[b]}-{words[c]}">'
            f"{words[c]} {words[d]}</a></li>"
            for a, b, c, d in picks
        )

    def _draw(self, count: int) -> np.ndarray:
        ranks = np.searchsorted(self._cdf, self._rng.random(count))
        return np.minimum(ranks, len(self.words) - 1)

    def _text(self, ranks: np.ndarray) -> str:
        words = self.words
        return " ".join(words[rank] for rank in ranks.tolist())

    def _paragraph(self) -> np.ndarray:
        return self._draw(int(self._rng.integers(PARAGRAPH_WORDS - 40, PARAGRAPH_WORDS + 40)))

    def records(self, batch_size: int) -> Iterator[list[dict[str, Any]]]:
        """The records in batches: ``articles`` new articles plus their updates."""
        # The recent articles: copies and updates are of the last RECENT ones.
        stories: deque[dict[str, Any]] = deque(maxlen=RECENT)
        batch: list[dict[str, Any]] = []
        moment = START
        for number in range(self.articles):
            moment += timedelta(seconds=int(self._rng.integers(60, 180)))
            site = SITES[int(self._rng.integers(0, len(SITES)))]
            headline = self._draw(int(self._rng.integers(6, 13)))
            standfirst = self._draw(int(self._rng.integers(18, 32)))
            if stories and self._rng.random() < COPY_SHARE:
                # Another site's copy of a recent story: new headline and lead, no last paragraph.
                original = self._recent(stories, 500)
                paragraphs = [self._paragraph(), *original["paragraphs"][1:-1]]
                self.copies += 1
            else:
                paragraphs = [self._paragraph() for _ in range(PARAGRAPHS)]
            story: dict[str, Any] = {"number": number, "site": site, "paragraphs": paragraphs}
            stories.append(story)
            present = np.unique(np.concatenate([headline, standfirst, *paragraphs]))
            self.document_frequency[present] += 1
            story["fields"] = self._fields(number, site, moment, headline, standfirst, paragraphs)
            batch.append(self._record(story["fields"], moment))
            if self._rng.random() < UPDATE_SHARE and len(stories) > 1:
                earlier = self._recent(stories, 2000)
                batch.append(self._update(earlier, moment))
                self.updates += 1
            if len(batch) >= batch_size:
                yield batch
                batch = []
        if batch:
            yield batch

    def _recent(self, stories: deque[dict[str, Any]], within: int) -> dict[str, Any]:
        """One of the last ``within`` stories: copies and updates follow soon after a story."""
        return stories[int(self._rng.integers(max(0, len(stories) - within), len(stories)))]

    def _fields(
        self,
        number: int,
        site: str,
        moment: datetime,
        headline: np.ndarray,
        standfirst: np.ndarray,
        paragraphs: list[np.ndarray],
    ) -> dict[str, Any]:
        title = self._text(headline).capitalize()
        body = "\n\n".join(self._text(paragraph).capitalize() + "." for paragraph in paragraphs)
        return {
            "url": f"https://{site}.example/news/{number}",
            "canonical_url": f"https://{site}.example/news/{number}",
            "site": site,
            "site_name": site.title(),
            "title": title,
            "description": self._text(standfirst).capitalize() + ".",
            "authors": [f"Author {number % 97}"],
            "published": moment.isoformat(),
            "published_raw": moment.isoformat(),
            "language": "en",
            "section": f"section{number % 7}",
            "tags": [self.words[number % 500]],
            "body": body,
            "field_sources": {"title": "json-ld", "body": "trafilatura"},
            "access": "open",
        }

    def _update(self, story: dict[str, Any], moment: datetime) -> dict[str, Any]:
        """A re-fetch of ``story`` with a correction line added.

        The line has no word of the made-up vocabulary, so every word's document frequency
        stays what ``document_frequency`` counts.
        """
        fields = dict(story["fields"])
        fields["body"] += "\n\nCorrection: an earlier version of this story misstated an amount."
        story["fields"] = fields
        return self._record(fields, moment)

    def _record(self, fields: dict[str, Any], moment: datetime) -> dict[str, Any]:
        body = fields["body"]
        record = {
            **fields,
            "word_count": body.count(" ") + 1,
            "content_hash": content_hash(
                fields["title"], fields["description"], fields["authors"], body
            ),
        }
        paragraphs = "".join(f"<p>{paragraph}</p>" for paragraph in body.split("\n\n"))
        html = (
            f"<!doctype html><html><head><title>{fields['title']}</title></head><body>"
            f"<nav><ul>{self._templates[fields['site']]}</ul></nav>"
            f"<article><h1>{fields['title']}</h1>{paragraphs}</article></body></html>"
        )
        record["page"] = {
            "url": fields["url"],
            "status": 200,
            "headers": {"content-type": "text/html; charset=utf-8"},
            "body": html.encode("utf-8"),
            "fetched_at": moment.isoformat(),
        }
        record["aliases"] = [fields["url"]]
        return record

    def band(self, low: float, high: float, count: int) -> list[str]:
        """``count`` words (seeded pick) in between ``low`` and ``high`` of the articles."""
        shares = self.document_frequency / max(1, self.articles)
        inside = np.nonzero((shares >= low) & (shares <= high) & (self.document_frequency > 0))[0]
        rng = np.random.default_rng(self.seed + 2)
        chosen = rng.choice(inside, size=min(count, len(inside)), replace=False)
        return [self.words[int(rank)] for rank in sorted(chosen.tolist())]
