"""Tests for crawler/sites.py: loading and validating sites.toml."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import pytest

from crawler.sites import (
    DEFAULT_USER_AGENT,
    Site,
    SitesError,
    load_sites,
    parse_sites,
    site_for_url,
)

if TYPE_CHECKING:
    from pathlib import Path

FEED = "https://example.com/feed.xml"


def one_site(**table: Any) -> dict[str, Any]:
    """A sites document with one site ``x`` that has a feed plus the given keys."""
    return {"sites": {"x": {"feeds": [FEED], **table}}}


def error_of(document: dict[str, Any], source: str = "sites.toml") -> str:
    with pytest.raises(SitesError) as caught:
        parse_sites(document, source=source)
    message = str(caught.value)
    assert "\n" not in message
    return message


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sites.toml"
    path.write_text(text, encoding="utf-8")
    return path


# --- load_sites: reading the file ---------------------------------------------------------


def test_valid_file_loads_sites_with_defaults_applied(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
[defaults]
download_delay = 0.5
concurrency = 4
timezone = "America/New_York"

[sites.gazette]
name = "The Gazette"
feeds = ["https://news.example.com/feed.xml"]
start_urls = ["https://news.example.com/"]
deny = ['/private/']
concurrency = 8
""",
    )
    sites = load_sites(path)
    assert list(sites) == ["gazette"]
    site = sites["gazette"]
    assert site.slug == "gazette"
    assert site.name == "The Gazette"
    assert site.feeds == ("https://news.example.com/feed.xml",)
    assert site.start_urls == ("https://news.example.com/",)
    assert site.sitemaps == ()
    assert site.download_delay == 0.5
    assert site.concurrency == 8  # the site's own value beats [defaults]
    assert site.timezone == "America/New_York"
    assert site.user_agent == DEFAULT_USER_AGENT
    assert site.deny == ("/private/",)


def test_load_sites_accepts_a_string_path(tmp_path: Path) -> None:
    path = write(tmp_path, f'[sites.x]\nfeeds = ["{FEED}"]\n')
    assert set(load_sites(str(path))) == {"x"}


def test_unknown_key_in_file_is_an_error_naming_file_site_and_key(tmp_path: Path) -> None:
    path = write(tmp_path, f'[sites.x]\nfeeds = ["{FEED}"]\nalow = ["/news/"]\n')
    with pytest.raises(SitesError) as caught:
        load_sites(path)
    message = str(caught.value)
    assert message == f"{path}: site 'x': unknown key 'alow'"
    assert "\n" not in message


def test_missing_file_is_an_error_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.toml"
    with pytest.raises(SitesError, match=re.escape(f"{path}: no such file")):
        load_sites(path)


def test_directory_is_not_a_file(tmp_path: Path) -> None:
    with pytest.raises(SitesError, match=re.escape(f"{tmp_path}: not a file")):
        load_sites(tmp_path)


