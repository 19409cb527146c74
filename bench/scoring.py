"""The article-extraction benchmark's metric (Zyte/Scrapinghub), as pure functions.

Written by hand because it is the benchmark's own metric and no library implements it: word
tokens (``\\w+``), overlapping 4-token shingles compared as multisets per page, precision and
recall averaged over pages (each page weighs the same, however long), F1 the harmonic mean of
those two averages, and ± the standard deviation over bootstrap resamples of the pages. Only
scores computed exactly this way are comparable with the published table, which is why the
tests check that the published outputs reproduce it to three decimals.

Pages a prediction leaves out count as an empty prediction (the benchmark's own evaluator
refuses such files; every published output covers all pages, so this changes none of them).
"""

from __future__ import annotations

import math
import random
import re
import statistics
from collections import Counter
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

SHINGLE_SIZE = 4
BOOTSTRAP_SAMPLES = 1000
BOOTSTRAP_SEED = 20191126  # fixed so the ± is the same from run to run
TOKEN = re.compile(r"\w+")

Shingle = tuple[str, ...]


def tokenize(text: str | None) -> list[str]:
    """Word tokens of ``text``: runs of Unicode word characters, case kept."""
    return TOKEN.findall(text or "")


def shingles(text: str | None, size: int = SHINGLE_SIZE) -> Counter[Shingle]:
    """Multiset of overlapping ``size``-token shingles; a shorter non-empty text is one shingle."""
    tokens = tokenize(text)
    if not tokens:
        return Counter()
    count = max(1, len(tokens) - size + 1)
    return Counter(tuple(tokens[i : i + size]) for i in range(count))


@dataclass(frozen=True)
class PageScore:
    """Shingle counts of one page: true positives, false positives, false negatives."""

    tp: int
    fp: int
    fn: int
    exact: bool  # the token sequences are identical

    @property
    def precision(self) -> float | None:
        """Share of predicted shingles that are in the reference; ``None`` for no prediction."""
        predicted = self.tp + self.fp
        return self.tp / predicted if predicted else None

    @property
    def recall(self) -> float | None:
        """Share of reference shingles that were predicted; ``None`` for an empty reference."""
        expected = self.tp + self.fn
        return self.tp / expected if expected else None


def score_page(reference: str | None, prediction: str | None) -> PageScore:
    """Compare one page's predicted text with its reference text."""
    expected, predicted = shingles(reference), shingles(prediction)
    tp = sum((expected & predicted).values())
    return PageScore(
        tp=tp,
        fp=sum(predicted.values()) - tp,
        fn=sum(expected.values()) - tp,
        exact=tokenize(reference) == tokenize(prediction),
    )


@dataclass(frozen=True)
class Metrics:
    """Benchmark scores over a set of pages, with bootstrap standard deviations."""

    f1: float
    precision: float
    recall: float
    accuracy: float
    f1_sd: float
    precision_sd: float
    recall_sd: float
    accuracy_sd: float
    pages: int

    def as_dict(self) -> dict[str, float | int]:
        return asdict(self)


def _mean(values: Sequence[float]) -> float:
    return math.fsum(values) / len(values) if values else 0.0


def aggregate(pages: Sequence[PageScore]) -> dict[str, float]:
    """F1, precision, recall and accuracy of ``pages`` (no ±)."""
    precision = _mean([p for p in (page.precision for page in pages) if p is not None])
    recall = _mean([r for r in (page.recall for page in pages) if r is not None])
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    accuracy = _mean([1.0 if page.exact else 0.0 for page in pages])
    return {"f1": f1, "precision": precision, "recall": recall, "accuracy": accuracy}


def bootstrap_sd(
    pages: Sequence[PageScore], samples: int = BOOTSTRAP_SAMPLES, seed: int = BOOTSTRAP_SEED
) -> dict[str, float]:
    """Standard deviation of each metric over ``samples`` resamples (with replacement) of pages."""
    if samples < 2 or not pages:
        return dict.fromkeys(("f1", "precision", "recall", "accuracy"), 0.0)
    rng = random.Random(seed)
    n = len(pages)
    values: dict[str, list[float]] = {}
    for _ in range(samples):
        resample = [pages[rng.randrange(n)] for _ in range(n)]
        for name, value in aggregate(resample).items():
            values.setdefault(name, []).append(value)
    return {name: statistics.stdev(series) for name, series in values.items()}


def score_pages(pages: Sequence[PageScore], samples: int = BOOTSTRAP_SAMPLES) -> Metrics:
    """Metrics of already-scored pages, with bootstrap ± over ``samples`` resamples."""
    point = aggregate(pages)
    spread = bootstrap_sd(pages, samples=samples)
    return Metrics(
        **point,
        **{f"{name}_sd": value for name, value in spread.items()},
        pages=len(pages),
    )


def evaluate(
    references: Mapping[str, str],
    predictions: Mapping[str, str | None],
    samples: int = BOOTSTRAP_SAMPLES,
) -> Metrics:
    """Score ``predictions`` against ``references``, both ``{page id: text}``.

    Every reference page is scored; one missing from ``predictions`` is an empty prediction
    (it lowers recall and accuracy, and leaves precision alone). Predictions for pages with no
    reference are ignored.
    """
    pages = [score_page(text, predictions.get(page_id)) for page_id, text in references.items()]
    return score_pages(pages, samples=samples)
