"""Tests of bench/scoring.py: the article-extraction benchmark's metric, written by hand.

A hand-written scorer is only trustworthy if it reproduces the published numbers, so the main
check scores the published trafilatura output and compares with the published table. The
small tests pin the rules that table depends on: shingles, multiset matching, which pages
count towards precision and recall, and exact-match accuracy.
"""

from __future__ import annotations

import pytest

from bench.extraction import data_dir, load_output, load_references
from bench.scoring import (
    PageScore,
    SnippetScore,
    aggregate,
    aggregate_snippets,
    bootstrap_sd,
    contains_snippet,
    evaluate,
    paired_bootstrap,
    score_page,
    score_snippets,
    shingles,
    tokenize,
)

ARTICLE = (
    "The harbor fire burned for three days before crews from four towns brought it under "
    "control on Sunday morning, officials said."
)
BOILERPLATE = "Subscribe to our newsletter for the latest news. Share this story on social media."


@pytest.fixture
def benchmark_references() -> dict[str, str]:
    if not (data_dir() / "ground-truth.json").is_file():
        pytest.skip("../shared/data is not present")
    return {key: item["articleBody"] for key, item in load_references(data_dir()).items()}


def test_tokens_are_unicode_words_with_case_kept() -> None:
    assert tokenize("Łódź’s mayor — “Ça va?” 3.5%") == ["Łódź", "s", "mayor", "Ça", "va", "3", "5"]
    assert tokenize("") == []
    assert tokenize(None) == []


def test_shingles_overlap_four_tokens() -> None:
    assert shingles("a b c d e") == {("a", "b", "c", "d"): 1, ("b", "c", "d", "e"): 1}
    assert shingles("a b c d a b c d") == {
        ("a", "b", "c", "d"): 2,
        ("b", "c", "d", "a"): 1,
        ("c", "d", "a", "b"): 1,
        ("d", "a", "b", "c"): 1,
    }


def test_short_text_is_one_shorter_shingle_and_empty_text_none() -> None:
    assert shingles("Breaking news") == {("Breaking", "news"): 1}
    assert shingles("one") == {("one",): 1}
    assert shingles("  — ") == {}


def test_identical_texts_score_one() -> None:
    metrics = evaluate({"a": ARTICLE, "b": "Short"}, {"a": ARTICLE, "b": "Short"}, samples=10)
    assert (metrics.f1, metrics.precision, metrics.recall, metrics.accuracy) == (1, 1, 1, 1)
    assert metrics.f1_sd == 0


def test_accuracy_compares_tokens_not_layout() -> None:
    reflowed = ARTICLE.replace(", ", ",\n\n").upper()
    assert score_page(ARTICLE, ARTICLE.replace(", ", ",\n\n")).exact
    assert not score_page(ARTICLE, reflowed).exact


def test_extra_boilerplate_lowers_precision_not_recall() -> None:
    page = score_page(ARTICLE, f"{BOILERPLATE}\n\n{ARTICLE}\n\n{BOILERPLATE}")
    assert page.fn == 0
    assert page.fp > 0
    assert page.recall == 1
    assert page.precision is not None
    assert page.precision < 1
    metrics = evaluate({"a": ARTICLE}, {"a": f"{ARTICLE} {BOILERPLATE}"}, samples=0)
    assert metrics.recall == 1
    assert metrics.precision < 1
    assert metrics.accuracy == 0


def test_repeated_shingles_count_as_a_multiset() -> None:
    page = score_page(ARTICLE, f"{ARTICLE} {ARTICLE}")
    assert page.tp == len(tokenize(ARTICLE)) - 3
    # The second copy's shingles plus the three that straddle the seam.
    assert page.fp == len(tokenize(ARTICLE))


def test_empty_prediction_counts_against_recall_only() -> None:
    references = {"a": ARTICLE, "b": ARTICLE}
    for predictions in ({"a": ARTICLE, "b": ""}, {"a": ARTICLE}):  # empty or missing
        metrics = evaluate(references, predictions, samples=0)
        assert metrics.precision == 1
        assert metrics.recall == 0.5
        assert metrics.f1 == pytest.approx(2 / 3)
        assert metrics.accuracy == 0.5


def test_f1_is_harmonic_mean_of_mean_precision_and_mean_recall() -> None:
    pages = [PageScore(tp=1, fp=0, fn=3, exact=False), PageScore(tp=3, fp=1, fn=0, exact=False)]
    scores = aggregate(pages)
    precision, recall = (1 + 0.75) / 2, (0.25 + 1) / 2
    assert scores["precision"] == precision
    assert scores["recall"] == recall
    assert scores["f1"] == pytest.approx(2 * precision * recall / (precision + recall))


