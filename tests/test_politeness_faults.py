"""Sites that ask us to wait, or refuse us: Retry-After honoured, blocking hosts left alone.

Real ``newsarchive archive``/``crawl`` processes against the loopback fixture sites, whose
servers answer chosen paths with a status and extra headers and log every request with its
time: the gaps between hits are measured where the site sees them.
"""

from __future__ import annotations

import json
import re
import sqlite3
import threading
import time
from typing import TYPE_CHECKING

from scrapy.http import Response

from crawler.middlewares.retry_after import retry_after_seconds
from crawler.settings import DOWNLOADER_MIDDLEWARES
from tests.conftest import run_cli
from tests.test_runlock import ctrl_c

if TYPE_CHECKING:
    from pathlib import Path

    from crawler.demo.server import SiteServer
    from tests.conftest import FixtureSites

ARTICLE = "/posts/tomatoes-again/"
RETRY_AFTER = "crawler.middlewares.retry_after.RetryAfterMiddleware"
PAPER_PAGES = (
    *(
        f"/news/2026/11/{slug}.html"
        for slug in (
            "council-approves-levee-repairs-ahead-of-winter",
            "county-weighs-flood-buyouts-for-lower-bend",
            "marathon-draws-record-field-despite-cold-snap",
            "millrace-street-businesses-reopen-after-flood-cleanup",
            "old-granary-library-branch-to-close-for-renovation",
            "ravens-clinch-first-regional-title-in-14-years",
            "swim-coach-della-ferro-retires-after-31-seasons",
            "transit-adds-late-night-bus-route-to-east-side",
        )
    ),
    "/section/city/",
    "/section/sports/",
    "/author/mara-lind/",
    "/tag/flooding/",
)


def answer_once(server: SiteServer, path: str, status: int, headers: dict[str, str]) -> None:
    """Answer ``path`` once with ``status`` and ``headers``, then with its page again."""
    server.statuses[path] = status
    server.headers[path] = headers

    def clear_after_first_hit() -> None:
        deadline = time.monotonic() + 60
        while server.hits(path) == 0 and time.monotonic() < deadline:
            time.sleep(0.005)
        server.statuses.pop(path, None)
        server.headers.pop(path, None)

    threading.Thread(target=clear_after_first_hit, daemon=True).start()


def hit_times(server: SiteServer, path: str) -> list[float]:
    return [hit.at for hit in server.requests if hit.path == path]


def crawl(fixture_sites: FixtureSites, archive_path: Path, *args: str):
    """``newsarchive crawl`` of some fixture sites, whatever its exit code."""
    sites = ("--sites", str(fixture_sites.sites_file), "--db", str(archive_path))
    return run_cli("crawl", *args, *sites, timeout=60)


def archive_once_limited(
    fixture_sites: FixtureSites, archive_path: Path, *settings: str
) -> tuple[list[float], str, int]:
    blog = fixture_sites.servers["blog"]
    answer_once(blog, ARTICLE, 429, {"Retry-After": "2"})
    result = run_cli("archive", blog.url(ARTICLE), "--db", str(archive_path), *settings, timeout=60)
    return hit_times(blog, ARTICLE), result.stdout, result.returncode


def test_a_429_with_retry_after_is_retried_no_sooner_than_it_asks(fixture_sites, archive_path):
    """Row 5: 429 with Retry-After: 2 is retried after >= 2 s, and the page is stored."""
    times, stdout, code = archive_once_limited(fixture_sites, archive_path)
    assert code == 0, stdout
    assert stdout.startswith(f"archived  {fixture_sites.servers['blog'].url(ARTICLE)} (new")
    assert len(times) == 2
    assert times[1] - times[0] >= 2.0
    assert times[1] - times[0] < 20  # waited the header's time, not a timeout's


def test_without_the_middleware_scrapy_retries_a_429_at_once(fixture_sites, archive_path):
    """Row 5: negative control: Scrapy's own retry ignores Retry-After (gap < 2 s)."""
    without = {**DOWNLOADER_MIDDLEWARES, RETRY_AFTER: None}
    times, stdout, _ = archive_once_limited(
        fixture_sites, archive_path, "-s", f"DOWNLOADER_MIDDLEWARES={json.dumps(without)}"
    )
    assert len(times) >= 2, stdout
    assert times[1] - times[0] < 2.0


