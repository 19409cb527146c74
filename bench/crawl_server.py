"""The crawl benchmark's web server: a generated site's files, in a process of their own.

uvicorn with Starlette's ``StaticFiles`` rather than ``crawler.demo.server.SiteServer``: the
benchmark must measure the crawler, not the server, so the server runs in another process
(no shared GIL) on an event loop, and ``StaticFiles`` already answers ``ETag`` /
``Last-Modified`` and a 304 to ``If-None-Match`` / ``If-Modified-Since`` as a real site does.
Every answer is counted by status and kind of path and the counts are written to a JSON file
when asked (``GET /__counts``) and on exit: the benchmark reads what each row asked for.

Run: ``python -m bench.crawl_server ROOT --host 127.0.0.1 --port 8000``
"""

from __future__ import annotations

import argparse
from collections import Counter
from typing import TYPE_CHECKING, Any

import uvicorn
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

COUNTS_PATH = "/__counts"


def path_kind(path: str) -> str:
    """``article`` for a story page, else the file's role (sitemap, robots, other)."""
    if "/story-" in path:
        return "article"
    if path.endswith(".xml"):
        return "sitemap"
    if path == "/robots.txt":
        return "robots"
    return "other"


class CountAnswers:
    """ASGI middleware counting answers as ``"<status> <kind>"``; cheap: one dict update."""

    def __init__(self, app: ASGIApp, counts: Counter[str]) -> None:
        self.app = app
        self.counts = counts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] == COUNTS_PATH:
            await self.app(scope, receive, send)
            return
        kind = path_kind(scope["path"])

        async def counting_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                self.counts[f"{message['status']} {kind}"] += 1
            await send(message)

        await self.app(scope, receive, counting_send)


def build_app(root: str) -> Any:
    counts: Counter[str] = Counter()

    async def show_counts(request: Request) -> JSONResponse:
        return JSONResponse(dict(counts))

    app = Starlette(
        routes=[
            Route(COUNTS_PATH, show_counts),
            Mount("/", StaticFiles(directory=root, html=True)),
        ]
    )
    return CountAnswers(app, counts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", help="the folder of the generated site")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    uvicorn.run(
        build_app(args.root),
        host=args.host,
        port=args.port,
        log_level="warning",
        access_log=False,
    )


if __name__ == "__main__":
    main()
