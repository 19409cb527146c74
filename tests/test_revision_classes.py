"""The change classes and notices, on the labelled edit pairs of ``tests/revision_edits.py``."""

from __future__ import annotations

import pytest

from crawler.revisions.classify import COSMETIC_MAX_WORDS, describe_change
from crawler.revisions.notices import find_notices, new_notices
from tests.revision_edits import BODY, COSMETIC, EDITS, SUBSTANTIVE, TITLE, Edit


@pytest.mark.parametrize("pair", EDITS, ids=[pair.name for pair in EDITS])
def test_each_labelled_edit_gets_its_class(pair: Edit):
    change = describe_change({pair.field: pair.old}, {pair.field: pair.new})
    print(f"{pair.name}: {change.changed_words} words, figures {change.figures}")
    assert change.change_class == pair.label
    assert change.changed_fields == [pair.field]


def test_the_word_threshold_separates_the_labelled_pairs():
    """The cosmetic pairs stay under the threshold and the word-count-only substantive ones
    above it; a threshold moved past either would misclassify a pair."""

    def words(pair: Edit) -> int:
        return describe_change({pair.field: pair.old}, {pair.field: pair.new}).changed_words

    cosmetic = max(words(pair) for pair in COSMETIC)
    by_count = [
        words(pair)
        for pair in SUBSTANTIVE
        if pair.field == "body"
        and not (change := describe_change({"body": pair.old}, {"body": pair.new})).figures
        and not change.negations
        and not change.corrections
        and pair.name != "another person named"
    ]
    assert by_count
    assert cosmetic <= COSMETIC_MAX_WORDS < min(by_count)


def test_a_first_version_has_no_class_but_keeps_its_notices():
    body = BODY + "\n\nCorrection: An earlier version misspelled the director's name."
    change = describe_change(None, {"title": TITLE, "body": body})
    assert (change.change_class, change.changed_fields) == (None, [])
    assert change.corrections == ["Correction: An earlier version misspelled the director's name."]


def test_changed_fields_are_sorted_and_word_count_is_not_one():
    old = {"title": TITLE, "body": BODY, "modified": "2026-11-29", "word_count": 90}
    new = {
        "title": TITLE + " now",
        "body": BODY + "\n\nMore.",
        "modified": "2026-11-30",
        "word_count": 91,
    }
    assert describe_change(old, new).changed_fields == ["body", "modified", "title"]


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Correction: The mayor's name was misspelled.", "correction"),
        ("CORRECTIONS: Two figures were wrong.", "correction"),
        ("Clarification: The plan covers trucks only.", "correction"),
        ("This article has been corrected to fix the date of the vote.", "correction"),
        ("This story was amended on 3 May to remove a name.", "correction"),
        ("An earlier version of this story misstated the cost.", "correction"),
        (
            "A previous version of this article incorrectly said the bridge was closed.",
            "correction",
        ),
        ("Editor\u2019s note: The author is a member of the board.", "correction"),
        ("[Correction: the vote was 5-2.]", "correction"),
        ("CORRECTION (Nov. 29, 2026): The vote was 5-2, not 6-1.", "correction"),
        ("Correction \u2014 The vote was 5-2.", "correction"),
        ("Fe de erratas: el alcalde no asistió.", "correction"),
        ("Corrección: la cifra era 300.", "correction"),
        ("Rectificatif : le maire n'était pas présent.", "correction"),
        ("Correction : le chiffre était faux.", "correction"),
        ("Korrektur: In einer früheren Version hieß es fälschlich ...", "correction"),
        ("Berichtigung: Der Bürgermeister war nicht anwesend.", "correction"),
        ("Update: Police said on Saturday that two men were arrested.", "update"),
        ("Updated: Nov. 29, 2026", "update"),
        ("Updated 10:42 a.m. EST", "update"),
        ("This article was updated with comment from the mayor.", "update"),
    ],
)
def test_notices_are_found_with_their_kind(text, kind):
    notices = find_notices(f"The first paragraph.\n\n{text}\n\nThe last one.")
    folded = text.replace("\u2019", "'").replace("\u2014", "-")
    assert [(n.kind, n.text) for n in notices] == [(kind, folded)]


@pytest.mark.parametrize(
    "text",
    [
        "The correction came too late for the markets, traders said.",
        "Police updated the public on the search on Friday.",
        "An earlier version of the plan was rejected by the council.",
        "Corrections officers said the prison was understaffed.",
        "Update your browser to see this content",
    ],
)
def test_sentences_that_only_mention_corrections_are_not_notices(text):
    assert find_notices(text) == []


def test_a_notice_is_new_unless_the_version_before_had_it_even_with_another_time():
    before = [TITLE, BODY]  # ends "Updated 10:42 a.m. EST"
    later = [TITLE, BODY.replace("10:42 a.m.", "1:05 p.m.")]
    assert new_notices(before, later) == []
    corrected = [TITLE, later[1] + "\n\nCorrection: The cost was misstated."]
    assert [n.text for n in new_notices(before, corrected)] == [
        "Correction: The cost was misstated."
    ]
    assert [n.text for n in new_notices(None, before)] == ["Updated 10:42 a.m. EST"]


def test_a_long_paragraph_starting_with_update_is_the_article_not_a_notice():
    assert find_notices("Update: " + "the council met again. " * 40) == []
