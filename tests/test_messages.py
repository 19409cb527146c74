"""What a user reads when something goes wrong: one line with the URL or file and the reason.

Every case runs the real command in its own process against loopback servers (or a closed
port, or a ``.invalid`` name that never resolves: RFC 2606), and asserts the exact lines and
exit code of DESIGN.md; tracebacks appear only with ``-v``.
"""

from __future__ import annotations

import socket
import subprocess
import sys

import pytest

from crawler.demo.server import SiteServer
from tests.conftest import CLI_TIMEOUT, ROOT, run_cli

DEAD = "http://127.0.0.9:9/"  # a loopback address where nothing listens: connection refused
NOWHERE = "http://nothing-here.invalid/"  # RFC 2606: never resolves, and fails fast offline
ARTICLE = "/posts/tomatoes-again/"


def test_archive_of_a_refused_connection_is_one_line_without_traceback(archive_path):
    result = run_cli("archive", DEAD, "--db", str(archive_path))
    assert result.returncode == 1
    assert (
        result.stdout == f"error     {DEAD}: connection refused (robots.txt could not be fetched)\n"
    )
    assert result.stderr == ""


def test_archive_shows_the_traceback_only_with_verbose(archive_path):
    result = run_cli("archive", DEAD, "--db", str(archive_path), "-v")
    assert result.returncode == 1
    assert "Traceback (most recent call last)" in result.stderr
    assert "connection refused (robots.txt could not be fetched)" in result.stdout


def test_archive_of_a_name_that_does_not_resolve_says_dns(archive_path):
    result = run_cli("archive", NOWHERE, "--db", str(archive_path), timeout=10)
    assert result.returncode == 1
    assert (
        result.stdout
        == f"error     {NOWHERE}: DNS lookup failed (robots.txt could not be fetched)\n"
    )
    assert result.stderr == ""


@pytest.mark.parametrize("status", [404, 500])
def test_archive_of_an_http_error_names_the_status(tmp_path, archive_path, status):
    (tmp_path / "site").mkdir()
    with SiteServer(tmp_path / "site", host="127.0.0.4") as server:
        server.statuses[ARTICLE] = status
        url = server.url(ARTICLE)
        result = run_cli("archive", url, "--db", str(archive_path), "-s", "RETRY_TIMES=0")
    assert result.returncode == 1
    assert result.stdout == f"error     {url}: HTTP {status}\n"
    assert result.stderr == ""


def test_crawl_of_a_dead_site_names_it_and_the_reason(tmp_path, archive_path):
    sites = tmp_path / "sites.toml"
    sites.write_text(
        '[defaults]\ndownload_delay = 0\n[sites.gone]\nfeeds = ["http://127.0.0.9:9/feed.xml"]\n'
    )
    result = run_cli(
        "crawl", "--sites", str(sites), "--db", str(archive_path), "-s", "RETRY_TIMES=0"
    )
    assert result.returncode == 1
    assert result.stderr == f"error {DEAD}: connection refused (robots.txt could not be fetched)\n"
    assert result.stdout.splitlines()[0] == (
        "gone: 0 new, 0 changed, 0 unchanged, 0 skipped as non-articles, 0 dropped, 1 errors"
    )


def test_a_dropped_page_is_logged_as_its_url_and_reason_not_its_content(tmp_path, archive_path):
    site = tmp_path / "site"
    (site / "empty").mkdir(parents=True)
    filler = "".join(f"<script>var line{n} = 'FILLER-{n}';</script>\n" for n in range(5000))
    (site / "empty" / "index.html").write_text(f"<html><head>{filler}</head><body></body></html>")
    with SiteServer(site, host="127.0.0.4") as server:
        url = server.url("/empty/")
        result = run_cli("archive", url, "--db", str(archive_path), "-v")
    assert result.returncode == 1
    assert result.stdout == f"error     {url}: empty\n"
    dropped = [line for line in result.stderr.splitlines() if "Dropped" in line]
    assert len(dropped) == 1
    assert dropped[0].endswith(f"[scrapy.core.scraper] WARNING: Dropped {url}: empty")
    assert "FILLER" not in result.stderr
    assert "<html" not in result.stderr
    assert len(result.stderr) < 20_000  # the page alone is over 200 KB
    assert len((site / "empty" / "index.html").read_bytes()) > 200_000


def test_serve_on_a_taken_port_says_so_and_exits_failed(tmp_path):
    db = tmp_path / "archive.db"
    assert run_cli("archive", DEAD, "--db", str(db)).returncode == 1  # creates the archive
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        port = squatter.getsockname()[1]
        result = run_cli("serve", "--db", str(db), "--port", str(port), timeout=10)
    assert result.returncode == 1
    assert result.stdout == ""  # never "Serving ..."
    assert result.stderr == f"Error: 127.0.0.1:{port}: cannot listen there: already in use\n"


