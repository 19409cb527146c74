"""Fault routes of the loopback site server, under /fault/: what a hostile or broken site does.

They serve the reliability tests (the fault matrix in RELIABILITY.md). Each route is bounded
in time: a hang or a trickle ends after FAULT_MAX_SECONDS or when the server stops, loops and
chains end after FAULT_MAX_STEPS, and bombs are compressed while they are sent, never stored.
"""

from __future__ import annotations

import secrets
import threading
import zlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple
from urllib.parse import parse_qs, urlparse

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from http.server import BaseHTTPRequestHandler

    from crawler.demo.server import Hit, SiteServer

FAULT_PREFIX = "/fault/"
FAULT_MAX_SECONDS = 10.0
FAULT_MAX_STEPS = 100
TRICKLE_INTERVAL = 0.5  # seconds between the bytes of /fault/trickle
PARTIAL_LENGTH = 10_000  # /fault/partial announces this many bytes, sends half, closes
CHUNK = 64 * 1024
FAULT_ARTICLE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>{title}</title><meta property="og:type" content="article">
<meta property="article:published_time" content="2026-11-20T08:00:00+00:00"></head>
<body><article><h1>{title}</h1>
<p>The harbour commission met on Thursday to discuss the dredging of the eastern channel,
which has silted up since the spring storms and now limits the ferries to high tide.</p>
<p>Commissioners heard from three pilots and the ferry operator, who said that a quarter of
the crossings in October ran late because the boats had to wait for the water to rise.</p>
<p>The dredging contract will be put out to tender next month, the chair said.</p>
</article></body></html>"""
NON_HTML: dict[str, tuple[str | None, bytes]] = {
    "pdf": ("application/pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n%%EOF\n"),
    "png": ("image/png", b"\x89PNG\r\n\x1a\n" + bytes(64)),
    "json": ("application/json", b'{"title": "not a page", "body": "<p>json</p>"}'),
    "octet": ("application/octet-stream", bytes(range(256))),
    "none": (None, b"\x00\x01binary with no content type\xff\xfe"),
}


@dataclass
class FaultState:
    """What the fault routes remember between requests; tests read and set it."""

    stopped: threading.Event = field(default_factory=threading.Event)
    # Path -> how many more requests fail (with the route's ?status=, 503 by default).
    fail_next: dict[str, int] = field(default_factory=dict)
    healed: set[str] = field(default_factory=set)  # paths answered with a good page from now on
    sent: dict[str, int] = field(default_factory=dict)  # path -> body bytes written


def fault_article(title: str) -> bytes:
    return FAULT_ARTICLE.format(title=title).encode()


def serve_fault(handler: BaseHTTPRequestHandler, server: SiteServer) -> None:
    """Answer a /fault/<route>/... request with the route's misbehaviour."""
    parts = urlparse(handler.path)
    segments = [s for s in parts.path.removeprefix(FAULT_PREFIX).split("/") if s]
    query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    route = FAULT_ROUTES.get(segments[0] if segments else "")
    if route is None:
        _fault_answer(handler, server, 404, b"no such fault route")
        return
    route(_Fault(handler, server, parts.path, segments[1:], query))


class _Fault(NamedTuple):
    handler: BaseHTTPRequestHandler
    server: SiteServer
    path: str
    args: list[str]
    query: dict[str, str]

    def answer(self, status: int, body: bytes = b"", **kwargs: Any) -> None:
        _fault_answer(self.handler, self.server, status, body, **kwargs)

    def article(self) -> None:
        self.answer(200, fault_article(f"Healthy page at {self.path}"))

    def record(self, status: int) -> None:
        hit: Hit = self.handler.hit  # type: ignore[attr-defined]
        self.server.requests.append(hit._replace(status=status))

    def headers(self, status: int, headers: dict[str, str]) -> None:
        """Status line and headers only: the route writes (or withholds) the body itself."""
        self.record(status)
        self.handler.send_response(status)
        for name, value in headers.items():
            self.handler.send_header(name, value)
        if "Content-Length" not in headers:  # the body ends when the connection closes
            self.handler.send_header("Connection", "close")
            self.handler.close_connection = True
        self.handler.end_headers()

    def stream(self, chunks: Iterator[bytes]) -> None:
        """Write ``chunks`` until they end, the client hangs up or the server stops."""
        sent = 0
        try:
            for chunk in chunks:
                if self.server.faults.stopped.is_set():
                    break
                self.handler.wfile.write(chunk)
                sent += len(chunk)
                self.server.faults.sent[self.path] = sent
        except OSError:  # the client cancelled: what was sent is counted
            pass
        self.handler.close_connection = True


