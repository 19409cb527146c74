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


# Paired bootstrap: is one extractor's F1 really above another's on these pages?


@dataclass(frozen=True)
class PairedDifference:
    """F1 of ``a`` minus F1 of ``b`` on the same pages, with a bootstrap 95% interval."""

    point: float  # on the pages as they are
    mean: float  # mean over the resamples
    low: float  # 2.5th percentile of the resampled differences
    high: float  # 97.5th percentile
    share_above: float  # share of resamples where ``a`` scores higher than ``b``
    samples: int

    def as_dict(self) -> dict[str, float | int]:
        return asdict(self)


def _percentile(ordered: Sequence[float], fraction: float) -> float:
    """Linear-interpolated percentile of already sorted values (as numpy's default)."""
    position = (len(ordered) - 1) * fraction
    below = math.floor(position)
    above = min(below + 1, len(ordered) - 1)
    return ordered[below] + (ordered[above] - ordered[below]) * (position - below)


def paired_bootstrap(
    a: Sequence[PageScore],
    b: Sequence[PageScore],
    samples: int = BOOTSTRAP_SAMPLES,
    seed: int = BOOTSTRAP_SEED,
) -> PairedDifference:
    """F1 of ``a`` minus F1 of ``b``, where ``a[i]`` and ``b[i]`` score the same page.

    Paired: each resample draws one list of page indices and scores both extractors on it,
    so the page-to-page variation that two independent ± would double-count cancels out, and
    the interval answers "would ``a`` still beat ``b`` on another draw of similar pages?".
    With fewer than two samples the interval collapses to the point difference.
    """
    if len(a) != len(b):
        raise ValueError(f"paired scores need the same pages: {len(a)} != {len(b)}")
    point = aggregate(a)["f1"] - aggregate(b)["f1"]
    if samples < 2 or not a:
        return PairedDifference(point, point, point, point, float(point > 0), 0)
    rng = random.Random(seed)
    n = len(a)
    differences = []
    for _ in range(samples):
        indices = [rng.randrange(n) for _ in range(n)]
        first = aggregate([a[i] for i in indices])["f1"]
        second = aggregate([b[i] for i in indices])["f1"]
        differences.append(first - second)
    differences.sort()
    return PairedDifference(
        point=point,
        mean=_mean(differences),
        low=_percentile(differences, 0.025),
        high=_percentile(differences, 0.975),
        share_above=_mean([1.0 if d > 0 else 0.0 for d in differences]),
        samples=samples,
    )


# Snippets: sentences a good extraction must contain ("with") or must not ("without").


def contains_snippet(text: str | None, snippet: str) -> bool:
    """Whether ``snippet``'s word tokens occur in ``text`` as one contiguous run, case folded.

    Tokens rather than characters, so a snippet still counts as found when the extractor
    joined lines differently, dropped a curly quote or changed the case of a heading. A
    snippet with no word tokens is never found.
    """
    needle = [token.casefold() for token in tokenize(snippet)]
    if not needle:
        return False
    haystack = [token.casefold() for token in tokenize(text)]
    first, size = needle[0], len(needle)
    return any(
        haystack[i] == first and haystack[i : i + size] == needle
        for i in range(len(haystack) - size + 1)
    )


@dataclass(frozen=True)
class SnippetScore:
    """One page's snippet counts: ``with`` snippets found, ``without`` snippets leaked."""

    with_found: int
    with_total: int
    without_leaked: int
    without_total: int

    @property
    def recall(self) -> float | None:
        """Share of ``with`` snippets found; ``None`` when the page has none."""
        return self.with_found / self.with_total if self.with_total else None

    @property
    def precision(self) -> float | None:
        """Share of ``without`` snippets kept out; ``None`` when the page has none."""
        if not self.without_total:
            return None
        return (self.without_total - self.without_leaked) / self.without_total


def score_snippets(
    prediction: str | None, with_snippets: Sequence[str], without_snippets: Sequence[str]
) -> SnippetScore:
    """Count which of one page's snippets ``prediction`` contains (see ``contains_snippet``)."""
    return SnippetScore(
        with_found=sum(contains_snippet(prediction, s) for s in with_snippets),
        with_total=len(with_snippets),
        without_leaked=sum(contains_snippet(prediction, s) for s in without_snippets),
        without_total=len(without_snippets),
    )


def aggregate_snippets(pages: Sequence[SnippetScore]) -> dict[str, float]:
    """Snippet recall, precision and F1 over pages, built like the shingle scores.

    recall = mean over pages with ``with`` snippets of the share found; precision = mean over
    pages with ``without`` snippets of the share kept out (1 - leaked share); F1 = harmonic
    mean of those two means. An empty prediction keeps every ``without`` snippet out, so it
    has precision 1 and recall 0: F1 needs both.
    """
    recall = _mean([r for r in (page.recall for page in pages) if r is not None])
    precision = _mean([p for p in (page.precision for page in pages) if p is not None])
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"snippet_f1": f1, "snippet_precision": precision, "snippet_recall": recall}