def test_bootstrap_is_reproducible() -> None:
    pages = [score_page(ARTICLE, ARTICLE[: n * 10]) for n in range(1, 12)]
    first, second = bootstrap_sd(pages, samples=50), bootstrap_sd(pages, samples=50)
    assert first == second
    assert first["recall"] > 0


def test_published_trafilatura_output_reproduces_the_table(
    benchmark_references: dict[str, str],
) -> None:
    version, texts = load_output(data_dir() / "output" / "trafilatura.json")
    metrics = evaluate(benchmark_references, texts, samples=20)
    assert version == "2.0.0"
    assert metrics.pages == 181
    assert round(metrics.f1, 3) == 0.958
    assert round(metrics.precision, 3) == 0.938
    assert round(metrics.recall, 3) == 0.978
    assert round(metrics.accuracy, 3) == 0.293


def test_bare_output_format_is_read(benchmark_references: dict[str, str]) -> None:
    version, texts = load_output(data_dir() / "output" / "newspaper.json")
    assert version is None
    assert texts.keys() == benchmark_references.keys()


def test_paired_bootstrap_of_identical_extractors_is_exactly_zero() -> None:
    pages = [score_page(ARTICLE, ARTICLE[: n * 10]) for n in range(1, 12)]
    difference = paired_bootstrap(pages, pages, samples=200)
    assert (difference.point, difference.low, difference.high) == (0, 0, 0)
    assert difference.share_above == 0


def test_paired_bootstrap_sees_a_small_consistent_lead_that_unpaired_spread_hides() -> None:
    # b varies a lot from page to page; a is b plus one more true shingle on every page.
    b = [PageScore(tp=n, fp=10 - n, fn=10 - n, exact=False) for n in range(1, 10)]
    a = [PageScore(tp=n + 1, fp=9 - n, fn=9 - n, exact=False) for n in range(1, 10)]
    difference = paired_bootstrap(a, b, samples=300)
    assert difference.point == pytest.approx(0.1)
    assert 0 < difference.low <= difference.point <= difference.high
    assert difference.share_above == 1
    # Unpaired, the two ± overlap: the pairing is what makes the lead visible.
    assert bootstrap_sd(b, samples=300)["f1"] > difference.point / 2


def test_paired_bootstrap_interval_straddles_zero_for_a_mixed_result() -> None:
    a = [PageScore(1, 0, 0, True), PageScore(0, 1, 1, False)] * 5
    b = [PageScore(0, 1, 1, False), PageScore(1, 0, 0, True)] * 5
    difference = paired_bootstrap(a, b, samples=300)
    assert difference.point == 0
    assert difference.low < 0 < difference.high


def test_paired_bootstrap_needs_the_same_pages() -> None:
    with pytest.raises(ValueError, match="same pages"):
        paired_bootstrap([PageScore(1, 0, 0, True)], [], samples=10)


def test_snippet_is_found_by_tokens_across_layout_and_case() -> None:
    text = "Officials said:\n\n“The Harbor fire burned for three days.” Crews stayed."
    assert contains_snippet(text, "the harbor fire burned for three days")
    assert contains_snippet(text, "said The Harbor")  # runs over the paragraph break
    assert not contains_snippet(text, "fire burned for four days")
    assert not contains_snippet(text, "days Crews left")  # partial run is not a match
    assert not contains_snippet(text, "— …")  # no word tokens: never found
    assert not contains_snippet("", "Officials")


def test_snippet_score_counts_found_and_leaked() -> None:
    page = score_snippets(
        f"{ARTICLE}\n\nSubscribe to our newsletter",
        ["harbor fire burned", "crews from four towns", "mayor resigned"],
        ["Subscribe to our newsletter", "Cookie settings"],
    )
    assert page == SnippetScore(with_found=2, with_total=3, without_leaked=1, without_total=2)
    assert page.recall == pytest.approx(2 / 3)
    assert page.precision == 0.5


def test_snippet_f1_needs_both_sides_and_skips_pages_without_snippets() -> None:
    empty = score_snippets("", ["harbor fire"], ["Subscribe"])
    assert aggregate_snippets([empty]) == {
        "snippet_f1": 0.0,
        "snippet_precision": 1.0,
        "snippet_recall": 0.0,
    }
    pages = [
        SnippetScore(with_found=1, with_total=2, without_leaked=0, without_total=0),
        SnippetScore(with_found=0, with_total=0, without_leaked=1, without_total=4),
        SnippetScore(with_found=2, with_total=2, without_leaked=0, without_total=4),
    ]
    scores = aggregate_snippets(pages)
    recall, precision = (0.5 + 1) / 2, (0.75 + 1) / 2
    assert scores["snippet_recall"] == recall
    assert scores["snippet_precision"] == precision
    assert scores["snippet_f1"] == pytest.approx(2 * precision * recall / (precision + recall))
