"""The archive in a real browser: headless Chromium, driven by Playwright, on ``newsarchive serve``.

The demo site is crawled into a fresh archive, one article is edited on the site and the
archive crawled again a month later (so that article has two versions and a diff), and a real
``newsarchive serve`` subprocess serves it on a free loopback port. The browser is Debian's
``chromium`` (never one Playwright downloads). Screenshots go to pytest's tmp dir, or to
``NEWSARCHIVE_SCREENSHOTS`` when set (the article's three, which the README shows, are made so:
``NEWSARCHIVE_SCREENSHOTS=docs/screenshots .venv/bin/python -m pytest tests/test_browser.py``).
"""

from __future__ import annotations

import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from crawler.demo.server import SiteServer
from tests.conftest import ROOT, FixtureSites, crawl_fixture_sites

if TYPE_CHECKING:
    from collections.abc import Iterator

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
WIDTH, HEIGHT = 1280, 900
DEMO = ROOT / "crawler" / "demo"
EDITED = "2026/10/30/shipyard-research-vessel-contract/index.html"
OLD_TITLE = "Northpoint Shipyard wins contract for two research vessels"
NEW_TITLE = "Northpoint Shipyard wins $58 million contract for two research vessels"
# A month after the first crawl: every article is due for a revisit.
LATER = "2026-12-29T12:00:00+00:00"


def missing_browser() -> str | None:
    """Why the browser test cannot run here, or None when it can."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        playwright_found = False
    else:
        playwright_found = True
    missing = [
        what
        for what, found in (
            ("Playwright (pip install -e '.[test]')", playwright_found),
            ("chromium (apt-get install chromium)", CHROMIUM is not None),
        )
        if not found
    ]
    return " and ".join(missing) + " not found" if missing else None


MISSING = missing_browser()
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(MISSING is not None, reason=f"browser test: {MISSING}"),
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def demo_archive(tmp_path_factory) -> Path:
    """The demo site crawled, one article edited on the site, and crawled again later."""
    folder = tmp_path_factory.mktemp("browser")
    site = folder / "site"
    shutil.copytree(DEMO / "site", site)
    db = folder / "archive.db"
    with SiteServer(site, host="127.0.0.1") as server:
        sites_file = folder / "sites.toml"
        sites_file.write_text(
            (DEMO / "sites.toml").read_text(encoding="utf-8").replace("{{BASE}}", server.base_url),
            encoding="utf-8",
        )
        sites = FixtureSites(root=site, servers={"demo": server}, sites_file=sites_file)
        crawl_fixture_sites(sites, db)
        page = site / EDITED
        text = page.read_text(encoding="utf-8")
        assert OLD_TITLE in text
        text = text.replace(OLD_TITLE, NEW_TITLE).replace("about forty jobs", "about sixty jobs")
        page.write_text(text, encoding="utf-8")
        crawl_fixture_sites(sites, db, env={"NEWSARCHIVE_NOW": LATER})
    return db


@contextmanager
def serving(db: Path) -> Iterator[str]:
    """``newsarchive serve`` on a free loopback port; yields its base URL once it answers."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "crawler.cli", "serve", "--db", str(db), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(base + "/-/versions.json", timeout=2)
                break
            except httpx.TransportError:
                assert server.poll() is None, server.stderr.read() if server.stderr else ""
                assert time.monotonic() < deadline, "serve did not answer within 30 s"
                time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=10)


def screenshot_dir(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("NEWSARCHIVE_SCREENSHOTS") or tmp_path / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def no_horizontal_scroll(page: Any) -> bool:
    return bool(
        page.evaluate(
            "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
        )
    )


def test_reader_path_in_chromium(demo_archive, tmp_path):
    from playwright.sync_api import sync_playwright

    with sqlite3.connect(demo_archive) as conn:
        (article_id, version) = conn.execute(
            "select id, version from articles where title = ?", [NEW_TITLE]
        ).fetchone()
    assert version == 2
    shots = screenshot_dir(tmp_path)
    errors: list[str] = []
    with serving(demo_archive) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )
        page = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
        page.on(
            "console",
            lambda message: (
                errors.append(f"{message.location.get('url')}: {message.text}")
                if message.type == "error"
                else None
            ),
        )
        page.on("pageerror", lambda error: errors.append(f"{page.url}: {error}"))

        page.goto(base + "/")
        assert "News archive" in page.title()
        page.screenshot(path=str(tmp_path / "index.png"))

        # Search as a reader does: the home page's box, an accent-free prefix, then the result.
        page.fill("input[name=q]", "shipy* million")
        page.keyboard.press("Enter")
        page.wait_for_url("**/archive/search?q=*")
        results = page.locator("ol.search-results > li")
        assert results.count() >= 1
        first = results.first
        assert first.locator("h2").inner_text() == NEW_TITLE
        assert first.locator("mark").count() >= 1  # the matched words are highlighted
        page.screenshot(path=str(tmp_path / "search.png"))
        first.locator("h2 a").click()
        page.wait_for_url(f"**/archive/articles/{article_id}")
        assert page.title() == NEW_TITLE
        headline = page.locator("h1.na-headline")
        assert headline.inner_text() == NEW_TITLE
        box = headline.bounding_box()
        assert box is not None
        assert box["y"] < HEIGHT
        byline = page.locator(".na-byline")
        byline_box = byline.bounding_box()
        assert byline_box is not None
        assert byline_box["y"] + byline_box["height"] < HEIGHT  # byline above the fold too
        assert byline.inner_text() == "By Priya Natarajan and Jane Doe"
        assert not set(byline.inner_text()) & set('[]"')
        assert page.locator(".na-body p").count() >= 3
        body_box = page.locator(".na-body").bounding_box()
        assert body_box is not None
        assert body_box["width"] <= 760  # a readable column (~70ch), not the page's width
        assert no_horizontal_scroll(page)
        page.screenshot(path=str(shots / "article-page.png"))

        page.locator("a", has_text="Versions (2)").click()
        versions = page.locator("#versions")
        assert versions.locator(".na-version").count() == 2
        added = versions.locator(".na-diff-added").all_inner_texts()
        assert f"+Title: {NEW_TITLE}" in added
        assert any("about sixty jobs" in line for line in added)
        removed = versions.locator(".na-diff-removed").all_inner_texts()
        assert any("about forty jobs" in line for line in removed)
        colour = versions.locator(".na-diff-added").first.evaluate(
            "element => getComputedStyle(element).backgroundColor"
        )
        assert colour not in ("rgba(0, 0, 0, 0)", "transparent")
        assert no_horizontal_scroll(page)
        versions.screenshot(path=str(shots / "article-versions.png"))

        page.goto(f"{base}/archive/articles/{article_id}")
        page.locator(".na-links a", has_text="Raw page").first.click()
        page.wait_for_load_state("load")
        frame_element = page.locator("iframe.na-raw-frame")
        sandbox = frame_element.get_attribute("sandbox")
        assert sandbox is not None
        assert "allow-scripts" not in sandbox
        assert "allow-same-origin" not in sandbox
        frame = frame_element.content_frame
        assert frame is not None
        assert NEW_TITLE in frame.locator("h1").first.inner_text()
        assert no_horizontal_scroll(page)
        page.screenshot(path=str(shots / "article-raw.png"))
        browser.close()
    # The archive's own pages log nothing; a stored page refused its images and styles (by
    # the raw route's Content-Security-Policy) is the archive working as meant.
    own = [
        error
        for error in errors
        if not (error.startswith(f"{base}/-/raw/") and "Content Security Policy" in error)
    ]
    assert own == []