def _fault_answer(
    handler: BaseHTTPRequestHandler,
    server: SiteServer,
    status: int,
    body: bytes,
    content_type: str | None = "text/html; charset=utf-8",
    headers: dict[str, str] | None = None,
) -> None:
    hit: Hit = handler.hit  # type: ignore[attr-defined]
    server.requests.append(hit._replace(status=status))
    handler.send_response(status)
    if content_type is not None:
        handler.send_header("Content-Type", content_type)
    for name, value in (headers or {}).items():
        handler.send_header(name, value)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


def _hang(fault: _Fault) -> None:
    """Accept, read the request, never answer (until FAULT_MAX_SECONDS or the server stops)."""
    fault.record(0)
    fault.server.faults.stopped.wait(FAULT_MAX_SECONDS)
    fault.handler.close_connection = True


def _trickle(fault: _Fault) -> None:
    """A good page, one byte every TRICKLE_INTERVAL seconds."""
    body = fault_article("Trickled page")
    fault.headers(200, {"Content-Type": "text/html", "Content-Length": str(len(body))})
    steps = int(FAULT_MAX_SECONDS / TRICKLE_INTERVAL)

    def drip() -> Iterator[bytes]:
        for byte in body[:steps]:
            yield bytes([byte])
            fault.handler.wfile.flush()
            if fault.server.faults.stopped.wait(TRICKLE_INTERVAL):
                return

    fault.stream(drip())


