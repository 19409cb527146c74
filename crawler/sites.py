"""Loading and validating ``sites.toml``: what to crawl, and how politely.

A typo in a crawl configuration should stop the run before the first request, with one line
that names the file, the site, the key and the problem; a silently ignored key (say ``alow``)
would crawl and archive pages the user meant to exclude. So unknown keys are errors.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from crawler.extract.selectors import SelectorConfigError, SiteSelectors, compile_selectors
from crawler.extract.templates import DEFAULT_MIN_PAGES, DEFAULT_SHARE
from crawler.revisit import DEFAULT_POLICY, RevisitError, RevisitPolicy, parse_policy
from crawler.urls import host_of

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

DEFAULT_USER_AGENT = "newsarchive/0.1 (+https://github.com/newsarchive/newsarchive)"
SLUG_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
URL_LIST_KEYS = ("feeds", "sitemaps", "start_urls")
DEFAULTABLE_KEYS = {
    "user_agent",
    "download_delay",
    "concurrency",
    "timezone",
    "template_share",
    "template_min_pages",
    "revisit",
}
SITE_KEYS = {
    "name",
    "allowed_domains",
    "allow",
    "deny",
    "selectors",
    *URL_LIST_KEYS,
    *DEFAULTABLE_KEYS,
}


class SitesError(ValueError):
    """A ``sites.toml`` that cannot be used; the message is one line for the user."""


@dataclass(frozen=True)
class Site:
    """One site to crawl, with the defaults already applied."""

    slug: str
    name: str | None = None
    feeds: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = ()
    start_urls: tuple[str, ...] = ()
    allowed_domains: tuple[str, ...] = ()
    allow: tuple[str, ...] = ()
    deny: tuple[str, ...] = ()
    user_agent: str = DEFAULT_USER_AGENT
    download_delay: float = 1.0
    concurrency: int = 2
    timezone: str = "UTC"
    template_share: float = DEFAULT_SHARE
    template_min_pages: int = DEFAULT_MIN_PAGES
    selectors: SiteSelectors = field(default_factory=SiteSelectors)
    revisit: RevisitPolicy = DEFAULT_POLICY
    allow_patterns: tuple[re.Pattern[str], ...] = field(default=(), compare=False, repr=False)
    deny_patterns: tuple[re.Pattern[str], ...] = field(default=(), compare=False, repr=False)

    def is_denied(self, url: str) -> bool:
        """True when a ``deny`` pattern matches: never archived, never followed."""
        return any(pattern.search(url) for pattern in self.deny_patterns)

    def is_allowed_article(self, url: str) -> bool:
        """True when an ``allow`` pattern matches (and no ``deny``): an article by its URL."""
        return not self.is_denied(url) and any(p.search(url) for p in self.allow_patterns)

    def may_visit(self, url: str) -> bool:
        """True for a URL on the site's domains that no ``deny`` pattern excludes."""
        return self.owns(url) and not self.is_denied(url)

    def owns(self, url: str) -> bool:
        """True when the URL's host is one of the site's domains (or a subdomain of one)."""
        host = host_of(url)
        return bool(host) and any(host == d or host.endswith("." + d) for d in self.allowed_domains)


def load_sites(path: Path | str) -> dict[str, Site]:
    """Read and validate a sites file; raises ``SitesError`` with a one-line message."""
    path = Path(path)
    if not path.exists():
        raise SitesError(f"{path}: no such file (give --sites FILE or set NEWSARCHIVE_SITES)")
    if not path.is_file():
        raise SitesError(f"{path}: not a file")
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise SitesError(f"{path}: not valid TOML: {error}") from error
    return parse_sites(document, source=str(path))


def parse_sites(document: dict[str, Any], source: str = "sites.toml") -> dict[str, Site]:
    """Validate an already parsed sites document (see ``load_sites``)."""
    unknown = set(document) - {"defaults", "sites"}
    if unknown:
        raise SitesError(f"{source}: unknown top-level key {min(unknown)!r}")
    defaults = document.get("defaults", {})
    if not isinstance(defaults, dict):
        raise SitesError(f"{source}: [defaults] must be a table")
    for key in defaults:
        if key not in DEFAULTABLE_KEYS:
            raise SitesError(f"{source}: [defaults]: unknown key {key!r}")
    sites = document.get("sites", {})
    if not isinstance(sites, dict) or not sites:
        raise SitesError(f"{source}: no [sites.<slug>] table: nothing to crawl")
    return {slug: _parse_site(slug, table, defaults, source) for slug, table in sites.items()}


