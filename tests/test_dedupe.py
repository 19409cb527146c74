"""Tests for pipelines/dedupe.py: the content hash behind revisions."""

from __future__ import annotations

import pytest

from pipelines.dedupe import content_hash


def test_content_hash_is_stable_sha256_hex() -> None:
    first = content_hash("Title", "Standfirst", ["Jane Doe"], "Body text.")
    second = content_hash("Title", "Standfirst", ["Jane Doe"], "Body text.")
    assert first == second
    assert len(first) == 64
    assert all(c in "0123456789abcdef" for c in first)


def test_content_hash_changes_when_the_body_changes() -> None:
    before = content_hash("Title", "Standfirst", ["Jane Doe"], "Body text.")
    after = content_hash("Title", "Standfirst", ["Jane Doe"], "Body text, corrected.")
    assert before != after


@pytest.mark.parametrize(
    "changed",
    [
        ("Title!", "Standfirst", ["Jane Doe"], "Body."),
        ("Title", "Standfirst!", ["Jane Doe"], "Body."),
        ("Title", "Standfirst", ["Jane Doe", "John Roe"], "Body."),
    ],
)
def test_content_hash_covers_title_description_and_authors(
    changed: tuple[str, str, list[str], str],
) -> None:
    assert content_hash(*changed) != content_hash("Title", "Standfirst", ["Jane Doe"], "Body.")


def test_content_hash_does_not_confuse_fields() -> None:
    assert content_hash("a", "b", [], "") != content_hash("a", "", [], "b")
    assert content_hash("ab", "", [], "") != content_hash("a", "b", [], "")


def test_content_hash_treats_none_as_empty() -> None:
    assert content_hash(None, None, [], "") == content_hash("", "", [], "")
