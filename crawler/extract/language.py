"""The article's language when the markup does not state it: detected on the body text.

py3langid ships its model inside the package (nothing is fetched at run time) and classifies
a few thousand characters in well under a millisecond once loaded. Short texts are left
undetected: a headline or a caption alone is too little to tell related languages apart.
"""

from __future__ import annotations

import py3langid

MIN_CHARS = 200  # below this a guess is often wrong between related languages
SAMPLE_CHARS = 3_000  # enough for a stable answer; more only costs time


def detect_language(text: str) -> str | None:
    """The ISO 639-1 code of ``text``'s language, or ``None`` if there is too little text."""
    sample = text.strip()[:SAMPLE_CHARS]
    if len(sample) < MIN_CHARS:
        return None
    code, _score = py3langid.classify(sample)
    return str(code) or None
