"""A news site of any size, written on demand: benchmarks and tests need hundreds of pages.

The bundled fixture sites have a handful of articles; effects that grow with a crawl (memory
kept per page, crawl speed, a kill landing mid-batch) only show on hundreds or thousands.
Committing that many files would bloat the repository, so the pages are generated from a fixed
seed: real-shaped article pages (head metadata, JSON-LD, navigation, 10 to 20 KB of varied
text) and a sitemap listing them. ``{{BASE}}`` in the pages stands for the site's address:
``SiteServer`` fills it in as it serves; a plain static server needs ``base`` given here.
"""

from __future__ import annotations

import json
import random
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

VOCABULARY = (
    "council harbour budget river school ferry mayor winter bridge market county library "
    "station election report residents planning housing water farmers festival museum "
    "police hospital teachers volunteers storm road repairs tourism fishing boats "
    "hearing committee proposal shops weather season traffic parking students families "
    "neighbours workers union contract vote tax rates grant funding park trail garden "
    "orchard history archive court judge witness inquiry minister statement spokesperson "
    "evening morning"
)
WORDS = VOCABULARY.split()
SECTIONS = ("local", "politics", "business", "culture", "sport", "weather")
SITE_NAME = "The Generated Gazette"
AUTHORS = ("Ada Mercer", "Tomas Lindqvist", "Priya Raman", "Owen Kelly", "Mei Tanaka")


def sentence(rng: random.Random) -> str:
    words = rng.choices(WORDS, k=rng.randint(8, 22))
    return " ".join(words).capitalize() + rng.choice(".!?.")


def article_page(index: int, rng: random.Random) -> tuple[str, str]:
    """(path, html) of one article: about 10-20 KB, like a real news page."""
    section = SECTIONS[index % len(SECTIONS)]
    day = 1 + index % 28
    title = " ".join(rng.choices(WORDS, k=7)).capitalize() + f" ({index})"
    path = f"/{section}/2026/11/{day:02d}/story-{index}/"
    author = rng.choice(AUTHORS)
    published = f"2026-11-{day:02d}T{8 + index % 10:02d}:15:00Z"
    paragraphs = "\n".join(
        f"<p>{' '.join(sentence(rng) for _ in range(rng.randint(3, 7)))}</p>"
        for _ in range(rng.randint(14, 26))
    )
    nav = " ".join(f'<a href="/{s}/">{s.title()}</a>' for s in SECTIONS)
    related = "\n".join(
        f'<li><a href="/local/2026/11/01/story-{rng.randint(0, 99999)}/">'
        f"{' '.join(rng.choices(WORDS, k=6))}</a></li>"
        for _ in range(8)
    )
    jsonld = json.dumps(
        {
            "@context": "https://schema.org",
            "@type": "NewsArticle",
            "headline": title,
            "datePublished": published,
            "author": {"@type": "Person", "name": author},
        }
    )
    html = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title} – The Generated Gazette</title>
<meta name="description" content="{sentence(rng)}">
<meta name="author" content="{author}">
<meta property="og:type" content="article">
<meta property="article:published_time" content="{published}">
<link rel="canonical" href="{{{{BASE}}}}{path}">
<script type="application/ld+json">{jsonld}</script>
</head>
<body>
<header><p class="site-name"><a href="/">The Generated Gazette</a></p><nav>{nav}</nav></header>
<main>
<article>
<h1>{title}</h1>
<p class="byline">By {author} · <time datetime="{published}">{published[:10]}</time></p>
{paragraphs}
</article>
<aside><h2>Most read</h2><ul>
{related}
</ul></aside>
</main>
<footer><p>© 2026 The Generated Gazette · 1 Harbour Street · All rights reserved</p></footer>
</body>
</html>
"""
    return path, html


def write_site(root: Path, pages: int, seed: int = 8, base: str = "") -> list[str]:
    """Write ``pages`` articles, a home page and a sitemap under ``root``; return the paths.

    With ``base`` (``http://host:port``) the ``{{BASE}}`` placeholders are filled in.
    """
    rng = random.Random(seed)
    paths = []
    for index in range(pages):
        path, html = article_page(index, rng)
        folder = root / path.strip("/")
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "index.html").write_text(_filled(html, base), encoding="utf-8")
        paths.append(path)
    entries = "\n".join(f"<url><loc>{{{{BASE}}}}{path}</loc></url>" for path in paths)
    write_site_frame(root, SITE_NAME, _filled(entries, base))
    return paths


def write_site_frame(root: Path, site_name: str, entries: str, namespaces: str = "") -> None:
    """What a site has beside its articles: a sitemap of ``entries``, robots.txt, a home page.

    ``entries`` are the sitemap's ``<url>`` elements; ``namespaces`` adds declarations
    (``xmlns:news="..."``) to its ``<urlset>``.
    """
    (root / "sitemap.xml").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"{namespaces}>\n'
        f"{entries}\n</urlset>\n",
        encoding="utf-8",
    )
    (root / "robots.txt").write_text("User-agent: *\nAllow: /\n", encoding="utf-8")
    (root / "index.html").write_text(
        f"<!DOCTYPE html><html><head><title>{site_name}</title></head>"
        f"<body><h1>{site_name}</h1></body></html>\n",
        encoding="utf-8",
    )


def _filled(text: str, base: str) -> str:
    return text.replace("{{BASE}}", base) if base else text
