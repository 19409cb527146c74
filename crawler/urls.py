"""What makes two URLs the same article: one rule, used by spiders and pipelines alike.

Feeds and newsletters decorate links with tracking parameters (``utm_source``, ``fbclid``) and
fragments; none of them changes the page. Spiders request the cleaned URL, so the same article
reached through two campaigns is fetched once, and the store records it under one identity.
Session ids (``PHPSESSID``, ``jsessionid``) are dropped too: a site that puts a fresh one in
every link would otherwise be a trap of endless "new" URLs for one page. A bare ``sid`` is not
among them: on some sites it is the story's id (``article.pl?sid=...``).
Other query parameters are kept, repeated ones included: they may well select another page.
"""

from __future__ import annotations

import hashlib
from urllib.parse import urlparse

from w3lib.url import url_query_cleaner

TRACKING_PARAMETERS = (
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "utm_term",
    "utm_content",
    "utm_id",
    "fbclid",
    "gclid",
    "dclid",
    "msclkid",
    "mc_cid",
    "mc_eid",
    "ocid",
    "cmpid",
    "_ga",
)
SESSION_PARAMETERS = (
    "PHPSESSID",
    "phpsessid",
    "JSESSIONID",
    "jsessionid",
    "ASPSESSIONID",
    "sessionid",
    "session_id",
    "sessid",
)


def identity_url(url: str) -> str:
    """The URL without fragment, tracking parameters and session ids."""
    cleaned = url_query_cleaner(
        url,
        TRACKING_PARAMETERS + SESSION_PARAMETERS,
        remove=True,
        unique=False,
        keep_fragments=False,
    )
    return str(cleaned)


def url_hash(url: str) -> str:
    """The SHA-256 hex of the URL in identity form: how a takedown names a URL it forgot."""
    return hashlib.sha256(identity_url(url).encode("utf-8")).hexdigest()


def host_of(url: str) -> str:
    """The URL's host name, lower case; empty for a URL too malformed to have one."""
    try:
        return (urlparse(url).hostname or "").lower()
    except ValueError:  # "http://[bad/": an unclosed IPv6 bracket
        return ""
