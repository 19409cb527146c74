"""What makes two URLs the same article: one rule, used by spiders and pipelines alike.

Feeds and newsletters decorate links with tracking parameters (``utm_source``, ``fbclid``) and
fragments; none of them changes the page. Spiders request the cleaned URL, so the same article
reached through two campaigns is fetched once, and the store records it under one identity.
Other query parameters are kept, repeated ones included: they may well select another page.
"""

from __future__ import annotations

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


def identity_url(url: str) -> str:
    """The URL without fragment and tracking parameters."""
    cleaned = url_query_cleaner(
        url, TRACKING_PARAMETERS, remove=True, unique=False, keep_fragments=False
    )
    return str(cleaned)


def host_of(url: str) -> str:
    """The URL's host name, lower case; empty for a URL too malformed to have one."""
    try:
        return (urlparse(url).hostname or "").lower()
    except ValueError:  # "http://[bad/": an unclosed IPv6 bracket
        return ""