def test_invalid_toml_is_a_one_line_error_naming_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, "[sites.x\nfeeds = 1\n")
    with pytest.raises(SitesError) as caught:
        load_sites(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: not valid TOML: ")
    assert "\n" not in message


def test_file_that_is_not_utf8_is_an_error_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "sites.toml"
    path.write_bytes(b"\xff\xfe[sites.x]\n")
    with pytest.raises(SitesError, match=re.escape(f"{path}: not valid TOML")):
        load_sites(path)


def test_quoted_key_with_newline_is_still_reported_on_one_line(tmp_path: Path) -> None:
    path = write(tmp_path, f'[sites.x]\nfeeds = ["{FEED}"]\n"al\\nlow" = 1\n')
    with pytest.raises(SitesError) as caught:
        load_sites(path)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: site 'x': unknown key ")


# --- parse_sites: document structure -------------------------------------------------------


def test_unknown_top_level_key_is_an_error() -> None:
    assert error_of({"site": {}}) == "sites.toml: unknown top-level key 'site'"


def test_error_messages_name_the_given_source() -> None:
    message = error_of(one_site(alow=["/a/"]), source="conf/my-sites.toml")
    assert message == "conf/my-sites.toml: site 'x': unknown key 'alow'"


def test_document_without_sites_is_an_error() -> None:
    assert "nothing to crawl" in error_of({})
    assert "nothing to crawl" in error_of({"sites": {}})


def test_defaults_must_be_a_table() -> None:
    assert error_of({"defaults": [], **one_site()}) == "sites.toml: [defaults] must be a table"


def test_site_only_key_in_defaults_is_an_error() -> None:
    message = error_of({"defaults": {"allow": ["/a/"]}, **one_site()})
    assert message == "sites.toml: [defaults]: unknown key 'allow'"


def test_defaults_typo_is_an_error() -> None:
    message = error_of({"defaults": {"user_agnet": "bot"}, **one_site()})
    assert message == "sites.toml: [defaults]: unknown key 'user_agnet'"


def test_site_that_is_not_a_table_is_an_error() -> None:
    assert (
        error_of({"sites": {"x": "https://example.com/"}})
        == "sites.toml: site 'x': must be a table"
    )


@pytest.mark.parametrize("slug", ["Gazette", "-gazette", "the gazette", "gazette.com", ""])
def test_slug_must_be_lower_case_letters_digits_dash_or_underscore(slug: str) -> None:
    message = error_of({"sites": {slug: {"feeds": [FEED]}}})
    assert message.startswith(f"sites.toml: site {slug!r}: the slug must be lower-case")


@pytest.mark.parametrize("slug", ["gazette", "the-gazette", "news_2", "9news"])
def test_good_slugs_are_accepted(slug: str) -> None:
    assert set(parse_sites({"sites": {slug: {"feeds": [FEED]}}})) == {slug}


def test_site_without_any_url_source_is_an_error() -> None:
    message = error_of({"sites": {"x": {"name": "X"}}})
    assert message == "sites.toml: site 'x': give at least one of feeds, sitemaps, start_urls"


# --- parse_sites: values -------------------------------------------------------------------


@pytest.mark.parametrize("key", ["feeds", "sitemaps", "start_urls"])
@pytest.mark.parametrize(
    "url", ["ftp://example.com/feed", "example.com/feed", "http:///path", "https://"]
)
def test_url_lists_accept_only_http_urls(key: str, url: str) -> None:
    message = error_of({"sites": {"x": {key: [url]}}})
    assert message == f"sites.toml: site 'x': key {key!r}: {url!r} is not an http(s) URL"


def test_malformed_url_is_an_error_naming_file_site_and_key() -> None:
    with pytest.raises(SitesError, match=re.escape("sites.toml: site 'x': key 'feeds'")):
        parse_sites({"sites": {"x": {"feeds": ["http://[bad/feed"]}}})


def test_single_url_string_is_taken_as_a_list() -> None:
    site = parse_sites({"sites": {"x": {"sitemaps": "https://example.com/sitemap.xml"}}})["x"]
    assert site.sitemaps == ("https://example.com/sitemap.xml",)


@pytest.mark.parametrize("value", [[""], [1], 5, {"a": "b"}])
def test_url_list_of_non_strings_is_an_error(value: Any) -> None:
    message = error_of({"sites": {"x": {"feeds": value}}})
    assert message == "sites.toml: site 'x': key 'feeds': must be a list of non-empty strings"


def test_allowed_domains_default_to_the_hosts_of_the_site_urls() -> None:
    site = parse_sites(
        {
            "sites": {
                "x": {
                    "feeds": ["https://News.Example.com/feed"],
                    "sitemaps": ["https://www.example.org/sitemap.xml"],
                }
            }
        }
    )["x"]
    assert site.allowed_domains == ("news.example.com", "www.example.org")


def test_explicit_allowed_domains_are_lower_cased() -> None:
    site = parse_sites(one_site(allowed_domains=["Example.COM", "example.org"]))["x"]
    assert site.allowed_domains == ("example.com", "example.org")


def test_invalid_regular_expression_is_an_error_naming_the_key_and_pattern() -> None:
    message = error_of(one_site(deny=["(unclosed"]))
    assert message.startswith(
        "sites.toml: site 'x': key 'deny': '(unclosed' is not a valid regular expression"
    )


@pytest.mark.parametrize("name", ["", "   ", 3])
def test_name_must_be_a_non_empty_string(name: Any) -> None:
    assert (
        error_of(one_site(name=name))
        == "sites.toml: site 'x': key 'name': must be a non-empty string"
    )


def test_user_agent_must_be_a_non_empty_string() -> None:
    message = error_of(one_site(user_agent=" "))
    assert message == "sites.toml: site 'x': key 'user_agent': must be a non-empty string"


@pytest.mark.parametrize("delay", [-1, 601, True, "1"])
def test_download_delay_must_be_seconds_from_0_to_600(delay: Any) -> None:
    message = error_of(one_site(download_delay=delay))
    assert message == (
        f"sites.toml: site 'x': key 'download_delay': {delay!r} is not a number of seconds "
        "from 0 to 600"
    )


@pytest.mark.parametrize("delay", [0, 600, 2.5])
def test_download_delay_bounds_are_inclusive_and_stored_as_float(delay: float) -> None:
    site = parse_sites(one_site(download_delay=delay))["x"]
    assert site.download_delay == float(delay)
    assert isinstance(site.download_delay, float)


@pytest.mark.parametrize("concurrency", [0, 65, 2.0, True])
def test_concurrency_must_be_a_whole_number_from_1_to_64(concurrency: Any) -> None:
    message = error_of(one_site(concurrency=concurrency))
    assert message == (
        f"sites.toml: site 'x': key 'concurrency': {concurrency!r} is not a whole number "
        "from 1 to 64"
    )


def test_template_keys_default_to_half_of_five_pages() -> None:
    site = parse_sites(one_site())["x"]
    assert (site.template_share, site.template_min_pages) == (0.5, 5)


def test_template_keys_come_from_defaults_or_the_site() -> None:
    document = {
        "defaults": {"template_share": 0.8, "template_min_pages": 10},
        "sites": {
            "a": {"feeds": [FEED]},
            "b": {"feeds": [FEED], "template_share": 1, "template_min_pages": 2},
        },
    }
    sites = parse_sites(document)
    assert (sites["a"].template_share, sites["a"].template_min_pages) == (0.8, 10)
    assert (sites["b"].template_share, sites["b"].template_min_pages) == (1.0, 2)
    assert isinstance(sites["b"].template_share, float)


@pytest.mark.parametrize("share", [0, -0.5, 1.01, True, "0.5"])
def test_template_share_must_be_above_0_and_at_most_1(share: Any) -> None:
    message = error_of(one_site(template_share=share))
    assert message == (
        f"sites.toml: site 'x': key 'template_share': {share!r} is not a share of pages "
        "above 0, at most 1"
    )


@pytest.mark.parametrize("pages", [1, 0, -3, 5.0, True, "5"])
def test_template_min_pages_must_be_a_whole_number_of_at_least_2(pages: Any) -> None:
    message = error_of(one_site(template_min_pages=pages))
    assert message == (
        f"sites.toml: site 'x': key 'template_min_pages': {pages!r} is not a whole number "
        "of pages, 2 or more"
    )


@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "", "../../etc/passwd"])
def test_timezone_must_be_an_iana_name(zone: str) -> None:
    message = error_of(one_site(timezone=zone))
    assert (
        message == f"sites.toml: site 'x': key 'timezone': {zone!r} is not an IANA time zone name"
    )


