"""Syndication clusters: signatures, thresholds from a measurement, store-time grouping, crawls.

The threshold tests print the measured distributions (``pytest -s``); the README quotes them.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import sqlite3
from typing import TYPE_CHECKING

import pytest
import sqlite_utils

from crawler.archive import clusters as c
from crawler.archive import open_archive, store_articles
from crawler.archive import signatures as sig
from crawler.archive.connection import write_transaction
from crawler.archive.schema import MIGRATIONS, SCHEMA_VERSION
from crawler.datasette import build_datasette
from crawler.demo.server import SiteServer
from crawler.extract import extract_article
from tests.conftest import ROOT, SITE_DIR, run_cli

if TYPE_CHECKING:
    from pathlib import Path

    import httpx
import numpy

PAGES_DIR = ROOT.parent / "shared" / "data" / "article-pages"
DEMO_DIR = ROOT / "crawler" / "demo"
PAPER = "news/2026/11/"
# observer story -> the paper story it is an edited copy of (tests/site/observer/README.md)
SYNDICATED = {
    "riverton-council-oks-levee-fix-before-winter": (
        "council-approves-levee-repairs-ahead-of-winter"
    ),
    "lower-bend-homeowners-could-get-buyout-offers": "county-weighs-flood-buyouts-for-lower-bend",
    "millrace-shops-back-in-business": "millrace-street-businesses-reopen-after-flood-cleanup",
}
FLOOD_STORIES = {  # different stories on one topic: the Cane River floods
    "paper": [
        "council-approves-levee-repairs-ahead-of-winter",
        "county-weighs-flood-buyouts-for-lower-bend",
        "millrace-street-businesses-reopen-after-flood-cleanup",
    ],
    "observer": [
        "flood-insurance-premiums-to-climb-along-cane-river",
        "volunteers-fill-sandbags-as-cane-river-rises",
    ],
}
MARGIN = 0.1  # what the threshold keeps from the nearest pair of either group


def words(count: int, start: int = 0) -> str:
    """A body of distinct words, one story per ``start``."""
    return " ".join(f"w{start}x{i}" for i in range(count))


def record(url: str, body: str, fetched_at: str = "2026-11-01T00:00:00+00:00", **fields) -> dict:
    return {
        "url": url,
        "site": fields.pop("site", "news"),
        "title": fields.pop("title", "A headline"),
        "body": body,
        "authors": [],
        "content_hash": fields.pop("content_hash", str(hash((url, body)))),
        "page": {
            "url": url,
            "status": 200,
            "headers": {},
            "body": body.encode(),
            "fetched_at": fetched_at,
        },
        **fields,
    }


def duplicate_of(db: sqlite_utils.Database) -> dict[str, int | None]:
    """url -> the url of the article it points at (None for a head or a loner)."""
    rows = db.execute(
        "select a.url, h.url from articles a left join articles h on h.id = a.duplicate_of"
    ).fetchall()
    return dict(rows)


def fixture_body(site: str, path: str, base: str) -> str:
    file = SITE_DIR / site / path
    html = file.read_text(encoding="utf-8").replace("{{BASE}}", base)
    return extract_article(html, f"{base}/{path}")["body"]


def paper_body(slug: str) -> str:
    return fixture_body("paper", f"{PAPER}{slug}.html", "http://127.0.0.2")


def observer_body(slug: str) -> str:
    return fixture_body("observer", f"stories/{slug}/index.html", "http://127.0.0.1")


# --- signatures -------------------------------------------------------------------------------


def test_shingles_ignore_case_punctuation_and_short_bodies() -> None:
    body = words(60)
    assert sig.shingles(body.upper().replace(" ", ", ")) == sig.shingles(body)
    accented = "Ông Nguyễn mở quán cà phê ở Zürich " * 10
    assert sig.shingles(accented) == sig.shingles("ong nguyen mo quan ca phe o zurich " * 10)
    assert len(sig.shingles(body)) == 60 - sig.SHINGLE_WORDS + 1
    assert sig.shingles(words(sig.MIN_WORDS - 1)) == set()
    assert sig.minhash(words(sig.MIN_WORDS - 1)) is None


def test_signature_estimates_jaccard_and_band_keys_follow_it() -> None:
    base = words(400)
    edited = words(300) + " " + words(100, start=9)  # the last quarter rewritten
    exact = len(sig.shingles(base) & sig.shingles(edited)) / len(
        sig.shingles(base) | sig.shingles(edited)
    )
    first, second = sig.minhash(base), sig.minhash(edited)
    assert first is not None
    assert second is not None
    assert abs(sig.similarity(first, second) - exact) < 0.12
    assert sig.similarity(first, sig.minhash(base)) == 1.0
    assert len(set(sig.band_keys(first))) == sig.BANDS
    assert sig.band_keys(first) == sig.band_keys(sig.minhash(base))
    assert set(sig.band_keys(first)) & set(sig.band_keys(second))
    assert not set(sig.band_keys(first)) & set(sig.band_keys(sig.minhash(words(400, start=5))))


# --- thresholds, measured -------------------------------------------------------------------


def test_threshold_separates_wire_copies_from_same_topic_stories() -> None:
    bodies = {f"paper/{slug}": paper_body(slug) for slug in FLOOD_STORIES["paper"]}
    bodies.update({f"observer/{slug}": observer_body(slug) for slug in FLOOD_STORIES["observer"]})
    bodies.update({f"observer/{slug}": observer_body(slug) for slug in SYNDICATED})
    signatures = {name: sig.minhash(body) for name, body in bodies.items()}
    assert all(signatures.values()), "every fixture story is long enough to sign"
    copies = {(f"observer/{copy}", f"paper/{original}") for copy, original in SYNDICATED.items()}
    same, different = [], []
    for first, second in itertools.combinations(sorted(bodies), 2):
        score = sig.similarity(signatures[first], signatures[second])
        pair = (first, second) if (first, second) in copies else (second, first)
        (same if pair in copies else different).append(score)
    print(f"\nsame wire story, edited: {sorted(same)}")
    print(f"different stories, same topic ({len(different)} pairs): max {max(different)}")
    assert len(same) == 3
    assert len(different) == 25
    assert min(same) >= c.THRESHOLD + MARGIN
    assert max(different) <= c.THRESHOLD - MARGIN


def test_real_article_pages_of_many_sites_do_not_cluster() -> None:
    truth_file = PAGES_DIR / "ground-truth.json"
    if not truth_file.exists():
        pytest.skip(f"{PAGES_DIR} is not present")
    truth = json.loads(truth_file.read_text(encoding="utf-8"))
    signatures = {
        key: signature
        for key, page in truth.items()
        if (signature := sig.minhash(page.get("articleBody") or "")) is not None
    }
    assert len(signatures) >= 700
    # Candidates as the archive finds them (a shared LSH band), then verified.
    by_band: dict[int, set[str]] = {}
    for key, signature in signatures.items():
        for band in sig.band_keys(signature):
            by_band.setdefault(band, set()).add(key)
    candidates = {
        pair for keys in by_band.values() for pair in itertools.combinations(sorted(keys), 2)
    }
    clustered = [
        (first, second)
        for first, second in candidates
        if sig.similarity(signatures[first], signatures[second]) >= c.THRESHOLD
    ]

    def article(key: str) -> str:
        return truth[key]["url"].split("?")[0].rstrip("/")

    different = [pair for pair in clustered if article(pair[0]) != article(pair[1])]
    # Every pair's estimate (the share of equal signature values), one row at a time.
    keys = sorted(signatures)
    values = numpy.array([signatures[key].hashvalues for key in keys])
    scores = sorted(
        float(score)
        for row, key in enumerate(keys)
        for other, score in zip(
            keys[row + 1 :], (values[row + 1 :] == values[row]).mean(axis=1), strict=True
        )
        if article(key) != article(other)
    )
    print(
        f"\n{len(scores)} pairs of different pages: max {scores[-1]:.3f}, "
        f"next {scores[-2]:.3f}, 99.99th percentile {scores[int(len(scores) * 0.9999)]:.3f}; "
        f"{len(candidates)} LSH candidate pairs, {len(clustered)} clustered: {clustered}"
    )
    assert different == []
    assert scores[-1] <= c.THRESHOLD - MARGIN


# --- store time -------------------------------------------------------------------------------


def test_later_copy_points_at_the_earlier_one(archive_path: Path) -> None:
    db = open_archive(archive_path)
    story = words(200)
    edited = "A new first paragraph of twelve words written by the second site. " + story[60:]
    store_articles(db, [record("http://a.test/1", story, "2026-11-01T00:00:00+00:00")])
    store_articles(db, [record("http://b.test/1", edited, "2026-11-02T00:00:00+00:00")])
    store_articles(db, [record("http://c.test/other", words(200, start=3))])
    assert duplicate_of(db) == {
        "http://a.test/1": None,
        "http://b.test/1": "http://a.test/1",
        "http://c.test/other": None,
    }


def test_earlier_copy_arriving_later_heads_the_cluster_without_chains(archive_path: Path) -> None:
    db = open_archive(archive_path)
    story = words(200)
    store_articles(db, [record("http://a.test/1", story, "2026-11-05T00:00:00+00:00")])
    store_articles(db, [record("http://b.test/1", story + " more", "2026-11-06T00:00:00+00:00")])
    assert duplicate_of(db)["http://b.test/1"] == "http://a.test/1"
    # An import of a copy fetched before both: it becomes the head, every member points at it.
    store_articles(
        db,
        [record("http://w.test/1", story + " wire", "2026-11-01T00:00:00+00:00")],
    )
    assert duplicate_of(db) == {
        "http://w.test/1": None,
        "http://a.test/1": "http://w.test/1",
        "http://b.test/1": "http://w.test/1",
    }


def test_exact_duplicates_cluster_even_when_too_short_to_sign(archive_path: Path) -> None:
    db = open_archive(archive_path)
    store_articles(db, [record("http://a.test/brief", "Ferry cancelled.", content_hash="h1")])
    store_articles(
        db,
        [
            record(
                "http://b.test/brief",
                "Ferry cancelled.",
                "2026-11-02T00:00:00+00:00",
                content_hash="h1",
            )
        ],
    )
    store_articles(db, [record("http://c.test/brief", "Ferry runs.", content_hash="h2")])
    assert duplicate_of(db)["http://b.test/brief"] == "http://a.test/brief"
    assert duplicate_of(db)["http://c.test/brief"] is None
    assert db.execute("select count(*) from article_signatures").fetchone() == (0,)


def test_a_new_version_is_re_signed_and_its_cluster_re_checked(archive_path: Path) -> None:
    db = open_archive(archive_path)
    story = words(200)
    store_articles(db, [record("http://a.test/1", story, "2026-11-01T00:00:00+00:00")])
    store_articles(db, [record("http://b.test/1", story + " x", "2026-11-02T00:00:00+00:00")])
    store_articles(db, [record("http://c.test/1", story + " y", "2026-11-03T00:00:00+00:00")])
    before = db.execute("select signature from article_signatures where article_id = 1").fetchone()
    # The head is rewritten into another story: it leaves, the others regroup under b.
    (changed,) = store_articles(
        db, [record("http://a.test/1", words(200, start=7), "2026-11-04T00:00:00+00:00")]
    )
    assert changed.outcome == "changed"
    after = db.execute("select signature from article_signatures where article_id = 1").fetchone()
    assert before != after
    assert duplicate_of(db) == {
        "http://a.test/1": None,
        "http://b.test/1": None,
        "http://c.test/1": "http://b.test/1",
    }
    # Rewritten back, it is the earliest copy again.
    store_articles(db, [record("http://a.test/1", story, "2026-11-05T00:00:00+00:00")])
    assert duplicate_of(db)["http://b.test/1"] == "http://a.test/1"
    assert duplicate_of(db)["http://c.test/1"] == "http://a.test/1"


def test_an_article_leaving_regroups_its_copies_and_rewritten_bodies_are_re_signed(
    archive_path: Path,
) -> None:
    db = open_archive(archive_path)
    story = words(200)
    for day, url in enumerate(("http://a.test/1", "http://b.test/1", "http://c.test/1"), 1):
        store_articles(db, [record(url, f"{story} {url}", f"2026-11-0{day}T00:00:00+00:00")])
    assert set(duplicate_of(db).values()) == {None, "http://a.test/1"}
    with write_transaction(db):
        c.leave_cluster(db, 1)  # a takedown of the head, before its rows are deleted
    assert duplicate_of(db) == {
        "http://a.test/1": None,
        "http://b.test/1": None,
        "http://c.test/1": "http://b.test/1",
    }
    assert db.execute("select count(*) from article_bands where article_id = 1").fetchone() == (0,)
    # A body rewritten in place (template cleaning) is signed again by sign_all.
    db.execute("update articles set body = ?, content_hash = 'other' where id = 3", [words(200, 8)])
    with write_transaction(db):
        assert c.sign_all(db) == 2  # c, and a, which has no signature any more
    assert duplicate_of(db)["http://c.test/1"] is None
    assert duplicate_of(db)["http://a.test/1"] is None  # a, still stored, heads b again
    assert duplicate_of(db)["http://b.test/1"] == "http://a.test/1"


def test_clusters_survive_a_restart_and_candidates_come_from_the_band_index(
    archive_path: Path,
) -> None:
    story = words(300)
    db = open_archive(archive_path)
    store_articles(db, [record("http://a.test/1", story)])
    for start in range(10, 30):
        store_articles(db, [record(f"http://x.test/{start}", words(300, start=start))])
    db.close()
    db = open_archive(archive_path)  # nothing held in memory: the tables are the index
    store_articles(db, [record("http://b.test/1", story + " b", "2026-11-02T00:00:00+00:00")])
    assert duplicate_of(db)["http://b.test/1"] == "http://a.test/1"
    assert db.execute("select count(*) from article_bands").fetchone() == (22 * sig.BANDS,)
    plan = " ".join(
        row[-1]
        for row in db.execute(
            "explain query plan select article_id from article_bands where band_key in (?, ?)",
            [1, 2],
        ).fetchall()
    )
    assert "idx_article_bands_key" in plan


def test_migration_signs_and_clusters_articles_already_stored(archive_path: Path) -> None:
    conn = sqlite3.connect(archive_path, isolation_level=None)
    old = sqlite_utils.Database(conn)
    for migration in MIGRATIONS[:6]:
        migration(old)
    conn.execute("pragma user_version = 6")
    story = words(150)
    for row_id, (url, body, seen) in enumerate(
        [
            ("http://b.test/1", story + " b", "2026-11-02T00:00:00+00:00"),
            ("http://a.test/1", story, "2026-11-01T00:00:00+00:00"),
            ("http://c.test/1", words(150, start=4), "2026-11-01T00:00:00+00:00"),
        ],
        start=1,
    ):
        old.table("articles").insert(
            {
                "id": row_id,
                "url": url,
                "site": "news",
                "body": body,
                "content_hash": url,
                "first_seen": seen,
                "last_seen": seen,
            }
        )
    conn.close()
    db = open_archive(archive_path)
    assert db.execute("pragma user_version").fetchone() == (SCHEMA_VERSION,)
    assert db.execute("select count(*) from article_signatures").fetchone() == (3,)
    assert duplicate_of(db) == {
        "http://a.test/1": None,
        "http://b.test/1": "http://a.test/1",
        "http://c.test/1": None,
    }


# --- crawls -----------------------------------------------------------------------------------


def cluster_rows(db: Path) -> list[dict]:
    """The ``clusters`` canned query's rows, as Datasette serves them."""

    async def fetch() -> httpx.Response:
        datasette = build_datasette(db)
        await datasette.invoke_startup()
        return await datasette.client.get(f"/{db.stem}/clusters.json?_shape=objects")

    response = asyncio.run(fetch())
    assert response.status_code == 200, response.text
    return response.json()["rows"]


