"""Incremental crawls, end to end: conditional requests, the revisit schedule, gone articles.

The clock is moved with NEWSARCHIVE_NOW rather than waited for; what was fetched is read from
the fixture servers' hit logs.
"""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING

import pytest

from tests.conftest import FixtureSites, crawl_fixture_sites

if TYPE_CHECKING:
    from pathlib import Path

T0 = "2026-12-01T12:00:00+00:00"
T0_PLUS_1M = "2026-12-01T12:01:00+00:00"
MONTH_LATER = "2026-12-31T12:00:00+00:00"  # past every fixture article's next check
TWO_MONTHS_LATER = "2027-01-30T12:00:00+00:00"
DISCOVERY = ("/robots.txt", ".xml")
POST = "/posts/tomatoes-again/"


def crawl(sites: FixtureSites, db: Path, now: str, *slugs: str) -> str:
    return crawl_fixture_sites(sites, db, *slugs, env={"NEWSARCHIVE_NOW": now}).stdout


def rows(db: Path, sql: str, *params) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql, params).fetchall()


def article_paths(sites: FixtureSites, db: Path) -> dict[str, set[str]]:
    paths: dict[str, set[str]] = {}
    for site, url in rows(db, "select site, url from articles"):
        base = sites.servers[site].base_url
        paths.setdefault(site, set()).add(url.removeprefix(base))
    return paths


def clear_log(sites: FixtureSites) -> None:
    for server in sites.servers.values():
        server.requests.clear()


def test_second_crawl_of_an_unchanged_site_fetches_only_discovery(fixture_sites, archive_path):
    crawl(fixture_sites, archive_path, T0)
    before = rows(archive_path, "select * from articles order by id")
    known = article_paths(fixture_sites, archive_path)
    clear_log(fixture_sites)

    stdout = crawl(fixture_sites, archive_path, T0_PLUS_1M)

    assert "articles: 0 new, 0 changed, 0 unchanged, 21 not due" in stdout
    for site, server in fixture_sites.servers.items():
        fetched = [hit.path for hit in server.requests]
        assert not set(fetched) & known[site], site  # no article requested again
        discovery = [path for path in fetched if path.endswith(DISCOVERY)]
        assert len(discovery) == len(set(discovery)), site  # each robots/feed/sitemap once
    assert fixture_sites.servers["wp"].requests  # the feed was read, not skipped
    assert rows(archive_path, "select * from articles order by id") == before
    assert rows(archive_path, "select count(*) from revisions") == [(21,)]
    assert rows(archive_path, "select count(*) from pages") == [(21,)]
    # Every article has its next check in the schedule, with the validators of its page.
    assert rows(
        archive_path,
        "select count(*) from schedule where next_check > ? and etag like '\"%' "
        "and last_modified is not null",
        T0,
    ) == [(21,)]


def test_due_articles_are_checked_conditionally_and_a_304_marks_them_seen(
    fixture_sites, archive_path
):
    crawl(fixture_sites, archive_path, T0, "blog")
    blog = fixture_sites.servers["blog"]
    posts = article_paths(fixture_sites, archive_path)["blog"]
    blog.requests.clear()

    stdout = crawl(fixture_sites, archive_path, MONTH_LATER, "blog")

    assert "blog: 0 new, 0 changed, 6 unchanged, " in stdout
    assert "not due" not in stdout
    revisits = [hit for hit in blog.requests if hit.path in posts]
    assert sorted(hit.path for hit in revisits) == sorted(posts)  # each post once
    assert all(hit.if_none_match.startswith('"') for hit in revisits)
    assert {hit.status for hit in revisits} == {304}
    assert rows(archive_path, "select distinct last_seen from articles") == [(MONTH_LATER,)]
    assert rows(archive_path, "select count(*) from revisions") == [(6,)]
    assert rows(archive_path, "select min(next_check) > ? from schedule", MONTH_LATER) == [(1,)]