def test_bad_value_in_defaults_is_reported_against_each_site_that_uses_it() -> None:
    message = error_of({"defaults": {"timezone": "Nowhere/Land"}, **one_site()})
    assert message == (
        "sites.toml: site 'x': key 'timezone': 'Nowhere/Land' is not an IANA time zone name"
    )


def test_site_value_overrides_a_bad_default() -> None:
    site = parse_sites({"defaults": {"concurrency": 0}, **one_site(concurrency=3)})["x"]
    assert site.concurrency == 3


def test_defaults_apply_to_every_site() -> None:
    sites = parse_sites(
        {
            "defaults": {"user_agent": "bot/1.0", "timezone": "Europe/London"},
            "sites": {
                "a": {"feeds": ["https://a.example/feed"]},
                "b": {"start_urls": ["https://b.example/"], "timezone": "Asia/Tokyo"},
            },
        }
    )
    assert sites["a"].user_agent == sites["b"].user_agent == "bot/1.0"
    assert sites["a"].timezone == "Europe/London"
    assert sites["b"].timezone == "Asia/Tokyo"


# --- selectors --------------------------------------------------------------------------------


def test_selectors_table_loads_as_compiled_xpath(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        f"""
[sites.x]
feeds = ["{FEED}"]

[sites.x.selectors]
body = "div.story-text"
title = "//h1[@class='headline']"
remove = [".related", "//aside"]
""",
    )
    selectors = load_sites(path)["x"].selectors
    assert selectors.body is not None
    assert "story-text" in selectors.body
    assert selectors.title == "//h1[@class='headline']"
    assert selectors.published is None
    assert len(selectors.remove) == 2


def test_site_without_selectors_has_none() -> None:
    assert not parse_sites(one_site())["x"].selectors


@pytest.mark.parametrize(
    ("selectors", "expected"),
    [
        ({"bodyy": "div"}, "key 'selectors.bodyy': unknown selector"),
        ({"body": "div[class="}, "key 'selectors.body': 'div[class=' is not a valid CSS selector"),
        ({"title": "//h1[@class="}, "key 'selectors.title': '//h1[@class=' is not a valid XPath"),
        ({"remove": [".ok", "(//p"]}, "key 'selectors.remove': '(//p' is not a valid XPath"),
        ("div.body", "key 'selectors': must be a table"),
    ],
)
def test_bad_selector_is_a_one_line_error_naming_file_site_and_key(
    tmp_path: Path, selectors: Any, expected: str
) -> None:
    message = error_of(one_site(selectors=selectors), source="news.toml")
    assert message.startswith(f"news.toml: site 'x': {expected}")


def test_selectors_are_not_a_default() -> None:
    document = {"defaults": {"selectors": {"body": "div"}}, **one_site()}
    assert error_of(document) == "sites.toml: [defaults]: unknown key 'selectors'"