LOOPBACK_DEFAULTS = """
[defaults]
user_agent = "newsarchive-tests/1.0 (+http://127.0.0.1/)"
download_delay = 0
concurrency = 4
"""


def crawl(tmp_path: Path, sites: str, db: Path, *slugs: str, now: str | None = None) -> None:
    """``newsarchive crawl`` of ``sites`` (a sites.toml text) into ``db``, which must succeed.

    ``now`` sets the clock, so ``first_seen`` says which copy came first.
    """
    sites_file = tmp_path / "sites.toml"
    sites_file.write_text(sites, encoding="utf-8")
    result = run_cli(
        "crawl", *slugs, "--sites", str(sites_file), "--db", str(db),
        "-s", "CLOSESPIDER_TIMEOUT=60",
        env={"NEWSARCHIVE_NOW": now} if now else None,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


def test_wire_story_on_two_sites_is_clustered_and_same_topic_stories_are_not(
    tmp_path: Path, archive_path: Path
) -> None:
    observer = SiteServer(SITE_DIR / "observer", host="127.0.0.1").start()
    paper = SiteServer(SITE_DIR / "paper", host="127.0.0.2").start()
    sites = f"""{LOOPBACK_DEFAULTS}
[sites.paper]
start_urls = ["{paper.url("/")}"]

[sites.observer]
feeds = ["{observer.url("/feed.xml")}"]
"""
    try:
        crawl(tmp_path, sites, archive_path, "paper", now="2026-11-10T00:00:00+00:00")
        crawl(tmp_path, sites, archive_path, "observer", now="2026-11-11T00:00:00+00:00")
    finally:
        observer.stop()
        paper.stop()
    db = open_archive(archive_path)
    links = duplicate_of(db)
    for copy, original in SYNDICATED.items():
        assert links[observer.url(f"/stories/{copy}/")] == paper.url(f"/{PAPER}{original}.html")
        assert links[paper.url(f"/{PAPER}{original}.html")] is None
    for slug in FLOOD_STORIES["observer"]:
        assert links[observer.url(f"/stories/{slug}/")] is None
    assert sum(1 for head in links.values() if head is not None) == 3

    rows = cluster_rows(archive_path)
    assert len(rows) == 3
    assert {row["title"] for row in rows} == {
        title
        for (title,) in db.execute(
            "select title from articles where site = 'paper' and id in "
            "(select duplicate_of from articles)"
        ).fetchall()
    }
    assert all(row["copies"] == 2 and row["site"] == "paper" for row in rows)
    assert all(set(row["sites"].split(",")) == {"paper", "observer"} for row in rows)
    assert all(row["first_seen"] < row["last_seen"] for row in rows)


def test_demo_site_on_two_ports_gives_22_clusters_of_two(
    tmp_path: Path, archive_path: Path
) -> None:
    first = SiteServer(DEMO_DIR / "site", host="127.0.0.1").start()
    second = SiteServer(DEMO_DIR / "site", host="127.0.0.1").start()
    try:
        template = (DEMO_DIR / "sites.toml").read_text(encoding="utf-8")
        template = template.replace("download_delay = 0.1", "download_delay = 0")
        mirror = template.split("[sites.harbor-gazette]")[1]
        sites = (
            template.replace("{{BASE}}", first.base_url)
            + "\n[sites.harbor-mirror]"
            + mirror.replace("{{BASE}}", second.base_url)
        )
        crawl(tmp_path, sites, archive_path, now="2026-11-20T00:00:00+00:00")
    finally:
        first.stop()
        second.stop()
    db = open_archive(archive_path)
    assert db.execute("select count(*) from articles").fetchone() == (44,)
    rows = cluster_rows(archive_path)
    assert len(rows) == 22
    assert {row["copies"] for row in rows} == {2}
    assert all(set(row["sites"].split(",")) == {"harbor-gazette", "harbor-mirror"} for row in rows)
    heads = db.execute(
        "select a.id, a.body, h.body from articles a join articles h on h.id = a.duplicate_of"
    ).fetchall()
    assert len(heads) == 22
    scores = [sig.similarity(sig.minhash(a), sig.minhash(b)) for _, a, b in heads]
    bodies = [
        body
        for (body,) in db.execute(
            "select body from articles where site = 'harbor-gazette'"
        ).fetchall()
    ]
    others = [
        sig.similarity(sa, sb)
        for sa, sb in itertools.combinations([sig.minhash(b) for b in bodies], 2)
        if sa is not None and sb is not None
    ]
    print(f"\ndemo copies: min {min(scores)}; different demo stories: max {max(others):.3f}")
    assert max(others) <= c.THRESHOLD - MARGIN