def test_an_edited_page_gets_a_revision_and_a_tighter_interval(fixture_sites, archive_path):
    crawl(fixture_sites, archive_path, T0, "blog")
    page = fixture_sites.page("blog", POST)
    page.write_text(
        page.read_text(encoding="utf-8").replace("<p>", "<p>Update: the frost held off. ", 1),
        encoding="utf-8",
    )

    stdout = crawl(fixture_sites, archive_path, MONTH_LATER, "blog")

    assert "blog: 0 new, 1 changed, 5 unchanged" in stdout
    url = fixture_sites.servers["blog"].url(POST)
    intervals = dict(
        rows(archive_path, "select url = ?, max(interval_seconds) from schedule group by 1", url)
    )
    assert rows(archive_path, "select version from articles where url = ?", url) == [(2,)]
    assert intervals[1] == 15 * 60  # just changed: checked again as if new
    assert intervals[0] > intervals[1]
    assert rows(
        archive_path,
        "select last_change from schedule join articles on id = article_id where articles.url = ?",
        url,
    ) == [(MONTH_LATER,)]


@pytest.mark.parametrize("answer", ["410", "404", "redirect-home"])
def test_a_vanished_article_gets_gone_at_and_loses_it_when_it_returns(
    fixture_sites, archive_path, answer
):
    crawl(fixture_sites, archive_path, T0, "blog")
    blog = fixture_sites.servers["blog"]
    if answer == "redirect-home":
        blog.redirects[POST] = blog.url("/")
    else:
        blog.statuses[POST] = int(answer)

    stdout = crawl(fixture_sites, archive_path, MONTH_LATER, "blog")

    assert "1 gone" in stdout
    gone = "select gone_at from articles where url = ?"
    assert rows(archive_path, gone, blog.url(POST)) == [(MONTH_LATER,)]
    assert rows(archive_path, "select count(*) from articles where gone_at is null") == [(5,)]
    assert rows(archive_path, "select count(*) from articles") == [(6,)]  # nothing deleted

    blog.statuses.clear()
    blog.redirects.clear()
    crawl(fixture_sites, archive_path, TWO_MONTHS_LATER, "blog")
    assert rows(archive_path, gone, blog.url(POST)) == [(None,)]


def test_a_sitemap_lastmod_after_our_fetch_brings_a_check_before_it_is_due(
    fixture_sites, archive_path
):
    crawl(fixture_sites, archive_path, T0, "paper")
    paper = fixture_sites.servers["paper"]
    path = "/news/2026/11/transit-adds-late-night-bus-route-to-east-side.html"
    sitemap = fixture_sites.page("paper", "/sitemap-posts.xml")
    sitemap.write_text(
        sitemap.read_text(encoding="utf-8").replace(
            "2026-11-20T09:30:00-05:00", "2026-12-01T12:00:30+00:00"
        ),
        encoding="utf-8",
    )
    paper.requests.clear()

    stdout = crawl(fixture_sites, archive_path, T0_PLUS_1M, "paper")

    assert "paper: 0 new, 0 changed, 1 unchanged, 7 not due" in stdout
    checked = [hit for hit in paper.requests if hit.path == path]
    assert len(checked) == 1
    assert checked[0].if_none_match
    assert checked[0].status == 304


def test_a_due_article_no_longer_listed_anywhere_is_still_checked(fixture_sites, archive_path):
    crawl(fixture_sites, archive_path, T0, "paper")
    paper = fixture_sites.servers["paper"]
    path = "/news/2026/11/transit-adds-late-night-bus-route-to-east-side.html"
    sitemap = fixture_sites.page("paper", "/sitemap-posts.xml")
    text = sitemap.read_text(encoding="utf-8")
    assert text.count(path) == 1
    start = text.rindex("<url>", 0, text.index(path))
    sitemap.write_text(text[:start] + text[text.index("</url>", start) + 6 :], encoding="utf-8")
    paper.requests.clear()

    stdout = crawl(fixture_sites, archive_path, MONTH_LATER, "paper")

    assert "paper: 0 new, 0 changed, 8 unchanged" in stdout
    checked = [hit for hit in paper.requests if hit.path == path]
    assert [(bool(hit.if_none_match), hit.status) for hit in checked] == [(True, 304)]
