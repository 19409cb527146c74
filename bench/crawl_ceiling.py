"""The benchmark server's ceiling: every page fetched by a plain client, no crawler.

httpx on asyncio with as many connections as the crawl's concurrency: it does little per
answer, so its pages/s is about what the server can give. If the crawl rows come near this,
the server, not the crawler, is what they measure.

Run: ``python -m bench.crawl_ceiling URLS.txt --concurrency 8 --out COUNT.json``
"""

from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path

import httpx


async def fetch_all(urls: list[str], concurrency: int) -> int:
    """Fetch each URL once with ``concurrency`` workers; the count of 200 answers."""
    queue: asyncio.Queue[str] = asyncio.Queue()
    for url in urls:
        queue.put_nowait(url)
    ok = 0
    limits = httpx.Limits(max_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=30) as client:

        async def worker() -> None:
            nonlocal ok
            while not queue.empty():
                answer = await client.get(queue.get_nowait())
                ok += answer.status_code == 200

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("urls", type=Path, help="a file of URLs, one a line")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    urls = args.urls.read_text(encoding="utf-8").split()
    ok = asyncio.run(fetch_all(urls, args.concurrency))
    args.out.write_text(json.dumps({"fetched": ok}), encoding="utf-8")


if __name__ == "__main__":
    main()