def test_a_retry_after_over_the_cap_is_given_up_at_once(fixture_sites, archive_path, tmp_path):
    """Row 5: Retry-After: 3600 is over the cap: given up promptly, one line, a stat, exit 3."""
    blog = fixture_sites.servers["blog"]
    blog.statuses[ARTICLE] = 429
    blog.headers[ARTICLE] = {"Retry-After": "3600"}
    stats_file = tmp_path / "stats.json"
    started = time.monotonic()
    result = crawl(fixture_sites, archive_path, "blog", "-s", f"ARCHIVE_STATS_FILE={stats_file}")
    elapsed = time.monotonic() - started
    assert result.returncode == 3, result.stdout + result.stderr
    assert elapsed < 30
    assert blog.hits(ARTICLE) == 1  # not retried: a retry could not come sooner than an hour
    assert result.stderr == (
        f"error {blog.url(ARTICLE)}: HTTP 429, Retry-After 3600 s is over the 120 s cap\n"
    )
    stats = json.loads(stats_file.read_text())
    assert stats["archive/errors/retry_after_too_long"] == 1
    assert result.stdout.splitlines()[0].endswith(", 1 errors")
    with sqlite3.connect(archive_path) as conn:
        assert conn.execute("select count(*) from articles").fetchone() == (5,)


def test_a_retry_after_date_is_honoured_too(fixture_sites, archive_path):
    """Row 5: Retry-After as an HTTP date 3600 s after the response's Date is over the cap."""
    blog = fixture_sites.servers["blog"]
    blog.statuses[ARTICLE] = 429
    blog.headers[ARTICLE] = {
        "Date": "Sun, 29 Nov 2026 10:00:00 GMT",
        "Retry-After": "Sun, 29 Nov 2026 11:00:00 GMT",
    }
    result = run_cli("archive", blog.url(ARTICLE), "--db", str(archive_path), timeout=60)
    assert result.returncode == 1
    assert result.stdout == (
        f"error     {blog.url(ARTICLE)}: HTTP 429, Retry-After 3600 s is over the 120 s cap\n"
    )


def test_a_host_answering_a_run_of_403_is_backed_off_and_named(fixture_sites, archive_path):
    """A run of 403s backs the host off; its summary line says so; other hosts go on."""
    paper = fixture_sites.servers["paper"]
    for path in PAPER_PAGES:
        paper.statuses[path] = 403
    # A delay keeps the pages found before the block waiting in the host's queue, as on a
    # polite crawl of a real site: at delay 0 they may all be fetched before the fifth 403.
    result = crawl(fixture_sites, archive_path, "paper", "blog", "-s", "DOWNLOAD_DELAY=0.3")
    assert result.returncode == 3, result.stdout + result.stderr
    forbidden = [hit for hit in paper.requests if hit.status == 403]
    assert 5 <= len(forbidden) < len(PAPER_PAGES)  # stopped asking once blocked
    paper_line = next(line for line in result.stdout.splitlines() if line.startswith("paper:"))
    match = re.search(
        r"\(blocked: 127\.0\.0\.2 answered 5 x HTTP 403 in a row; "
        r"its (\d+) other pages left for the next run\)$",
        paper_line,
    )
    assert match, paper_line
    assert int(match.group(1)) >= 1, paper_line
    assert "blog: 6 new," in result.stdout  # the other host is unaffected
    assert "answered 5 x HTTP 403 in a row: backed off for the rest of the run" in result.stderr
    assert "Traceback" not in result.stdout + result.stderr