def test_serve_with_an_invalid_port_is_a_usage_error(tmp_path):
    result = run_cli("serve", "--db", str(tmp_path / "archive.db"), "--port", "99999")
    assert result.returncode == 2
    assert result.stderr.splitlines()[-1] == (
        "Error: Invalid value for '--port': 99999 is not in the range 1<=x<=65535."
    )
    assert "Traceback" not in result.stderr


def test_serve_with_a_directory_as_db_says_it_is_a_directory(tmp_path):
    result = run_cli("serve", "--db", str(tmp_path))
    assert result.returncode == 2
    assert (
        result.stderr
        == f"Error: {tmp_path}: is a directory, not an archive file (give --db FILE)\n"
    )


def run_scrapy(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "news", *args, "-s", "LOG_LEVEL=WARNING"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=CLI_TIMEOUT,
        check=False,
    )


def scrapy_messages(stderr: str) -> list[str]:
    """The log lines without their timestamp."""
    return [line.split(" ", 2)[2] for line in stderr.splitlines()]


def test_plain_scrapy_without_a_site_argument_says_what_to_give(tmp_path):
    sites = tmp_path / "sites.toml"
    sites.write_text('[sites.gone]\nfeeds = ["http://127.0.0.9:9/feed.xml"]\n')
    result = run_scrapy("-s", f"ARCHIVE_SITES={sites}", "-s", f"ARCHIVE_PATH={tmp_path / 'a.db'}")
    assert scrapy_messages(result.stderr) == [
        "[news] ERROR: Not crawling: give the site to crawl: -a site=SLUG"
    ]
    assert result.returncode == 2


def test_plain_scrapy_with_an_unknown_site_names_the_known_ones(tmp_path):
    sites = tmp_path / "sites.toml"
    sites.write_text('[sites.gone]\nfeeds = ["http://127.0.0.9:9/feed.xml"]\n')
    result = run_scrapy(
        "-a", "site=nope", "-s", f"ARCHIVE_SITES={sites}", "-s", f"ARCHIVE_PATH={tmp_path / 'a.db'}"
    )
    assert scrapy_messages(result.stderr) == [
        f"[news] ERROR: Not crawling: {sites}: no site 'nope' (known: gone)"
    ]
    assert result.returncode == 2


def test_plain_scrapy_with_no_sites_file_names_the_setting(tmp_path):
    missing = tmp_path / "absent.toml"
    result = run_scrapy(
        "-a",
        "site=gone",
        "-s",
        f"ARCHIVE_SITES={missing}",
        "-s",
        f"ARCHIVE_PATH={tmp_path / 'a.db'}",
    )
    assert scrapy_messages(result.stderr) == [
        f"[news] ERROR: Not crawling: {missing}: no such file (give the sites file: "
        + "-s ARCHIVE_SITES=FILE)"
    ]
    assert result.returncode == 2


ZONE_PAGE = (
    '<html><head><meta property="article:published_time" content="2024-03-12 10:00 CEST">'
    "</head><body><p>x</p></body></html>"
)


def test_a_zone_name_dateutil_does_not_know_warns_nothing_into_the_log():
    import warnings

    import lxml.html
    from htmldate import find_date

    from crawler.extract.article import _htmldate

    with warnings.catch_warnings(record=True) as control:
        warnings.simplefilter("always")
        find_date(lxml.html.fromstring(ZONE_PAGE), url=DEAD, original_date=True)
    assert [w.category.__name__ for w in control] == ["UnknownTimezoneWarning"]
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        assert _htmldate(lxml.html.fromstring(ZONE_PAGE), DEAD, extensive=False) == "2024-03-12"
    assert seen == []


def test_archive_of_a_server_that_never_answers_says_timed_out(archive_path):
    with socket.socket() as silent:  # listens (the kernel completes the handshake), never reads
        silent.bind(("127.0.0.5", 0))
        silent.listen()
        url = f"http://127.0.0.5:{silent.getsockname()[1]}/"
        result = run_cli(
            "archive",
            url,
            "--db",
            str(archive_path),
            "-s",
            "DOWNLOAD_TIMEOUT=1",
            "-s",
            "RETRY_TIMES=0",
            timeout=10,
        )
    assert result.returncode == 1
    assert result.stdout == f"error     {url}: timed out (robots.txt could not be fetched)\n"
    assert result.stderr == ""
