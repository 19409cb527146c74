"""Reading one input of ``newsarchive extract`` (a file, stdin or a URL) into an HTML text.

Whatever the input, the bytes go through the same three steps, so a saved page and the same
page fetched give the same text:

1. Gzip is undone when the bytes start with gzip's magic number (whatever the file is called;
   a ``.gz`` name without it is an error), never past the size limit: a small ``.html.gz`` may
   expand a thousandfold.
2. "Not HTML" is refused before decoding, so a PNG is called a PNG and not "undecodable": a
   URL whose Content-Type names something other than HTML (PDF, image, JSON, XML feed), bytes
   starting with a known binary signature, or NUL bytes in the first kilobyte. After decoding,
   a text that opens like JSON, an XML document that is not XHTML (feeds, sitemaps), and a text
   without a single HTML tag (``<html``, ``<body``, ``<p`` ...) are refused too. A
   ``text/plain`` or ``application/octet-stream`` answer, or one without a Content-Type, is
   judged by its bytes alone, as servers mislabel saved pages.
3. Decoding follows w3lib's precedence, which is also the crawler's (Scrapy's responses use
   it) and a browser's: a byte order mark, then the Content-Type charset (URLs), then the
   page's ``<meta charset>`` or http-equiv; bytes invalid in the declared encoding become
   U+FFFD, as in a crawl. A page that declares nothing must be valid UTF-8:
   guessing a legacy encoding would put silently wrong text in front of the user, so it is an
   error naming the first bad byte instead.

Every problem is an ``InputError`` whose message completes "newsarchive extract: <input>: ".
"""

from __future__ import annotations

import re
import sys
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from w3lib.encoding import (
    html_body_declared_encoding,
    html_to_unicode,
    http_content_type_encoding,
    read_bom,
)

from crawler import settings
from crawler.page_fetch import Fetcher, FetchError

GZIP_MAGIC = b"\x1f\x8b"
# Leading bytes of formats that turn up where a page was expected.
BINARY_SIGNATURES = (
    (b"%PDF-", "a PDF document"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"PK\x03\x04", "a ZIP archive (or an office document)"),
    (b"\x28\xb5\x2f\xfd", "zstd-compressed data"),
    (b"BZh", "bzip2-compressed data"),
    (b"\xfd7zXZ\x00", "xz-compressed data"),
    (b"SQLite format 3\x00", "an SQLite database"),
    (b"\x7fELF", "an executable"),
)
HTML_MEDIA_TYPES = {"text/html", "application/xhtml+xml"}
# Labels servers put on anything: the bytes decide.
VAGUE_MEDIA_TYPES = {
    "",
    "text/plain",
    "application/octet-stream",
    "binary/octet-stream",
    "application/gzip",
    "application/x-gzip",
}
# Roots of XML documents that carry HTML-like element names (<title>, <link>) but are not pages.
XML_ROOTS = {"rss", "feed", "urlset", "sitemapindex", "rdf:rdf", "opml", "svg"}
HTML_TAG = re.compile(
    r"<(?:!doctype\s+html|html|head|body|title|meta|article|main|div|p|h[1-6]|section|span|a)[\s/>]",
    re.IGNORECASE,
)
XML_ROOT = re.compile(r"<(?!\?|!)([A-Za-z][\w:.-]*)")


class InputError(Exception):
    """This input cannot be read as an HTML page; the message says why, in one line."""


@dataclass(frozen=True)
class PageInput:
    """One input as extraction needs it: the page text and, when known, the page's URL."""

    html: str
    url: str | None


def is_url(value: str) -> bool:
    """True for an http(s) URL; anything else names a file (or ``-``, stdin)."""
    return value.lower().startswith(("http://", "https://"))


