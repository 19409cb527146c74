"""Syndication clusters: one story archived under several addresses, linked by ``duplicate_of``.

A wire story runs on many sites, each with its own template, a tweaked headline or a new first
paragraph, so neither the URL nor the content hash finds the copies. Each article's body is
signed (``crawler.archive.signatures``: a MinHash of its word shingles), and the share of
equal values of two signatures estimates the Jaccard similarity of the two bodies.

Why the index is ours and not datasketch's ``MinHashLSH``: that index lives in memory (or in
Redis / Cassandra), so it would have to be rebuilt from every signature at each start, and it
could disagree with the archive after a crash. Here the LSH bands live in SQLite, written in
the same transaction as the article: ``article_bands`` holds one key per band of
``BAND_ROWS`` signature values (an index on ``band_key``), so the candidates for a new article
are one indexed SQL lookup, and every candidate is verified by its estimated Jaccard against
``THRESHOLD`` before it counts. With 42 bands of 3 values, a pair at Jaccard 0.4 (the
threshold) is a candidate with probability 0.94, at 0.5 with 0.996 (1 - (1 - J^3)^42), and
a pair of unrelated articles (J about 0.02) with 0.0003: few signatures are read per store.

Clustering is incremental: storing one article (new, or a new version) re-signs it and
re-groups only the clusters it touches (its old cluster and those of its matches), by linking
every pair of that group that matches (single linkage). ``duplicate_of`` of every member points
straight at the cluster's earliest copy (by ``first_seen``, then ``id``): no chains, and an
earlier copy that arrives later (an import) becomes the new head of its cluster. Bodies too
short to sign (and every article) still join a cluster when their content hash is exactly
another's.

``THRESHOLD`` comes from a measurement (tests/test_clusters.py; README "Syndication and
duplicates"): fixture pairs of one wire story edited on two sites (new headline, new first
paragraph, trimmed, copy-edited) score 0.58 to 0.68, pairs of different stories on the same
topic 0.00, and of the 250,985 pairs of different pages among 709 real article pages of many
sites, the highest scores 0.22 (two terms-and-conditions pages of one shop), all others at
most 0.03. 0.4 sits four standard errors of the 128-value estimate (0.043) from both.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Any

from crawler.archive.signatures import METHOD, Signed, sign

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Sequence

    import sqlite_utils

THRESHOLD = 0.4

# The schema's text as archives hold it (its comment names METHOD's old home: now signatures).
SIGNATURES_SQL = """
CREATE TABLE article_signatures (
    article_id INTEGER PRIMARY KEY REFERENCES articles(id),
    content_hash TEXT NOT NULL,    -- the content the signature was made from
    method TEXT NOT NULL,          -- how (clusters.METHOD)
    signature BLOB NOT NULL        -- NUM_PERM MinHash values, uint64 little-endian
)
"""
BANDS_SQL = """
CREATE TABLE article_bands (
    band_key INTEGER NOT NULL,     -- 64-bit hash of (band number, the band's values)
    article_id INTEGER NOT NULL REFERENCES articles(id)
)
"""
CLUSTER_INDEXES_SQL = (
    "CREATE INDEX idx_article_bands_key ON article_bands (band_key)",
    "CREATE INDEX idx_article_bands_article ON article_bands (article_id)",
    "CREATE INDEX idx_articles_duplicate_of ON articles (duplicate_of)",
)


def update_clusters(
    db: sqlite_utils.Database, article_id: int, signed: Signed | None = None
) -> None:
    """Re-sign one stored article and re-group the clusters it touches.

    ``signed``: its signature made beforehand, used if made for the content now stored.
    Call inside the write transaction that stored the article (``store_articles`` does).
    """
    row = db.execute(
        "SELECT body, content_hash FROM articles WHERE id = ?", [article_id]
    ).fetchone()
    if row is None:
        return
    body, content_hash = row
    if signed is None or signed.content_hash != content_hash:
        signed = sign(body or "", content_hash)
    _store_signature(db, article_id, content_hash, signed.values, signed.keys)
    group = set(_cluster_of(db, article_id))
    for match in _matches(db, article_id, content_hash, signed.values, signed.keys):
        group.update(_cluster_of(db, match))
    _regroup(db, group)


def leave_cluster(db: sqlite_utils.Database, article_id: int) -> None:
    """Take an article out of the clusters before it is deleted (a takedown).

    Its signature and bands go, nothing points at it any more, and the copies it linked
    regroup without it (under their own earliest copy). Call inside the deleting transaction.
    """
    others = [member for member in _cluster_of(db, article_id) if member != article_id]
    _store_signature(db, article_id, "", None, [])
    db.execute("UPDATE articles SET duplicate_of = NULL WHERE id = ?", [article_id])
    db.execute("UPDATE articles SET duplicate_of = NULL WHERE duplicate_of = ?", [article_id])
    if others:
        _regroup(db, others)


def sign_all(db: sqlite_utils.Database) -> int:
    """Sign and cluster every article not signed for its current content, oldest first.

    An archive from before clusters, or bodies rewritten in place (template cleaning): what
    a signature was made from is in ``article_signatures.content_hash``.
    """
    ids = [
        article_id
        for (article_id,) in db.execute(
            "SELECT articles.id FROM articles LEFT JOIN article_signatures "
            "ON article_signatures.article_id = articles.id "
            "WHERE article_signatures.content_hash IS NOT articles.content_hash "
            "ORDER BY articles.first_seen, articles.id"
        ).fetchall()
    ]
    for article_id in ids:
        update_clusters(db, article_id)
    return len(ids)


def _store_signature(
    db: sqlite_utils.Database,
    article_id: int,
    content_hash: str,
    signature: bytes | None,
    keys: Sequence[int],
) -> None:
    db.execute("DELETE FROM article_bands WHERE article_id = ?", [article_id])
    if signature is None:
        db.execute("DELETE FROM article_signatures WHERE article_id = ?", [article_id])
        return
    db.execute(
        """
        INSERT INTO article_signatures (article_id, content_hash, method, signature)
        VALUES (?, ?, ?, ?)
        ON CONFLICT (article_id) DO UPDATE SET content_hash = excluded.content_hash,
            method = excluded.method, signature = excluded.signature
        """,
        [article_id, content_hash, METHOD, signature],
    )
    db.conn.executemany(
        "INSERT INTO article_bands (band_key, article_id) VALUES (?, ?)",
        [(key, article_id) for key in keys],
    )


def _matches(
    db: sqlite_utils.Database,
    article_id: int,
    content_hash: str,
    signature: bytes | None,
    keys: Sequence[int],
) -> set[int]:
    """Other articles with the same content hash, or LSH candidates similar enough."""
    found = {
        other
        for (other,) in db.execute(
            "SELECT id FROM articles WHERE content_hash = ? AND id != ?",
            [content_hash, article_id],
        ).fetchall()
    }
    if signature is None:
        return found
    placeholders = ", ".join("?" for _ in keys)
    candidates = db.execute(
        f"""
        SELECT article_signatures.article_id, article_signatures.signature
        FROM article_signatures
        WHERE article_signatures.method = ? AND article_signatures.article_id != ?
          AND article_signatures.article_id IN (
            SELECT article_id FROM article_bands WHERE band_key IN ({placeholders})
          )
        """,  # noqa: S608 (placeholders only)
        [METHOD, article_id, *keys],
    ).fetchall()
    if candidates:
        import numpy as np

        values = np.stack([np.frombuffer(blob, dtype="<u8") for _, blob in candidates])
        scores = (values == np.frombuffer(signature, dtype="<u8")).mean(axis=1)
        found.update(
            other
            for (other, _), score in zip(candidates, scores, strict=True)
            if score >= THRESHOLD
        )
    return found


def _cluster_of(db: sqlite_utils.Database, article_id: int) -> list[int]:
    """Every member of the article's cluster (the article alone if it has none)."""
    row = db.execute("SELECT duplicate_of FROM articles WHERE id = ?", [article_id]).fetchone()
    head = row[0] if row and row[0] is not None else article_id
    members = [
        member
        for (member,) in db.execute(
            "SELECT id FROM articles WHERE duplicate_of = ?", [head]
        ).fetchall()
    ]
    return [head, *members]


def _regroup(db: sqlite_utils.Database, group: Iterable[int]) -> None:
    """Link the group's matching pairs; point each cluster at its earliest copy."""
    ids = sorted(group)
    rows = {
        article_id: (first_seen, content_hash, duplicate_of)
        for article_id, first_seen, content_hash, duplicate_of in db.execute(
            f"SELECT id, first_seen, content_hash, duplicate_of FROM articles "  # noqa: S608
            f"WHERE id IN ({', '.join('?' for _ in ids)})",
            ids,
        ).fetchall()
    }
    ids = [article_id for article_id in ids if article_id in rows]
    parent = {article_id: article_id for article_id in ids}

    def root(node: int) -> int:
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for first, second in _linked_pairs(db, ids, {i: rows[i][1] for i in ids}):
        parent[root(first)] = root(second)
    clusters: dict[int, list[int]] = {}
    for article_id in ids:
        clusters.setdefault(root(article_id), []).append(article_id)
    for members in clusters.values():
        head = min(members, key=lambda member: (rows[member][0], member))
        for member in members:
            wanted = None if member == head else head
            if rows[member][2] != wanted:
                db.execute("UPDATE articles SET duplicate_of = ? WHERE id = ?", [wanted, member])


def _linked_pairs(
    db: sqlite_utils.Database, ids: Sequence[int], hashes: dict[int, str]
) -> Iterator[tuple[int, int]]:
    """Every pair of the group with one content hash or signatures similar enough.

    All pairs of signatures are compared at once as one array (the share of equal values,
    which is what ``MinHash.jaccard`` computes for one pair): a story on a hundred sites is
    regrouped in milliseconds rather than by 5,000 separate comparisons.
    """
    import numpy as np

    by_hash: dict[str, list[int]] = {}
    for article_id in ids:
        by_hash.setdefault(hashes[article_id], []).append(article_id)
    for same in by_hash.values():
        yield from itertools.pairwise(same)
    rows: list[Any] = db.execute(
        f"SELECT article_id, signature FROM article_signatures "  # noqa: S608
        f"WHERE method = ? AND article_id IN ({', '.join('?' for _ in ids)})",
        [METHOD, *ids],
    ).fetchall()
    if len(rows) < 2:
        return
    signed = [article_id for article_id, _ in rows]
    values = np.stack([np.frombuffer(blob, dtype="<u8") for _, blob in rows])
    for position in range(len(signed) - 1):
        scores = (values[position + 1 :] == values[position]).mean(axis=1)
        for offset in np.nonzero(scores >= THRESHOLD)[0]:
            yield signed[position], signed[position + 1 + int(offset)]


def add_cluster_tables(db: sqlite_utils.Database) -> None:
    """Schema 7: the signature and band tables, then a signature for every stored article."""
    db.execute(SIGNATURES_SQL)
    db.execute(BANDS_SQL)
    for statement in CLUSTER_INDEXES_SQL:
        db.execute(statement)
    sign_all(db)


# One row per cluster, largest first: the earliest copy (the head every member points at),
# how many copies, on which sites, and when the story was first and last seen anywhere.
CLUSTERS_SQL = """
with members as (
  select coalesce(duplicate_of, id) as head_id, site, first_seen, last_seen
  from articles
  where duplicate_of is not null
     or id in (select duplicate_of from articles where duplicate_of is not null)
)
select
  head.id,
  head.title,
  head.site,
  head.site_name,
  count(*) as copies,
  group_concat(distinct members.site) as sites,
  min(members.first_seen) as first_seen,
  max(members.last_seen) as last_seen
from members
join articles as head on head.id = members.head_id
group by members.head_id
order by copies desc, first_seen, head.id
""".strip()
