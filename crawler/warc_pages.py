"""The pages of a WARC made elsewhere (wget --warc-file, Webrecorder, Heritrix), for import.

warcio reads the file (``.warc`` or ``.warc.gz``, told apart by its bytes, not its name).
Each ``response`` record of an HTTP 200 with an HTML body becomes a ``StoredResponse``: the
record's target URI, its HTTP headers and payload (transfer and content encodings undone, as
Scrapy hands a crawl's pages on), and its ``WARC-Date`` as the fetch time. Everything else is
counted by kind and passed over: ``request``, ``revisit`` (it holds no page, only a pointer to
an earlier one), ``warcinfo`` and ``metadata`` records, other statuses, other media types.

Which site a page belongs to: the site of the sites file whose domains hold its host, else a
site named by the host (``www.`` dropped), as ``newsarchive archive`` names the sites of URLs
it is given. A WARC is often the capture of a site nobody set up to crawl; skipping its pages
until a sites file names it would make the import useless on its own, and the host name is
what the user will recognise. Pages of third-party hosts that a capture also holds (embeds,
ads) rarely pass the article test, and are counted as skipped when they do not.

Damage: warcio stops silently at a ``.warc.gz`` cut inside a gzip member and at a ``.warc``
cut inside a record's header, and returns a short payload for a record cut short; so a
record's payload is checked against its length, the bytes after the last record of a
``.warc`` must be blank, and a gzip file is read through once more by ``zlib`` (as a stream,
member by member) when the records end, to tell a clean end from a cut one. What was read
before the damage is imported; the damage is reported with the byte offset of the bad record.
"""

from __future__ import annotations

import zlib
from collections import Counter
from typing import TYPE_CHECKING, Any, BinaryIO

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from crawler import settings as defaults
from crawler.clock import archive_time, parse_instant
from crawler.middlewares.stored_responses import StoredResponse
from crawler.sites import Site, site_for_url
from spiders.urls import host_slug

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

GZIP_MAGIC = b"\x1f\x8b"
CHUNK = 1 << 20
# What a damaged file makes warcio (or zlib under it) raise part-way through. warcio 1.8
# raises AttributeError on a record header cut before its WARC-Target-URI line.
READ_ERRORS = (ArchiveLoadFailed, EOFError, zlib.error, OSError, ValueError, AttributeError)


class NotAWarc(Exception):
    """The file is not a WARC at all; the message says why, in one line."""


def check_warc(path: Path) -> None:
    """Raise ``NotAWarc`` unless the file starts with a WARC (or ARC) record.

    Called before anything is written, so a wrong file leaves the archive as it was.
    """
    try:
        with path.open("rb") as file:
            first = next(iter(ArchiveIterator(file)), None)
    except OSError as error:
        raise NotAWarc(f"{path}: cannot read it: {error.strerror or error}") from None
    except READ_ERRORS as error:
        raise NotAWarc(f"{path}: not a WARC file ({_first_line(error)})") from None
    if first is None:
        raise NotAWarc(f"{path}: not a WARC file (no WARC record in it)")


