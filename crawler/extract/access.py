"""Whether the archived body is the article a reader gets: ``access`` and the signals behind it.

Values: ``open``; ``paywalled`` (the publisher marks the article as for subscribers);
``consent_wall`` (a cookie-consent wall stood in front of the text); ``js_required`` (the text
is drawn by scripts the crawler does not run); ``truncated`` (the body is far shorter than the
page itself promises, or shorter than an article can be, with no wall to blame).

Order, and why. A user of the archive needs two things from this column: never to take a
cut text for the whole article, and to know which articles a publisher keeps for paying
readers. So a page's own declaration that it is not free (JSON-LD ``isAccessibleForFree:
false``, on the article or on a ``hasPart`` element, or ``article:content_tier`` locked or
metered) makes it ``paywalled`` even when the whole text was served, as many sites serve it to
crawlers: the crawler cannot always tell a whole text from a cut one, and the declaration is
true either way (``word_count`` shows how much came through). Without a declaration, the
markup only explains a body that is short or far shorter than the page promises (a
``wordCount`` or an ``articleBody`` well above what was extracted): a paywall container
makes it ``paywalled``, a consent manager's container ``consent_wall``, a ``<noscript>``
asking for JavaScript ``js_required``, and otherwise it is ``truncated``. Paywall scripts and
consent managers sit on nearly every page of the sites that use them, free articles included,
so their markers alone never flag a body that is whole.

The text itself ("subscribe to continue", "we use cookies") is read last, by the validate
stage's ``access_of``, for short bodies the markup said nothing about.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from crawler.extract.article_body import share_within

if TYPE_CHECKING:
    from lxml import html as lxml_html

ACCESS_VALUES = ("open", "paywalled", "consent_wall", "js_required", "truncated")
# The archive's ARCHIVE_MIN_BODY_CHARS default: a shorter body is not a whole article.
DEFAULT_MIN_BODY_CHARS = 200
# "Far shorter than promised": under this share of the page's wordCount or articleBody.
PROMISE_SHARE = 0.5
# A wordCount below this is too small to promise anything (teasers, galleries).
MIN_PROMISED_WORDS = 150
# The body must be mostly in the articleBody it is compared with: another article's text
# promises nothing about this one.
MIN_PROMISED_SHARE = 0.5
LOCKED_TIERS = {"locked", "metered"}
WORD = re.compile(r"\w+")


def _marker(*words: str) -> re.Pattern[str]:
    # A word of a class or id, delimited by anything but a letter or digit: "paywall" in
    # "article-paywall__box", "meter" in "meter-wall", never "meter" in "parameter".
    alternatives = "|".join(re.escape(word) for word in words)
    return re.compile(rf"(?<![a-z0-9])(?:{alternatives})(?![a-z0-9])", re.IGNORECASE)


PAYWALL_MARKERS = _marker(
    "paywall",
    "pay-wall",
    "piano",
    "tp-modal",
    "tp-container-inner",
    "meter",
    "metered",
    "subscriber-only",
    "subscribers-only",
    "premium-content",
    "regwall",
    "gated-content",
    "content-gate",
)
CONSENT_MARKERS = _marker(
    "onetrust",
    "onetrust-consent-sdk",
    "cookiebot",
    "cybotcookiebotdialog",
    "didomi",
    "didomi-host",
    "sp_message",
    "sp_message_container",
    "qc-cmp",
    "qc-cmp2-container",
    "cmp-container",
    "consent-wall",
    "cookie-wall",
    "usercentrics",
)
JS_REQUIRED_TEXT = re.compile(
    r"\b(?:enable|turn on|activate)\s+javascript\b|\bjavascript\s+is\s+(?:disabled|required|off)\b"
    r"|\brequires?\s+javascript\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class AccessSignals:
    """What the markup says, read from the tree before the body extraction takes it apart."""

    declared_paywall: str | None = None  # the declaration's source, e.g. "json-ld:hasPart"
    paywall_marker: bool = False
    consent_marker: bool = False
    js_notice: bool = False
    promised_words: int | None = None  # JSON-LD wordCount


def read_signals(
    document: lxml_html.HtmlElement,
    article: dict[str, Any] | None,
    meta_tiers: list[str] | None = None,
) -> AccessSignals:
    """The access signals of a page: its JSON-LD article object, meta tags and containers."""
    tiers = meta_tiers if meta_tiers is not None else _content_tiers(document)
    declared = None
    if article is not None:
        declared = _declared_in_jsonld(article)
    if declared is None and any(t.strip().lower() in LOCKED_TIERS for t in tiers):
        declared = "meta:article:content_tier"
    classes = " ".join(
        f"{element.get('class') or ''} {element.get('id') or ''}"
        for element in document.xpath("//body//*[@class or @id]")
        if not _is_script(element)
    )
    notices = " ".join(n.text_content() for n in document.iter("noscript"))
    return AccessSignals(
        declared_paywall=declared,
        paywall_marker=bool(PAYWALL_MARKERS.search(classes)),
        consent_marker=bool(CONSENT_MARKERS.search(classes)),
        js_notice=bool(JS_REQUIRED_TEXT.search(notices)),
        promised_words=_word_count(article.get("wordCount")) if article else None,
    )


def decide_access(
    signals: AccessSignals,
    body: str,
    *,
    promised_body: str | None = None,
    min_body_chars: int = DEFAULT_MIN_BODY_CHARS,
) -> tuple[str, str | None]:
    """``(access, why)``: the value (see the module docstring for the order) and its signal.

    ``promised_body`` is the page's JSON-LD ``articleBody`` when it was not used as the body;
    ``why`` is ``None`` for ``open`` and for a short body left to the text rules.
    """
    if signals.declared_paywall:
        return "paywalled", signals.declared_paywall
    words = len(WORD.findall(body))
    promise = None
    promised_words = signals.promised_words or 0
    if promised_words >= MIN_PROMISED_WORDS and words < PROMISE_SHARE * promised_words:
        promise = "json-ld:wordCount"
    if promise is None and promised_body:
        promised_words = len(WORD.findall(promised_body))
        if (
            promised_words >= MIN_PROMISED_WORDS
            and words < PROMISE_SHARE * promised_words
            and share_within(body, promised_body) >= MIN_PROMISED_SHARE
        ):
            promise = "json-ld:articleBody"
    short = len(body) < min_body_chars
    if promise is None and not short:
        return "open", None
    if signals.paywall_marker:
        return "paywalled", "html:paywall"
    if signals.consent_marker:
        return "consent_wall", "html:consent"
    if signals.js_notice and (short or not body.strip()):
        return "js_required", "html:noscript"
    if promise is not None:
        return "truncated", promise
    # Short, with nothing in the markup to say why: the validate stage reads the text.
    return "open", None


def _declared_in_jsonld(article: dict[str, Any]) -> str | None:
    if _is_false(article.get("isAccessibleForFree")):
        return "json-ld:isAccessibleForFree"
    parts = article.get("hasPart")
    for part in parts if isinstance(parts, list) else [parts]:
        if isinstance(part, dict) and _is_false(part.get("isAccessibleForFree")):
            return "json-ld:hasPart"
    return None


def _is_false(value: Any) -> bool:
    return value is False or (isinstance(value, str) and value.strip().lower() == "false")


def _word_count(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value > 0 else None
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip()) or None
    return None


def _content_tiers(document: lxml_html.HtmlElement) -> list[str]:
    return [
        str(value)
        for value in document.xpath(
            "//meta[@property='article:content_tier' or @name='article:content_tier']/@content"
        )
    ]


def _is_script(element: Any) -> bool:
    return isinstance(element.tag, str) and element.tag.lower() in ("script", "style")