def _partial(fault: _Fault) -> None:
    """Content-Length PARTIAL_LENGTH, half of it sent, then the connection closes."""
    if fault.path in fault.server.faults.healed:
        fault.article()
        return
    body = fault_article("Partial page").ljust(PARTIAL_LENGTH, b" ")
    fault.headers(200, {"Content-Type": "text/html", "Content-Length": str(PARTIAL_LENGTH)})
    fault.stream(iter([body[: PARTIAL_LENGTH // 2]]))


def _flaky(fault: _Fault) -> None:
    """Fails (?status=, 503) while ``faults.fail_next[path]`` lasts, then a good page."""
    left = fault.server.faults.fail_next.get(fault.path, 0)
    if left > 0:
        fault.server.faults.fail_next[fault.path] = left - 1
        fault.answer(int(fault.query.get("status", "503")), b"<html><body>busy</body></html>")
        return
    fault.article()


def _status(fault: _Fault) -> None:
    status = int(fault.args[0]) if fault.args and fault.args[0].isdigit() else 500
    fault.answer(status, b"<html><head><title>Error</title></head><body>Error</body></html>")


def _empty(fault: _Fault) -> None:
    fault.answer(200, b"")


def _soft_404(fault: _Fault) -> None:
    """A "not found" page answered 200, as many sites' catch-all routes do."""
    body = b"<html><head><title>Page not found</title></head><body><h1>Page not found</h1>"
    fault.answer(200, body + b"<p>Sorry.</p><a href='/'>Home</a></body></html>")


def _payload(fault: _Fault) -> None:
    """?size= bytes of HTML, with a Content-Length unless ?length=0."""
    size = int(fault.query.get("size", "0"))
    headers = {"Content-Type": "text/html"}
    if fault.query.get("length", "1") != "0":
        headers["Content-Length"] = str(size)
    fault.headers(200, headers)
    line = b"<p>" + b"x" * (CHUNK - 8) + b"</p>\n"
    fault.stream(line[: min(CHUNK, size - done)] for done in range(0, size, CHUNK))


def _bomb(fault: _Fault) -> None:
    """?size= bytes of zeros (default 1 GiB), gzip, deflate or br encoded as they are sent."""
    codec = fault.args[0] if fault.args else "gzip"
    size = int(fault.query.get("size", str(1 << 30)))
    fault.headers(200, {"Content-Type": "text/html", "Content-Encoding": codec})
    fault.stream(_compressed(codec, size))


def _compressed(codec: str, size: int) -> Iterator[bytes]:
    zeros = bytes(1 << 20)
    if codec == "br":
        import brotli

        compressor = brotli.Compressor(quality=1)  # fast, and still about 5000:1 on zeros
        for _ in range(size // len(zeros)):
            yield compressor.process(zeros)
        yield compressor.finish()
        return
    wbits = {"gzip": 16 + zlib.MAX_WBITS, "deflate": zlib.MAX_WBITS}[codec]
    deflater = zlib.compressobj(9, zlib.DEFLATED, wbits)
    for _ in range(size // len(zeros)):
        yield deflater.compress(zeros)
    yield deflater.flush()


def _redirect(fault: _Fault, location: str, status: int = 302) -> None:
    fault.answer(status, b"", headers={"Location": location})


def _loop(fault: _Fault) -> None:
    """/fault/loop/a -> /fault/loop/b -> /fault/loop/a ..."""
    other = "b" if fault.args[:1] == ["a"] else "a"
    _redirect(fault, f"{FAULT_PREFIX}loop/{other}")


def _step(fault: _Fault) -> int:
    return int(fault.args[0]) if fault.args and fault.args[0].isdigit() else 0


def _chain(fault: _Fault) -> None:
    """/fault/chain/<n> -> /fault/chain/<n+1>, up to FAULT_MAX_STEPS."""
    step = _step(fault)
    if step >= FAULT_MAX_STEPS:
        fault.article()
        return
    _redirect(fault, f"{FAULT_PREFIX}chain/{step + 1}")


def _meta(fault: _Fault) -> None:
    """/fault/meta/<n>: a page whose meta refresh goes to /fault/meta/<n+1>."""
    target = f"{FAULT_PREFIX}meta/{min(_step(fault) + 1, FAULT_MAX_STEPS)}"
    body = f'<html><head><meta http-equiv="refresh" content="0; url={target}"></head></html>'
    fault.answer(200, body.encode())


def _to(fault: _Fault) -> None:
    """/fault/to?url=...: a 302 to any location (file://, another host, a private address)."""
    _redirect(fault, fault.query.get("url", "/"))


def _links(fault: _Fault, hrefs: list[str]) -> None:
    links = "".join(f'<li><a href="{href}">{href}</a></li>' for href in hrefs)
    fault.answer(200, f"<html><body><h1>Index</h1><ul>{links}</ul></body></html>".encode())


def _link_page(fault: _Fault) -> None:
    """/fault/links?href=...&href=...: an index page linking to each ``href`` given."""
    _links(fault, parse_qs(urlparse(fault.handler.path).query).get("href", []))


def _trap(fault: _Fault) -> None:
    """/fault/trap/<n>: endless pagination, each link with a fresh session id."""
    sid = secrets.token_hex(8)
    session = f"sessionid={sid}"
    _links(fault, [f"{FAULT_PREFIX}trap/{_step(fault) + 1}?{session}", f"/fault/home?{session}"])


def _calendar(fault: _Fault) -> None:
    """/fault/calendar/<year>/<month>/: links to the month before and the month after."""
    year, month = (int(a) for a in ([*fault.args, "2026", "11"])[:2])
    before = (year, month - 1) if month > 1 else (year - 1, 12)
    after = (year, month + 1) if month < 12 else (year + 1, 1)
    _links(fault, [f"{FAULT_PREFIX}calendar/{y}/{m}/" for y, m in (before, after)])


def _nested(fault: _Fault) -> None:
    """/fault/a/, /fault/a/a/, ...: a relative link one level deeper every time."""
    _links(fault, ["a/"])


def _typed(fault: _Fault) -> None:
    """/fault/type/<pdf|png|json|octet|none>: a non-HTML body at an article-like URL."""
    content_type, body = NON_HTML.get(fault.args[0] if fault.args else "", NON_HTML["none"])
    fault.answer(200, body, content_type=content_type)


FAULT_ROUTES: dict[str, Callable[[_Fault], None]] = {
    "hang": _hang,
    "trickle": _trickle,
    "partial": _partial,
    "flaky": _flaky,
    "status": _status,
    "empty": _empty,
    "soft404": _soft_404,
    "payload": _payload,
    "bomb": _bomb,
    "loop": _loop,
    "chain": _chain,
    "meta": _meta,
    "to": _to,
    "links": _link_page,
    "trap": _trap,
    "home": lambda fault: _links(fault, []),
    "calendar": _calendar,
    "a": _nested,
    "type": _typed,
}