def read_input(
    value: str,
    fetcher: Fetcher,
    *,
    stdin: BinaryIO | None = None,
    max_size: int = settings.DOWNLOAD_MAXSIZE,
) -> PageInput:
    """The page behind ``value``: a URL is fetched, ``-`` is read from stdin, else a file."""
    if is_url(value):
        try:
            fetched = fetcher.fetch(value)
        except FetchError as error:
            raise InputError(str(error)) from None
        html = page_text(fetched.body, max_size, content_type=fetched.content_type)
        return PageInput(html, fetched.url)
    if value == "-":
        data = _read_capped((stdin or sys.stdin.buffer), max_size)
        return PageInput(page_text(data, max_size), None)
    path = Path(value)
    try:
        with path.open("rb") as file:
            data = _read_capped(file, max_size)
    except OSError as error:
        raise InputError(f"cannot read it: {error.strerror or error}") from None
    if path.name.lower().endswith(".gz") and data and not data.startswith(GZIP_MAGIC):
        raise InputError("named .gz but not gzip data")
    return PageInput(page_text(data, max_size), None)


def page_text(data: bytes, max_size: int, content_type: str | None = None) -> str:
    """The HTML text of a page's bytes (module docstring: gzip, not-HTML rules, decoding)."""
    if data.startswith(GZIP_MAGIC):
        data = gunzip(data, max_size)
    media_type = (content_type or "").split(";")[0].strip().lower()
    if media_type not in HTML_MEDIA_TYPES | VAGUE_MEDIA_TYPES:
        raise InputError(f"not HTML (Content-Type {media_type})")
    if not data.strip():
        raise InputError("empty")
    _refuse_binary(data)
    text = decode(data, content_type)
    _refuse_non_html_text(text)
    return text


def gunzip(data: bytes, max_size: int) -> bytes:
    """Decompress gzip data, every member, refusing to produce more than ``max_size`` bytes."""
    out = bytearray()
    while data:
        decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            out += decompressor.decompress(data, max_size + 1 - len(out))
        except zlib.error as error:
            raise InputError(f"corrupt gzip data ({error})") from None
        if len(out) > max_size:
            raise InputError(f"larger than {_mib(max_size)} once decompressed")
        if not decompressor.eof:
            raise InputError("truncated gzip data")
        data = decompressor.unused_data.lstrip(b"\x00")  # members may be padded with NULs
    return bytes(out)


def decode(data: bytes, content_type: str | None = None) -> str:
    """Bytes to text: BOM, Content-Type charset, ``<meta>`` charset (w3lib), else strict UTF-8."""
    bom_encoding, _ = read_bom(data)
    declared = (
        bom_encoding
        or http_content_type_encoding(content_type)
        or html_body_declared_encoding(data)
    )
    if declared:
        _, text = html_to_unicode(content_type, data)
        return text
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        bad = data[error.start : error.start + 1].hex()
        raise InputError(
            f"cannot be decoded: no charset declared and not UTF-8 "
            f"(byte 0x{bad} at offset {error.start})"
        ) from None


def _refuse_binary(data: bytes) -> None:
    for signature, what in BINARY_SIGNATURES:
        if data.startswith(signature):
            raise InputError(f"not HTML ({what})")
    bom_encoding, _ = read_bom(data)
    if b"\x00" in data[:1024] and not bom_encoding:  # UTF-16/32 text is full of NULs
        raise InputError("not HTML (binary data)")


def _refuse_non_html_text(text: str) -> None:
    start = text.lstrip("\ufeff \t\r\n")
    if start.startswith(("{", "[")):
        raise InputError("not HTML (looks like JSON)")
    root = XML_ROOT.search(start)
    root_name = root.group(1).lower() if root else ""
    if root_name != "html" and (start.startswith("<?xml") or root_name in XML_ROOTS):
        raise InputError(f"not HTML (an XML document, <{root_name}>)")
    if not HTML_TAG.search(text):
        raise InputError("not HTML (no HTML markup)")


def _read_capped(file: BinaryIO, max_size: int) -> bytes:
    data = file.read(max_size + 1)
    if len(data) > max_size:
        raise InputError(f"larger than {_mib(max_size)}")
    return data


def _mib(size: int) -> str:
    return f"{size / 1024 / 1024:g} MiB"
