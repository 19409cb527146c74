"""Signing article bodies for the near-duplicate index (``crawler.archive.clusters``).

Each body is cut into word shingles (``SHINGLE_WORDS`` words; case, accents and punctuation
ignored) and summarised by a MinHash signature (datasketch, ``NUM_PERM`` permutations): the
share of equal values of two signatures estimates the Jaccard similarity of the two bodies'
shingle sets. The signature is cut into bands of ``BAND_ROWS`` values, one key each: equal
keys make two articles candidates. Bodies shorter than ``MIN_WORDS`` words carry too few
shingles for a fair estimate and are not signed.

Pure work on text, apart from the archive: the write signs a body, or an extraction worker
does beforehand (``sign``, ``Signed``) and the write stores the result.
"""

from __future__ import annotations

import functools
import hashlib
import operator
import re
import struct
import sys
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datasketch import MinHash

SHINGLE_WORDS = 5
NUM_PERM = 128
BAND_ROWS = 3
BANDS = NUM_PERM // BAND_ROWS  # 42 bands; the last two values count only in the verification
MIN_WORDS = 50
SEED = 1
# What a stored signature was made with: a signature made another way is never compared with
# it (datasketch 2.0 changed its default hashing; pinning the scheme keeps old rows valid).
SCHEME = "affine32"
METHOD = f"minhash:{SCHEME}:seed{SEED}:perm{NUM_PERM}:words{SHINGLE_WORDS}"

_WORD = re.compile(r"\w+")
_DIGEST = operator.methodcaller("digest")


def shingles(body: str) -> set[str]:
    """The body's word ``SHINGLE_WORDS``-grams, case folded, punctuation and accents ignored."""
    text = body if body.isascii() else unicodedata.normalize("NFKD", body).translate(_marks())
    words = _WORD.findall(text.casefold())
    if len(words) < MIN_WORDS:
        return set()
    return set(map(" ".join, zip(*(words[i:] for i in range(SHINGLE_WORDS)), strict=False)))


@functools.cache
def _marks() -> dict[int, None]:
    """Every combining mark, to delete with ``str.translate``: one C call per body rather than
    a Python test per character (the accents NFKD splits off; ASCII text has none)."""
    return {code: None for code in range(sys.maxunicode + 1) if unicodedata.combining(chr(code))}


def minhash(body: str) -> MinHash | None:
    """The body's MinHash signature; None for a body shorter than ``MIN_WORDS`` words.

    Each shingle's value is datasketch's own ``sha1_hash32`` (the first four bytes of its
    SHA-1 digest, little-endian), but computed for all shingles at once: the digests are made
    by ``map`` (no Python line runs per shingle) and read as one array, then handed to a
    MinHash whose hash function is ``int``. The same signature as ``update_batch`` on the
    encoded shingles, in a third of the time (a 10 KB article has 1,700 shingles).
    """
    import numpy as np  # as datasketch: only when a body is signed

    grams = shingles(body)
    if not grams:
        return None
    digests = b"".join(map(_DIGEST, map(hashlib.sha1, map(str.encode, grams))))
    values = np.frombuffer(digests, dtype="<u4").reshape(-1, 5)[:, 0]  # 20-byte digests
    signature = _empty_minhash().copy()
    signature.update_batch(values.tolist())
    return signature


@functools.cache
def _empty_minhash() -> MinHash:
    """The empty signature each body starts from: copies share its permutations, which
    datasketch would otherwise draw again for every body."""
    from datasketch import MinHash  # imports scipy: only when a body is signed

    # Values come hashed (see ``minhash``): ``int`` passes them through, at C speed.
    return MinHash(num_perm=NUM_PERM, seed=SEED, scheme=SCHEME, hashfunc=int)


def similarity(first: MinHash, second: MinHash) -> float:
    """Estimated Jaccard similarity of two bodies' shingle sets."""
    return float(first.jaccard(second))


def band_keys(signature: MinHash) -> list[int]:
    """One signed 64-bit key per LSH band: equal keys make two articles candidates."""
    values = signature.hashvalues
    keys = []
    for band in range(BANDS):
        chunk = values[band * BAND_ROWS : (band + 1) * BAND_ROWS]
        digest = hashlib.blake2b(
            band.to_bytes(2, "little") + bytes(chunk.astype("<u8").tobytes()), digest_size=8
        ).digest()
        keys.append(struct.unpack("<q", digest)[0])
    return keys


def _to_blob(signature: MinHash) -> bytes:
    return bytes(signature.hashvalues.astype("<u8").tobytes())


@dataclass(frozen=True)
class Signed:
    """A body's signature as stored: its values (``NUM_PERM`` uint64, little-endian; None for
    a body too short to sign), its band keys, and the ``content_hash`` it was made for.

    Plain data, so that it can be made away from the write (in an extraction worker) and
    handed to ``update_clusters``, which uses it only for that same content.
    """

    content_hash: str
    values: bytes | None
    keys: tuple[int, ...] = ()


def sign(body: str, content_hash: str) -> Signed:
    """Sign ``body`` (whose article's content hash is ``content_hash``)."""
    signature = minhash(body)
    if signature is None:
        return Signed(content_hash, None)
    return Signed(content_hash, _to_blob(signature), tuple(band_keys(signature)))
