"""Row (e) of the crawl benchmark: our extraction alone, over the pages the crawl fetches.

The pages are those the site's ``sitemap.xml`` lists, in its order, read from the served
folder (``<path>/index.html``, as ``StaticFiles`` answers ``<path>/``): the generated site
and the site of real pages (``bench.crawl_corpus``) alike, with no layout of either assumed.
Each is handed to ``crawler.extract.extract_article`` the way the crawl hands it: the text
decoded as the spider decodes the response (``crawler.charset.response_text``, with the
``Content-Type`` the server sends), the identity URL, the hints the ``news`` spider takes
from the sitemap entry, the configured site name and the site's template learner, which then
observes the page's paragraphs. One process: the cost of extraction without a network, a
crawler or an archive.

Run: ``python -m bench.crawl_extract ROOT --site-name NAME --out COUNT.json``
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from urllib.parse import urlparse

from scrapy.http import HtmlResponse, XmlResponse

from crawler.charset import response_text
from crawler.extract.access import DEFAULT_MIN_BODY_CHARS
from crawler.extract.article import extract_article
from crawler.extract.templates import SiteTemplate, split_paragraphs
from crawler.urls import identity_url
from spiders.listings import xml_selector

# What bench.crawl_server (Starlette's StaticFiles) sends with an .html file.
CONTENT_TYPE = "text/html; charset=utf-8"


def sitemap_entries(root: Path) -> list[tuple[str, dict[str, str]]]:
    """``(url, hints)`` of each ``<url>`` of ``root/sitemap.xml``, as ``news`` reads them.

    The hints are built as ``NewsSpider.parse_sitemap`` builds them (kept only when not
    empty): the spider's method needs a crawl around it, so its few lines are repeated here.
    """
    sitemap = root / "sitemap.xml"
    selector = xml_selector(XmlResponse(sitemap.as_uri(), body=sitemap.read_bytes()))
    assert selector is not None, f"not a sitemap: {sitemap}"
    entries = []
    for entry in selector.xpath("//urlset/url"):
        hints = {
            "via": "news-sitemap" if entry.xpath("news") else "sitemap",
            "title": (entry.xpath("news/title/text()").get() or "").strip(),
            "published_raw": (entry.xpath("news/publication_date/text()").get() or "").strip(),
            "lastmod": (entry.xpath("lastmod/text()").get() or "").strip(),
        }
        url = identity_url((entry.xpath("loc/text()").get() or "").strip())
        entries.append((url, {key: value for key, value in hints.items() if value}))
    return entries


def page_text(root: Path, url: str) -> str:
    """The text of the page served at ``url`` from ``root``, decoded as the spider decodes it."""
    page = root / urlparse(url).path.strip("/") / "index.html"
    response = HtmlResponse(url, body=page.read_bytes(), headers={"Content-Type": CONTENT_TYPE})
    return response_text(response)


def extract_site(root: Path, site_name: str) -> int:
    """Extract every page the sitemap lists; the count of pages that gave a body."""
    template = SiteTemplate()
    extracted = 0
    for url, hints in sitemap_entries(root):
        record = extract_article(
            page_text(root, url),
            url,
            site_name=site_name,
            hints=hints,
            template=template,
            min_body_chars=DEFAULT_MIN_BODY_CHARS,
        )
        removed = record.pop("template_removed", [])
        kept = split_paragraphs(record["body"] or "")
        template.observe(identity_url(url), [*kept, *removed])
        extracted += bool(record["body"])
    return extracted


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", type=Path)
    parser.add_argument("--site-name", required=True, help="as sites.toml names the site")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    count = extract_site(args.root, args.site_name)
    args.out.write_text(json.dumps({"extracted": count}), encoding="utf-8")


if __name__ == "__main__":
    main()
