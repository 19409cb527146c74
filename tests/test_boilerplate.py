"""The boilerplate stage with site templates: crawls of a real loopback site into real archives.

The ``courier`` fixture site (127.0.0.4) is a WordPress mobile theme like the seed's: every page
carries "Site icon ...", "Exit mobile version" and a newsletter prompt inside the article text,
which the per-page extractor keeps.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from typing import TYPE_CHECKING

import pytest
from lxml import html as lxml_html

from crawler.demo.server import SiteServer
from crawler.extract.article import extract_article
from crawler.items import ArticleItem, FetchedPage
from pipelines.boilerplate import StripBoilerplatePipeline
from tests.conftest import SITE_DIR, run_cli

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

PROMPT = (
    "Get the Courier in your inbox: sign up for our free weekly newsletter and never miss a "
    "story from the valley."
)
TEMPLATE_LINES = ("Site icon", "Exit mobile version", "Get the Courier in your inbox")
ARTICLES = 7
NEW_PAGE = "/2018/07/13/valley-pool-reopens-after-repairs/"


@pytest.fixture
def courier(tmp_path: Path) -> Iterator[tuple[SiteServer, Path]]:
    root = tmp_path / "courier"
    shutil.copytree(SITE_DIR / "courier", root)
    with SiteServer(root, host="127.0.0.4") as server:
        yield server, root


def sites_file(tmp_path: Path, server: SiteServer, extra: str = "") -> Path:
    path = tmp_path / "sites.toml"
    path.write_text(
        "[defaults]\ndownload_delay = 0\nconcurrency = 4\n"
        f'[sites.courier]\nfeeds = ["{server.url("/feed.xml")}"]\n{extra}',
        encoding="utf-8",
    )
    return path


def crawl(sites: Path, db: Path) -> str:
    result = run_cli(
        "crawl", "--sites", str(sites), "--db", str(db), "-s", "CLOSESPIDER_TIMEOUT=60"
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def rows(db: Path, sql: str, *params) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql, params).fetchall()


def fixture_pages(root: Path) -> dict[str, Path]:
    return {
        "/" + str(page.parent.relative_to(root)) + "/": page
        for page in sorted(root.rglob("index.html"))
    }


def article_paragraphs(page: Path) -> list[str]:
    """The article's own paragraphs as the page holds them: all but the newsletter prompt."""
    tree = lxml_html.fromstring(page.read_text(encoding="utf-8"))
    texts = [
        " ".join(p.text_content().split()) for p in tree.xpath("//div[@class='entry-content']//p")
    ]
    return [text for text in texts if text and not text.startswith("Get the Courier")]


def write_new_page(server: SiteServer, root: Path) -> str:
    """One more article in the theme, with its own URL, headline and paragraphs."""
    path, page = next(iter(fixture_pages(root).items()))
    html = page.read_text(encoding="utf-8").replace(path, NEW_PAGE)
    html = html.replace("Mill Pond dam repairs finish", "Valley pool reopens")
    for number, text in enumerate(article_paragraphs(page)):
        html = html.replace(text, f"The valley pool reopened on day {number} after repairs.")
    target = root / NEW_PAGE.strip("/") / "index.html"
    target.parent.mkdir(parents=True)
    target.write_text(html, encoding="utf-8")
    return server.url(NEW_PAGE)


def test_per_page_extraction_alone_keeps_the_newsletter_prompt(courier):
    # Negative control: without what the other pages teach, the prompt is "article".
    server, root = courier
    pages = fixture_pages(root)
    assert len(pages) == ARTICLES
    for path, page in pages.items():
        record = extract_article(page.read_text(encoding="utf-8"), server.url(path))
        assert PROMPT in record["body"]
        assert record["field_sources"]["body"] == "trafilatura"


def test_stage_removes_the_template_once_min_pages_were_seen(courier):
    # No archive: the stage learns as pages pass. A page is counted after its extraction,
    # so the first five keep the prompt (the clean-up at the spider's close handles those,
    # see the crawl tests) and the sixth is the first extracted with five pages known.
    server, root = courier
    stage = StripBoilerplatePipeline(path=None)
    bodies, labels = [], []
    for path, page in [*fixture_pages(root).items(), *fixture_pages(root).items()]:
        text = page.read_text(encoding="utf-8")
        url = server.url(path)
        fetched = FetchedPage(url, 200, {}, text.encode(), text, "2026-11-01T00:00:00+00:00")
        item = stage.process_item(ArticleItem(url=url, site="courier", page=fetched))
        bodies.append(item["body"])
        labels.append(item["field_sources"]["body"])
        assert "template_removed" not in item
    assert [PROMPT in body for body in bodies] == [True] * 5 + [False] * 9
    assert labels == ["trafilatura"] * 5 + ["trafilatura+template"] * 9
    assert stage.templates["courier"].pages == ARTICLES  # the second pass counted nothing


