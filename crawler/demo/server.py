"""A static news site on a loopback address: the demo site, and the test fixture sites.

``http.server`` is enough for serving files; what it lacks, and this adds, is what a news
site needs to be crawlable under a changing address: the token ``{{BASE}}`` in HTML, XML and
text files becomes the server's own base URL (absolute links in feeds, sitemaps and canonical
tags), a path ending in ``/`` serves its ``index.html``, and every request is logged with its
time so tests can assert what was (and was not) fetched. Like a real news site's server, files
carry an ``ETag`` (a hash of the body served) and a ``Last-Modified`` (the file's time), and a
conditional request they match is answered ``304 Not Modified``.
"""

from __future__ import annotations

import email.utils
import hashlib
import mimetypes
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple
from urllib.parse import unquote, urlparse

from crawler.demo.faults import FAULT_PREFIX, FaultState, serve_fault

if TYPE_CHECKING:
    from typing_extensions import Self

from typing_extensions import Self

BASE_TOKEN = b"{{BASE}}"
TEMPLATED_SUFFIXES = {".html", ".xml", ".txt"}
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".xml": "application/xml; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
}


class Hit(NamedTuple):
    """One request the server answered."""

    path: str
    at: float  # time.monotonic()
    user_agent: str
    if_none_match: str = ""
    status: int = 0  # the status answered (0 until known)


class SiteServer:
    """Serve ``root`` on ``host:port`` (port 0 picks a free one) in a daemon thread."""

    def __init__(self, root: Path | str, host: str = "127.0.0.1", port: int = 0) -> None:
        self.root = Path(root).resolve()
        self.requests: list[Hit] = []
        # Paths answered with this status (and an empty body) instead of their file: tests
        # make a page vanish (404, 410) or a server fail (503) with it.
        self.statuses: dict[str, int] = {}
        # Seconds to wait before answering these paths: a slow site, for interrupt tests.
        self.delays: dict[str, float] = {}
        # Paths answered with a 301 to this location instead of their file.
        self.redirects: dict[str, str] = {}
        # Content-Type header sent for these paths instead of the one their suffix implies:
        # tests label a page's charset (or leave it out) whatever its bytes are.
        self.content_types: dict[str, str] = {}
        # Extra response headers for these paths, whatever the answer (Retry-After on a 429).
        self.headers: dict[str, dict[str, str]] = {}
        self.faults = FaultState()  # state of the /fault/ routes (crawler/demo/faults.py)
        handler = _handler_for(self)
        # Raises OSError (EADDRINUSE) at once when the port is taken.
        self.httpd = ThreadingHTTPServer((host, port), handler)
        self.httpd.daemon_threads = True
        self.host = host
        self.port = int(self.httpd.server_address[1])
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def url(self, path: str) -> str:
        return self.base_url + path

    def start(self) -> Self:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.faults.stopped.set()  # ends hanging and trickling fault routes
        self.httpd.shutdown()
        self.httpd.server_close()

    def hits(self, path: str) -> int:
        """How many times ``path`` was requested."""
        return sum(1 for hit in self.requests if hit.path == path)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def resolve(self, path: str) -> Path | None:
        """The file behind a URL path, never outside ``root``."""
        relative = unquote(urlparse(path).path).lstrip("/")
        candidate = (self.root / relative).resolve()
        if candidate.is_dir():
            candidate = candidate / "index.html"
        if not candidate.is_file() or not candidate.is_relative_to(self.root):
            return None
        return candidate


def _handler_for(server: SiteServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            self.hit = Hit(
                urlparse(self.path).path,
                time.monotonic(),
                self.headers.get("User-Agent", ""),
                self.headers.get("If-None-Match", ""),
            )
            time.sleep(server.delays.get(self.hit.path, 0.0))
            if self.hit.path.startswith(FAULT_PREFIX):
                serve_fault(self, server)
                return
            status = server.statuses.get(self.hit.path)
            if status is not None:
                self._send(status, b"", "text/html; charset=utf-8")
                return
            location = server.redirects.get(self.hit.path)
            if location is not None:
                self._send(301, b"", "text/html; charset=utf-8", {"Location": location})
                return
            path = server.resolve(self.path)
            if path is None:
                self._send(
                    404, b"<html><body><h1>Not found</h1></body></html>", "text/html; charset=utf-8"
                )
                return
            body = path.read_bytes()
            if path.suffix in TEMPLATED_SUFFIXES:
                body = body.replace(BASE_TOKEN, server.base_url.encode())
            content_type = server.content_types.get(self.hit.path) or (
                CONTENT_TYPES.get(path.suffix)
                or mimetypes.guess_type(path.name)[0]
                or "application/octet-stream"
            )
            validators = {
                "ETag": f'"{hashlib.sha256(body).hexdigest()[:32]}"',
                "Last-Modified": email.utils.formatdate(int(path.stat().st_mtime), usegmt=True),
            }
            if self._not_modified(validators, path.stat().st_mtime):
                self._send(304, b"", content_type, validators)
                return
            self._send(200, body, content_type, validators)

        def _not_modified(self, validators: dict[str, str], mtime: float) -> bool:
            """RFC 9110: If-None-Match decides when sent; else If-Modified-Since."""
            if_none_match = self.headers.get("If-None-Match")
            if if_none_match:
                tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
                return "*" in tags or validators["ETag"] in tags
            since = self.headers.get("If-Modified-Since")
            if since:
                try:
                    return int(mtime) <= email.utils.parsedate_to_datetime(since).timestamp()
                except (TypeError, ValueError):
                    return False
            return False

        def _send(
            self,
            status: int,
            body: bytes,
            content_type: str,
            headers: dict[str, str] | None = None,
        ) -> None:
            server.requests.append(self.hit._replace(status=status))
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            for name, value in {**(headers or {}), **server.headers.get(self.hit.path, {})}.items():
                self.send_header(name, value)
            if status != 304:
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            else:
                self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass  # the request list is the log

    return Handler