def _parse_site(slug: str, table: Any, defaults: dict[str, Any], source: str) -> Site:
    where = f"{source}: site {slug!r}"
    if not SLUG_PATTERN.match(slug):
        raise SitesError(f"{where}: the slug must be lower-case letters, digits, '-' or '_'")
    if not isinstance(table, dict):
        raise SitesError(f"{where}: must be a table")
    for key in table:
        if key not in SITE_KEYS:
            raise SitesError(f"{where}: unknown key {key!r}")
    merged = {**defaults, **table}

    def fail(key: str, problem: str) -> SitesError:
        return SitesError(f"{where}: key {key!r}: {problem}")

    urls: dict[str, tuple[str, ...]] = {}
    for key in URL_LIST_KEYS:
        values = _string_list(merged.get(key, []), key, fail)
        for url in values:
            if not host_of(url) or urlparse(url).scheme not in ("http", "https"):
                raise fail(key, f"{url!r} is not an http(s) URL")
        urls[key] = values
    if not any(urls.values()):
        raise SitesError(f"{where}: give at least one of feeds, sitemaps, start_urls")

    allowed = _string_list(merged.get("allowed_domains", []), "allowed_domains", fail)
    if not allowed:
        hosts = {host_of(u) for values in urls.values() for u in values}
        allowed = tuple(sorted(hosts))
    allowed = tuple(domain.lower() for domain in allowed)

    patterns: dict[str, tuple[re.Pattern[str], ...]] = {}
    for key in ("allow", "deny"):
        compiled = []
        for pattern in _string_list(merged.get(key, []), key, fail):
            try:
                compiled.append(re.compile(pattern))
            except re.error as error:
                raise fail(key, f"{pattern!r} is not a valid regular expression: {error}") from None
        patterns[key] = tuple(compiled)

    name = merged.get("name")
    if name is not None and (not isinstance(name, str) or not name.strip()):
        raise fail("name", "must be a non-empty string")
    user_agent = merged.get("user_agent", DEFAULT_USER_AGENT)
    if not isinstance(user_agent, str) or not user_agent.strip():
        raise fail("user_agent", "must be a non-empty string")
    delay = merged.get("download_delay", 1.0)
    if isinstance(delay, bool) or not isinstance(delay, (int, float)) or not 0 <= delay <= 600:
        raise fail("download_delay", f"{delay!r} is not a number of seconds from 0 to 600")
    concurrency = merged.get("concurrency", 2)
    if (
        isinstance(concurrency, bool)
        or not isinstance(concurrency, int)
        or not (1 <= concurrency <= 64)
    ):
        raise fail("concurrency", f"{concurrency!r} is not a whole number from 1 to 64")
    zone = merged.get("timezone", "UTC")
    try:
        ZoneInfo(str(zone))
    except (ZoneInfoNotFoundError, ValueError):
        raise fail("timezone", f"{zone!r} is not an IANA time zone name") from None
    # A block on fewer than two pages is never template (it is the article's own text).
    share = merged.get("template_share", DEFAULT_SHARE)
    if isinstance(share, bool) or not isinstance(share, (int, float)) or not 0 < share <= 1:
        raise fail("template_share", f"{share!r} is not a share of pages above 0, at most 1")
    min_pages = merged.get("template_min_pages", DEFAULT_MIN_PAGES)
    if isinstance(min_pages, bool) or not isinstance(min_pages, int) or min_pages < 2:
        raise fail("template_min_pages", f"{min_pages!r} is not a whole number of pages, 2 or more")
    try:
        revisit = parse_policy(merged["revisit"]) if "revisit" in merged else DEFAULT_POLICY
    except RevisitError as error:
        raise fail("revisit", str(error)) from None
    # Per-site only (not in [defaults]): a selector describes one site's markup.
    try:
        selectors = compile_selectors(table.get("selectors", {}))
    except SelectorConfigError as error:
        key = "selectors" if error.key == "selectors" else f"selectors.{error.key}"
        raise fail(key, error.problem) from None

    return Site(
        slug=slug,
        name=name,
        feeds=urls["feeds"],
        sitemaps=urls["sitemaps"],
        start_urls=urls["start_urls"],
        allowed_domains=allowed,
        allow=tuple(p.pattern for p in patterns["allow"]),
        deny=tuple(p.pattern for p in patterns["deny"]),
        user_agent=user_agent,
        download_delay=float(delay),
        concurrency=concurrency,
        timezone=str(zone),
        template_share=float(share),
        template_min_pages=min_pages,
        selectors=selectors,
        revisit=revisit,
        allow_patterns=patterns["allow"],
        deny_patterns=patterns["deny"],
    )


def _string_list(value: Any, key: str, fail: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise fail(key, "must be a list of non-empty strings")
    return tuple(value)


def read_toml(text: str) -> dict[str, Any]:
    """Parse TOML text (``tomllib``, or ``tomli`` before Python 3.11)."""
    document: dict[str, Any] = tomllib.loads(text)
    return document


def site_for_url(sites: dict[str, Site], url: str) -> Site | None:
    """The configured site whose domains hold this URL, if any."""
    return next((site for site in sites.values() if site.owns(url)), None)
