"""Stored pages as a WARC 1.1 file (gzip per record), written with warcio.

Each row of ``pages`` becomes one ``response`` record: the HTTP status line and the headers the
crawl kept, rebuilt around the stored body. The archive keeps the body decoded (Scrapy undoes
``Content-Encoding`` and chunking), so the headers that described the bytes on the wire
(``Content-Encoding``, ``Transfer-Encoding``, ``Content-Length``) are dropped and
``Content-Length`` is set to the stored body's length: a WARC reader that trusted the old ones
would try to gunzip plain HTML. ``WARC-Date`` is the fetch time, not the export's, and
``WARC-Payload-Digest`` is the body's SHA-256, checked against the archive's ``html_sha256``
first, so a damaged page is reported instead of being exported as if it were sound.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timezone
from http import HTTPStatus
from io import BytesIO
from typing import IO, TYPE_CHECKING, Any

from warcio.statusandheaders import StatusAndHeaders
from warcio.timeutils import datetime_to_iso_date
from warcio.warcwriter import WARCWriter

if TYPE_CHECKING:
    from collections.abc import Iterable

    from crawler.archive.export import StoredPage

# Headers about the transfer, not the stored body: they no longer describe the payload.
TRANSFER_HEADERS = frozenset({"content-encoding", "transfer-encoding", "content-length"})


class DamagedPage(ValueError):
    """A stored body whose SHA-256 is not the one the archive recorded for it."""


@dataclass(frozen=True)
class WarcSummary:
    """What an export wrote: response records (the ``warcinfo`` record not counted)."""

    records: int
    bytes_of_payload: int


def write_warc(
    pages: Iterable[StoredPage], out: IO[bytes], *, filename: str, software: str
) -> WarcSummary:
    """A ``warcinfo`` record, then one ``response`` record per page."""
    writer = WARCWriter(out, gzip=True, warc_version="1.1")
    writer.write_record(
        writer.create_warcinfo_record(
            filename,
            {"software": software, "format": "WARC File Format 1.1", "description": "newsarchive"},
        )
    )
    records = payload = 0
    for page in pages:
        writer.write_record(response_record(writer, page))
        records += 1
        payload += len(page.body)
    return WarcSummary(records=records, bytes_of_payload=payload)


def response_record(writer: WARCWriter, page: StoredPage) -> Any:
    """The page as a WARC ``response`` record (warcio's ``ArcWarcRecord``)."""
    digest = hashlib.sha256(page.body)
    if digest.hexdigest() != page.html_sha256:
        raise DamagedPage(
            f"page {page.id} ({page.url}): the stored body's SHA-256 is not the recorded one"
        )
    return writer.create_warc_record(
        page.url,
        "response",
        payload=BytesIO(page.body),
        length=len(page.body),
        http_headers=http_headers(page.status, page.headers, len(page.body)),
        warc_headers_dict={
            "WARC-Date": warc_date(page.fetched_at),
            "WARC-Payload-Digest": "sha256:" + base64.b32encode(digest.digest()).decode("ascii"),
        },
    )


def http_headers(status: int, headers_json: str | None, length: int) -> StatusAndHeaders:
    """The status line and kept headers, the transfer headers replaced by the true length."""
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Unknown"
    stored = json.loads(headers_json) if headers_json else {}
    pairs = [
        (_header_name(name), value)
        for name, values in stored.items()
        if name.lower() not in TRANSFER_HEADERS
        for value in (values if isinstance(values, list) else [values])
    ]
    pairs.append(("Content-Length", str(length)))
    return StatusAndHeaders(f"{status} {phrase}", pairs, protocol="HTTP/1.1")


def warc_date(fetched_at: str) -> str:
    """An archive time (ISO 8601) as WARC 1.1 writes it: UTC, ``Z``, micros when it has them."""
    moment = datetime.fromisoformat(fetched_at.replace("Z", "+00:00"))
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return str(datetime_to_iso_date(moment, use_micros=bool(moment.microsecond)))


def _header_name(name: str) -> str:
    """``content-type`` as it is usually written: ``Content-Type``."""
    return "-".join(part.capitalize() for part in name.split("-"))