def test_first_crawl_archives_bodies_without_the_site_template(courier, tmp_path, archive_path):
    server, root = courier
    stdout = crawl(sites_file(tmp_path, server), archive_path)
    assert f"courier: {ARTICLES} new" in stdout

    bodies = dict(rows(archive_path, "select url, body from articles"))
    assert len(bodies) == ARTICLES
    for path, page in fixture_pages(root).items():
        body = bodies[server.url(path)]
        for line in TEMPLATE_LINES:
            assert line not in body
        for paragraph in article_paragraphs(page):
            assert paragraph in body.split("\n\n")  # no article paragraph lost
    # Shared paragraphs of two articles (a syndicated one, a short one) are not template.
    assert sum("Department of Transportation" in body for body in bodies.values()) == 2
    assert sum("Tickets are free." in body for body in bodies.values()) == 2

    # The revisions hold the clean text too: one each, no extra revision for the clean-up.
    assert rows(
        archive_path,
        "select count(*) from revisions join articles on articles.id = revisions.article_id "
        "where revisions.body = articles.body and revisions.content_hash = articles.content_hash",
    ) == [(ARTICLES,)]
    assert rows(archive_path, "select count(*) from revisions") == [(ARTICLES,)]
    assert rows(
        archive_path, "select count(*) from articles_fts where articles_fts match 'newsletter'"
    ) == [(0,)]
    sources = [json.loads(s) for (s,) in rows(archive_path, "select field_sources from articles")]
    assert {s["body"] for s in sources} == {"trafilatura+template"}

    ((site, pages_seen, blocks),) = rows(
        archive_path, "select site, pages_seen, blocks from site_templates"
    )
    assert (site, pages_seen, json.loads(blocks)) == ("courier", ARTICLES, [PROMPT])


def test_second_crawl_and_a_new_page_use_the_saved_template(courier, tmp_path, archive_path):
    server, root = courier
    sites = sites_file(tmp_path, server)
    crawl(sites, archive_path)
    before = rows(archive_path, "select id, version, content_hash, body from articles order by id")

    # Extracted with the saved template from its first page, every article is unchanged. (With
    # no schedule, as in an archive from before schema 3, every article is due and has no
    # validators to send: each page is fetched and extracted in full.)
    with sqlite3.connect(archive_path) as conn:
        conn.execute("delete from schedule")
    assert "courier: 0 new, 0 changed, 7 unchanged" in crawl(sites, archive_path)
    after = rows(archive_path, "select id, version, content_hash, body from articles order by id")
    assert after == before
    assert rows(archive_path, "select count(*) from revisions") == [(ARTICLES,)]
    assert rows(archive_path, "select pages_seen from site_templates") == [(ARTICLES,)]

    # A run that sees one page only: nothing could be learned in it, the archive knew.
    url = write_new_page(server, root)
    result = run_cli("archive", url, "--sites", str(sites), "--db", str(archive_path))
    assert result.returncode == 0, result.stdout + result.stderr
    ((body, sources),) = rows(
        archive_path, "select body, field_sources from articles where url = ?", url
    )
    assert "The valley pool reopened on day 0 after repairs." in body
    assert PROMPT not in body
    assert json.loads(sources)["body"] == "trafilatura+template"
    assert rows(archive_path, "select pages_seen from site_templates") == [(ARTICLES + 1,)]


def test_min_pages_above_the_site_learns_nothing(courier, tmp_path, archive_path):
    server, _ = courier
    crawl(sites_file(tmp_path, server, "template_min_pages = 50\n"), archive_path)
    bodies = [body for (body,) in rows(archive_path, "select body from articles")]
    assert len(bodies) == ARTICLES
    assert all(PROMPT in body for body in bodies)
    assert rows(archive_path, "select blocks from site_templates") == [("[]",)]


def test_archive_without_saved_template_learns_from_its_articles(courier, tmp_path, archive_path):
    # An archive from before template learning: articles stored with the prompt, no template.
    server, root = courier
    crawl(sites_file(tmp_path, server, "template_min_pages = 50\n"), archive_path)
    with sqlite3.connect(archive_path) as conn:
        conn.execute("delete from site_templates")

    url = write_new_page(server, root)
    sites = sites_file(tmp_path, server)
    result = run_cli("archive", url, "--sites", str(sites), "--db", str(archive_path))
    assert result.returncode == 0, result.stdout + result.stderr
    ((body,),) = rows(archive_path, "select body from articles where url = ?", url)
    assert PROMPT not in body
    assert "The valley pool reopened on day 1 after repairs." in body
    assert rows(archive_path, "select pages_seen, blocks from site_templates") == [
        (ARTICLES + 1, json.dumps([PROMPT]))
    ]
