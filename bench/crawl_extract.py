"""Row (e) of the crawl benchmark: our extraction alone, over the pages the crawl fetches.

Each generated page is read from disk and handed to ``crawler.extract.extract_article`` the
way the boilerplate stage hands it (the page's text, its URL, the sitemap hint, the site's
template learner, which then observes the page's paragraphs), in one process: the cost of
extraction without a network, a crawler or an archive.

Run: ``python -m bench.crawl_extract ROOT BASE --out COUNT.json``
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from crawler.extract.access import DEFAULT_MIN_BODY_CHARS
from crawler.extract.article import extract_article
from crawler.extract.templates import SiteTemplate, split_paragraphs
from crawler.urls import identity_url

SITE_NAME = "The Generated Gazette"


def extract_site(root: Path, base: str) -> int:
    """Extract every article page under ``root``; the count of pages that gave a body."""
    template = SiteTemplate()
    extracted = 0
    for page in sorted(root.glob("*/2026/*/*/story-*/index.html")):
        url = f"{base}/{page.parent.relative_to(root).as_posix()}/"
        record = extract_article(
            page.read_text(encoding="utf-8"),
            url,
            site_name=SITE_NAME,
            hints={"via": "sitemap"},
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
    parser.add_argument("base")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    count = extract_site(args.root, args.base)
    args.out.write_text(json.dumps({"extracted": count}), encoding="utf-8")


if __name__ == "__main__":
    main()