class WarcPages:
    """Iterate over the importable pages of a WARC, counting what is passed over and why.

    ``skipped`` counts records by reason (``request``, ``revisit``, ``warcinfo``,
    ``status 404``, ``not html``, ...); ``records`` counts every record read, ``pages`` those
    handed on; ``damage`` says in one line where the file is damaged, or is ``None``.
    """

    def __init__(
        self, path: Path, sites: dict[str, Site], max_size: int = defaults.DOWNLOAD_MAXSIZE
    ) -> None:
        self.path = path
        self.sites = sites
        self.max_size = max_size
        self.records = 0
        self.pages = 0  # HTML pages answered 200, handed on
        self.skipped: Counter[str] = Counter()
        self.hosts: Counter[str] = Counter()  # pages of hosts no configured site holds
        self.damage: str | None = None

    def __iter__(self) -> Iterator[StoredResponse]:
        with self.path.open("rb") as file:
            records = ArchiveIterator(file)
            offset = 0
            try:
                for record in records:
                    offset = records.offset  # where this record starts (read nothing yet)
                    if not record.rec_type:  # what warcio makes of a header cut after line 1
                        self.damage = f"the record at byte {offset} has no WARC-Type"
                        return
                    self.records += 1
                    page = self._page(record)
                    while record.raw_stream.read(CHUNK):  # the rest, as warcio would
                        pass
                    # Fewer bytes than its Content-Length says (a record without one has
                    # no LimitReader: the checks after the last record judge it).
                    if getattr(record.raw_stream, "limit", 0):
                        self.damage = f"record at byte {offset} is cut short"
                        return
                    if page is not None:
                        self.pages += 1
                        yield page
            except READ_ERRORS as error:
                self.damage = f"unreadable after byte {offset}: {_first_line(error)}"
                return
            # warcio ends quietly at a record whose header is cut: bytes left are one.
            file.seek(records.offset)
            if not _starts_with_gzip(self.path) and file.read(CHUNK).strip():
                self.damage = f"the record at byte {records.offset} is cut short"
        if self.damage is None and _starts_with_gzip(self.path):
            self.damage = _gzip_damage(self.path)

    def _page(self, record: Any) -> StoredResponse | None:
        kind = record.rec_type
        if kind != "response":
            self.skipped[kind] += 1
            return None
        if record.http_headers is None:  # a dns: or other non-HTTP response
            self.skipped["not http"] += 1
            return None
        status = int(record.http_headers.get_statuscode() or 0)
        if status != 200:
            self.skipped[f"status {status}"] += 1
            return None
        content_type = record.http_headers.get_header("Content-Type") or ""
        if "html" not in content_type.lower():
            self.skipped["not html"] += 1
            return None
        body = record.content_stream().read(self.max_size + 1)
        if len(body) > self.max_size:
            self.skipped["too large"] += 1
            return None
        url = record.rec_headers.get_header("WARC-Target-URI") or ""
        site = site_for_url(self.sites, url)
        slug = site.slug if site else host_slug(url)
        if site is None:
            self.hosts[slug] += 1
        return StoredResponse(
            url=url,
            status=status,
            headers={name.lower(): value for name, value in record.http_headers.headers},
            body=body,
            fetched_at=warc_date(record.rec_headers.get_header("WARC-Date") or ""),
            site=slug,
        )


def warc_date(text: str) -> str:
    """A ``WARC-Date`` (``2026-11-29T16:59:14Z``, maybe with fractions) as the archive's time."""
    try:
        return archive_time(parse_instant(text))
    except ValueError:
        raise ArchiveLoadFailed(f"bad WARC-Date {text!r}") from None


def _starts_with_gzip(path: Path) -> bool:
    with path.open("rb") as file:
        return file.read(2) == GZIP_MAGIC


def _gzip_damage(path: Path) -> str | None:
    """Where a gzip file (of one or many members) is cut or corrupt, or ``None`` if whole."""
    with path.open("rb") as file:
        return _stream_damage(file)


def _stream_damage(file: BinaryIO) -> str | None:
    """Decompress ``file`` member by member, keeping nothing, until it ends or fails."""
    member: Any = None  # the member being read: begun, not yet ended
    offset = 0  # compressed bytes read so far
    while chunk := file.read(CHUNK):
        offset += len(chunk)
        data = chunk
        while data:
            if member is None:
                member = zlib.decompressobj(16 + zlib.MAX_WBITS)
            try:
                member.decompress(data, CHUNK)  # bounded output, thrown away
            except zlib.error as error:
                return f"corrupt gzip data before byte {offset}: {error}"
            if member.eof:
                data, member = member.unused_data.lstrip(b"\x00"), None
            else:
                data = member.unconsumed_tail
    if member is not None:
        return f"cut short at byte {offset}, inside a gzip member"
    return None


def _first_line(error: BaseException) -> str:
    return (str(error).splitlines() or [type(error).__name__])[0]
