"""Adding a site to a sites file as text, so the user's comments and layout stay as they are.

A TOML library would read the file and write it back without its comments, blank lines and
key order; the file is the user's, so the new ``[sites.<slug>]`` table is appended to the
bytes that are there. The result is checked before it replaces anything: written to a
temporary file in the same folder, loaded with ``load_sites`` (every rule a crawl applies),
then moved over the old file with ``os.replace``, which is atomic, so a crash or a refused
table leaves the old file whole. The file's permissions are kept; a file reached through a
symbolic link is replaced where it really is.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
import unicodedata
from pathlib import Path
from typing import Any

from tldextract import TLDExtract

from crawler.sites import SitesError, load_sites, parse_sites, read_toml
from crawler.urls import host_of

# The public suffix list bundled with tldextract: no download, nothing cached on disk.
_EXTRACT = TLDExtract(suffix_list_urls=(), cache_dir=None)
_ESCAPES = {
    '"': '\\"',
    "\\": "\\\\",
    "\b": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\f": "\\f",
    "\r": "\\r",
}
LINE_LENGTH = 100


def slug_for(url: str) -> str:
    """A slug from the URL's host: its name under the public suffix (``www.example.co.uk``:
    ``example``), as lower-case letters, digits and ``-`` (accents dropped: ``süddeutsche``)."""
    host = host_of(url)
    name = unicodedata.normalize("NFKD", _EXTRACT(host).domain or host)
    slug = re.sub(r"[^a-z0-9]+", "-", name.encode("ascii", "ignore").decode()).strip("-")
    return slug or "site"


def site_domains(urls: list[str]) -> list[str]:
    """The hosts of ``urls`` without ``www.``, leaving out those another one covers."""
    hosts = {host.removeprefix("www.") for host in map(host_of, urls) if host}
    return sorted(h for h in hosts if not any(h.endswith("." + other) for other in hosts))


def toml_string(value: str) -> str:
    """``value`` as a TOML basic string: quoted, with quotes, backslashes and controls escaped."""
    escaped = "".join(
        _ESCAPES.get(char) or (f"\\u{ord(char):04X}" if _is_control(char) else char)
        for char in value
    )
    return f'"{escaped}"'


def site_table(slug: str, keys: dict[str, str | list[str] | None]) -> str:
    """The ``[sites.<slug>]`` table's text: one line per key, a long list one item a line.

    A key whose value is None is left out."""
    lines = [f"[sites.{slug}]"]
    for key, value in keys.items():
        if value is None:
            continue
        if isinstance(value, str):
            lines.append(f"{key} = {toml_string(value)}")
            continue
        items = [toml_string(item) for item in value]
        line = f"{key} = [{', '.join(items)}]"
        if len(line) > LINE_LENGTH:
            line = f"{key} = [\n" + "".join(f"    {item},\n" for item in items) + "]"
        lines.append(line)
    return "\n".join(lines) + "\n"


def existing_sites(path: Path) -> tuple[set[str], dict[str, Any]]:
    """The slugs and ``[defaults]`` of the sites file; ``SitesError`` when it does not load.

    A missing file, an empty one or one with only ``[defaults]`` is a fine start, though
    ``load_sites`` refuses it (nothing to crawl): the table about to be added fixes that.
    """
    if not path.exists():
        return set(), {}
    try:
        slugs = set(load_sites(path))
    except SitesError:
        document = _document_or_none(path)
        if document is None or document.get("sites"):
            raise
        slugs = set()
    document = _document_or_none(path) or {}
    defaults = document.get("defaults")
    return slugs, defaults if isinstance(defaults, dict) else {}


def appended(text: str, table: str) -> str:
    """``text`` with ``table`` after a blank line, in the file's own line endings."""
    newline = "\r\n" if "\r\n" in text else "\n"
    if text and not text.endswith("\n"):
        text += newline
    if text.strip():
        text += newline
    return text + table.replace("\n", newline)


def check_appended(path: Path, table: str, source: Path | None = None) -> str:
    """The would-be text of ``path`` with ``table``, checked in memory; ``SitesError`` if not.

    ``source`` is the name the user gave the file, for the message."""
    text = path.read_bytes().decode("utf-8") if path.exists() else ""
    new_text = appended(text, table)
    try:
        document = read_toml(new_text)
    except ValueError as error:  # TOMLDecodeError
        raise SitesError(f"{source or path}: not valid TOML: {error}") from None
    parse_sites(document, source=str(source or path))
    return new_text


def append_table(path: Path, table: str) -> None:
    """Append ``table`` to the sites file (created when missing), checked, atomically.

    ``SitesError`` (the file unchanged) when the result would not load; ``OSError`` when it
    cannot be written.
    """
    target = path.resolve() if path.exists() else path
    new = check_appended(target, table, source=path).encode("utf-8")
    mode = target.stat().st_mode & 0o7777 if target.exists() else 0o666 & ~_umask()
    handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    temp = Path(name)
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(new)
            file.flush()
            os.fsync(file.fileno())
        try:
            load_sites(temp)  # the file as a crawl will read it
        except SitesError as error:
            raise SitesError(str(error).replace(str(temp), str(path))) from None
        temp.chmod(mode)
        temp.replace(target)  # os.replace: atomic within one file system
    finally:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()


def _document_or_none(path: Path) -> dict[str, Any] | None:
    try:
        return read_toml(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):  # unreadable, not UTF-8, not TOML
        return None


def _is_control(char: str) -> bool:
    return ord(char) < 0x20 or ord(char) == 0x7F


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
