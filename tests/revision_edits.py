"""Labelled edit pairs: realistic changes between two versions of a news article.

Each pair has a name, the label an editor would give the change, the field it is in, and the
old and new text. ``tests/test_revision_classes.py`` checks that every pair is classified as
labelled, and prints the measure of each (``pytest -s``): the thresholds in
``crawler/revisions/classify.py`` were read from it.
"""

from __future__ import annotations

from typing import NamedTuple

TITLE = "Harbor bridge closes for three weeks of repairs"
DESCRIPTION = "Commuters face detours - crews replace the bridge's worn steel joints."
BODY = """\
The Harbor Street bridge will close to traffic on Monday for three weeks while crews replace \
its worn expansion joints, the city's transportation department said on Friday.

About 14,000 vehicles cross the bridge each day. Drivers will be sent along Front Street and \
the Mill Road overpass, which the department said would add 10 to 15 minutes at rush hour.

"We know this is a real inconvenience," said Dana Whitfield, the department's director. \
"The joints are 40 years old and we can't put this off another winter."

The work will cost $2.3 million, paid from the state's bridge repair fund. Buses on routes 4 \
and 9 will keep their stops but run on the detour.

Updated 10:42 a.m. EST"""
LAST_PARAGRAPH = (
    "The work will cost $2.3 million, paid from the state's bridge repair fund. Buses on "
    "routes 4 and 9 will keep their stops but run on the detour."
)


class Edit(NamedTuple):
    name: str
    label: str  # trivial, cosmetic or substantive
    field: str
    old: str
    new: str


def edit(old: str, new: str, text: str = BODY) -> str:
    """``text`` with its first ``old`` replaced by ``new`` (which must be there)."""
    assert old in text, old
    return text.replace(old, new, 1)


TRIVIAL = [
    Edit("white space", "trivial", "body", BODY, edit("department said", "department  said")),
    Edit("a comma", "trivial", "body", BODY, edit("on Friday.", "on Friday,")),
    Edit("comma added", "trivial", "body", BODY, edit("Front Street and", "Front Street, and")),
    Edit(
        "curly quotes",
        "trivial",
        "body",
        BODY,
        BODY.replace('"', "\u201c", 1).replace("can't", "can\u2019t"),
    ),
    Edit(
        "em dash for hyphen",
        "trivial",
        "description",
        DESCRIPTION,
        DESCRIPTION.replace(" - ", " \u2014 "),
    ),
    Edit("updated timestamp line", "trivial", "body", BODY, edit("10:42 a.m.", "1:05 p.m.")),
    Edit(
        "updated date and time",
        "trivial",
        "body",
        BODY,
        edit("Updated 10:42 a.m. EST", "Updated Nov. 29, 2026, 1:05 p.m. EST"),
    ),
    Edit(
        "modified date",
        "trivial",
        "modified",
        "2026-11-29T15:42:00+00:00",
        "2026-11-29T18:05:00+00:00",
    ),
    Edit("no-break space", "trivial", "title", TITLE, TITLE.replace("three ", "three\u00a0")),
]
COSMETIC = [
    Edit("typo fixed", "cosmetic", "body", edit("replace", "replcae"), BODY),
    Edit(
        "two typos fixed",
        "cosmetic",
        "body",
        edit("vehicles", "vehciles").replace("inconvenience", "inconvenince"),
        BODY,
    ),
    Edit("name respelled", "cosmetic", "body", BODY, BODY.replace("Whitfield", "Whitfeld")),
    Edit("case of a word", "cosmetic", "body", BODY, edit("director", "Director")),
    Edit("headline typo", "cosmetic", "title", TITLE.replace("repairs", "repiars"), TITLE),
    Edit("a word swapped", "cosmetic", "body", BODY, edit("a real", "a big")),
    Edit(
        "re-worded clause",
        "cosmetic",
        "body",
        BODY,
        edit("transportation department said", "transport department announced"),
    ),
    Edit(
        "re-worded sentence",
        "cosmetic",
        "body",
        BODY,
        edit(
            "will keep their stops but run on the detour.",
            "will run on the detour but keep their stops.",
        ),
    ),
    Edit(
        "attribution re-worded",
        "cosmetic",
        "body",
        BODY,
        edit(
            "said Dana Whitfield, the department's director.",
            "according to Dana Whitfield, who directs the department.",
        ),
    ),
    Edit(
        "standfirst tightened",
        "cosmetic",
        "description",
        DESCRIPTION,
        DESCRIPTION.replace("worn ", ""),
    ),
    Edit("update line appears", "cosmetic", "body", edit("\n\nUpdated 10:42 a.m. EST", ""), BODY),
]
SUBSTANTIVE = [
    Edit("changed figure", "substantive", "body", BODY, edit("$2.3 million", "$3.2 million")),
    Edit(
        "3 dead to 5 dead",
        "substantive",
        "title",
        "Fire at harbor warehouse leaves 3 dead",
        "Fire at harbor warehouse leaves 5 dead",
    ),
    Edit("number word", "substantive", "body", BODY, edit("three weeks", "four weeks")),
    Edit("a negation", "substantive", "body", BODY, edit("we can't put", "we can put")),
    Edit(
        "another person named",
        "substantive",
        "body",
        BODY,
        BODY.replace("Dana Whitfield", "Carla Moreno").replace("Whitfield", "Moreno"),
    ),
    Edit(
        "headline rewritten",
        "substantive",
        "title",
        TITLE,
        "City shuts Harbor Street bridge until December",
    ),
    Edit(
        "headline word added",
        "substantive",
        "title",
        TITLE,
        TITLE.replace("bridge closes", "bridge abruptly closes"),
    ),
    Edit("byline changed", "substantive", "authors", '["Ana Ruiz"]', '["Ana Ruiz", "Tom Becker"]'),
    Edit(
        "added paragraph",
        "substantive",
        "body",
        BODY,
        edit(
            "\n\nUpdated",
            "\n\nThe department said the closure could end early if the weather holds, and "
            "that a second bridge on Mill Road will be inspected next spring.\n\nUpdated",
        ),
    ),
    Edit(
        "clause added",
        "substantive",
        "body",
        BODY,
        edit("at rush hour.", "at rush hour, and trucks will be kept off the detour."),
    ),
    Edit(
        "added sentence",
        "substantive",
        "body",
        BODY,
        edit(
            "at rush hour.",
            "at rush hour. Cyclists and pedestrians may still cross on the east walkway.",
        ),
    ),
    Edit("paragraph removed", "substantive", "body", BODY, edit("\n\n" + LAST_PARAGRAPH, "")),
    Edit(
        "correction notice appended",
        "substantive",
        "body",
        BODY,
        BODY + "\n\nCorrection: An earlier version of this article misstated the director's title.",
    ),
    Edit(
        "figure fixed with a correction",
        "substantive",
        "body",
        BODY,
        edit("About 14,000", "About 41,000")
        + "\n\nCorrection: An earlier version of this story gave the wrong number of vehicles.",
    ),
    Edit(
        "clarification",
        "substantive",
        "body",
        BODY,
        BODY + "\n\nClarification: The detour applies to trucks only between 7 and 9 a.m.",
    ),
    Edit(
        "update paragraph",
        "substantive",
        "body",
        BODY,
        edit(
            "Updated 10:42 a.m. EST",
            "Update: The department said on Saturday that the Front Street detour will be "
            "one-way northbound during the closure.",
        ),
    ),
]
EDITS = [*TRIVIAL, *COSMETIC, *SUBSTANTIVE]