def test_a_challenge_page_is_not_archived_and_backs_the_host_off(fixture_sites, archive_path):
    """A "Just a moment..." page served as 200 is a challenge, not an article."""
    page = fixture_sites.page("blog", ARTICLE)
    page.write_text(
        "<html><head><title>Just a moment...</title></head>"
        "<body><p>Checking your browser before accessing the site.</p></body></html>"
    )
    result = crawl(fixture_sites, archive_path, "blog", "wp")
    assert result.returncode == 3, result.stdout + result.stderr
    assert "(blocked: 127.0.0.3 answered a challenge page (Just a moment...); its " in (
        result.stdout
    )
    assert "wp: 7 new," in result.stdout
    with sqlite3.connect(archive_path) as conn:
        urls = [url for (url,) in conn.execute("select url from articles where site = 'blog'")]
        titles = [t for (t,) in conn.execute("select title from articles")]
    assert fixture_sites.servers["blog"].url(ARTICLE) not in urls
    assert "Just a moment..." not in titles


def test_an_article_carrying_cloudflares_bot_script_is_archived(fixture_sites, archive_path):
    """Cloudflare injects /cdn-cgi/challenge-platform/ into ordinary pages: not a challenge."""
    page = fixture_sites.page("blog", ARTICLE)
    script = (
        "<script>(function(){var d=document.createElement('script');"
        "d.src='/cdn-cgi/challenge-platform/scripts/jsd/main.js';"
        "document.head.appendChild(d);})();</script>"
    )
    page.write_text(page.read_text().replace("</body>", script + "</body>"))
    result = crawl(fixture_sites, archive_path, "blog")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "blocked" not in result.stdout
    with sqlite3.connect(archive_path) as conn:
        urls = [url for (url,) in conn.execute("select url from articles")]
    assert fixture_sites.servers["blog"].url(ARTICLE) in urls


def test_a_challenge_header_on_a_403_is_recognised(fixture_sites, archive_path):
    """``cf-mitigated: challenge`` marks a challenge whatever the body."""
    blog = fixture_sites.servers["blog"]
    blog.statuses[ARTICLE] = 403
    blog.headers[ARTICLE] = {"cf-mitigated": "challenge"}
    result = run_cli("archive", blog.url(ARTICLE), "--db", str(archive_path), timeout=60)
    assert result.returncode == 1
    assert result.stdout == (
        f"error     {blog.url(ARTICLE)}: HTTP 403, a challenge page (cf-mitigated: challenge)\n"
    )


def test_ctrl_c_cuts_a_retry_after_wait_short(fixture_sites, tmp_path, archive_path):
    """Row 5: a run waiting out Retry-After (100 s, under the cap) stops at once on Ctrl-C."""
    blog = fixture_sites.servers["blog"]
    blog.statuses[ARTICLE] = 429
    blog.headers[ARTICLE] = {"Retry-After": "100"}
    crawl, output, said, seconds = ctrl_c(
        tmp_path, fixture_sites.sites_file, archive_path, lambda: blog.hits(ARTICLE) >= 1
    )
    assert said < 1
    assert seconds < 10, output  # not the 100 s the site asked for
    assert blog.hits(ARTICLE) == 1  # and the retry was not sent early
    assert crawl.returncode == 3, output
    assert "Traceback" not in output


def response(headers: dict[str, str]) -> Response:
    return Response("http://127.0.0.1/", status=429, headers=headers)


def test_retry_after_is_read_as_seconds_or_as_a_date_from_the_server_clock():
    """Row 5: both forms of RFC 9110 §10.2.3; what cannot be read is left to Scrapy's retry."""
    assert retry_after_seconds(response({"Retry-After": "2"})) == 2
    assert retry_after_seconds(response({"Retry-After": " 0 "})) == 0
    dated = {
        "Date": "Sun, 29 Nov 2026 10:00:00 GMT",
        "Retry-After": "Sun, 29 Nov 2026 10:01:30 GMT",
    }
    assert retry_after_seconds(response(dated)) == 90
    past = {"Date": "Sun, 29 Nov 2026 10:00:00 GMT", "Retry-After": "Sun, 29 Nov 2026 09:00:00 GMT"}
    assert retry_after_seconds(response(past)) == 0
    assert retry_after_seconds(response({"Retry-After": "soon"})) is None
    assert retry_after_seconds(response({"Retry-After": "-5"})) is None
    assert retry_after_seconds(response({})) is None