# --- Site behaviour ------------------------------------------------------------------------


@pytest.fixture
def gazette() -> Site:
    return parse_sites(
        one_site(
            allowed_domains=["example.com"],
            allow=[r"/news/\d{4}/"],
            deny=[r"/news/\d{4}/private-"],
        )
    )["x"]


def test_allow_pattern_marks_article_urls(gazette: Site) -> None:
    assert gazette.is_allowed_article("https://example.com/news/2026/harbor-fire")
    assert not gazette.is_allowed_article("https://example.com/about/")


def test_deny_beats_allow(gazette: Site) -> None:
    url = "https://example.com/news/2026/private-memo"
    assert gazette.is_denied(url)
    assert not gazette.is_allowed_article(url)


def test_site_without_allow_patterns_marks_no_article_urls() -> None:
    site = parse_sites(one_site())["x"]
    assert not site.is_allowed_article("https://example.com/news/2026/harbor-fire")
    assert not site.is_denied("https://example.com/news/2026/harbor-fire")


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com/a",
        "http://EXAMPLE.com/a",
        "https://news.example.com/a",
        "https://example.com:8443/a",
    ],
)
def test_site_owns_its_domain_and_subdomains(gazette: Site, url: str) -> None:
    assert gazette.owns(url)


@pytest.mark.parametrize(
    "url",
    [
        "https://notexample.com/a",
        "https://example.com.evil.net/a",
        "https://example.com@evil.net/a",
        "https://evil.net/example.com",
        "/relative/path",
    ],
)
def test_site_does_not_own_other_hosts(gazette: Site, url: str) -> None:
    assert not gazette.owns(url)


def test_patterns_do_not_affect_equality_but_their_sources_do() -> None:
    a = parse_sites(one_site(allow=["/news/"]))["x"]
    b = parse_sites(one_site(allow=["/news/"]))["x"]
    c = parse_sites(one_site(allow=["/blog/"]))["x"]
    assert a == b
    assert a != c


# --- site_for_url --------------------------------------------------------------------------


@pytest.fixture
def two_sites() -> dict[str, Site]:
    return parse_sites(
        {
            "sites": {
                "gazette": {"feeds": ["https://gazette.example/feed"]},
                "herald": {
                    "start_urls": ["https://www.herald.example/"],
                    "allowed_domains": ["herald.example"],
                },
            }
        }
    )


def test_site_for_url_finds_the_site_that_owns_the_url(two_sites: dict[str, Site]) -> None:
    assert site_for_url(two_sites, "https://gazette.example/2026/a") is two_sites["gazette"]
    assert site_for_url(two_sites, "https://cdn.herald.example/x.jpg") is two_sites["herald"]


def test_site_for_url_is_none_for_an_unknown_host(two_sites: dict[str, Site]) -> None:
    assert site_for_url(two_sites, "https://elsewhere.example/a") is None
    assert site_for_url({}, "https://gazette.example/a") is None


def test_site_for_url_is_none_for_a_malformed_url(two_sites: dict[str, Site]) -> None:
    assert site_for_url(two_sites, "http://[bad/") is None


def test_revisit_defaults_to_the_decaying_policy() -> None:
    site = parse_sites(one_site())["x"]
    assert site.revisit.interval(3600) == 15 * 60
    assert site.revisit.interval(400 * 86400) == 7 * 86400


def test_revisit_from_defaults_and_per_site() -> None:
    document = one_site(revisit={"1h": "5m", "older": "1d"})
    document["defaults"] = {"revisit": {"1d": "1h", "older": "2w"}}
    document["sites"]["y"] = {"feeds": [FEED]}
    sites = parse_sites(document)
    assert sites["x"].revisit.interval(30 * 60) == 5 * 60
    assert sites["x"].revisit.interval(2 * 3600) == 86400
    assert sites["y"].revisit.interval(2 * 3600) == 3600
    assert sites["y"].revisit.interval(2 * 86400) == 14 * 86400


@pytest.mark.parametrize(
    ("revisit", "problem"),
    [
        ("15m", "must be a table of age = interval"),
        ({"3h": "15m"}, "give 'older'"),
        ({"3h": "15 minutes", "older": "1d"}, "'15 minutes' is not a duration"),
        ({"soon": "15m", "older": "1d"}, "'soon' is not a duration"),
        ({"3h": "0m", "older": "1d"}, "'0m' is not a duration"),
        ({"3h": "2d", "older": "1d"}, "intervals must not shrink as articles age"),
    ],
)
def test_bad_revisit_is_a_one_line_error_naming_the_key(revisit: Any, problem: str) -> None:
    message = error_of(one_site(revisit=revisit))
    assert message.startswith("sites.toml: site 'x': key 'revisit': ")
    assert problem in message
