"""A generated news site served for a test: memory and crash tests need hundreds of pages.

The pages come from ``bench.site_gen`` (one generator for tests and benchmarks), written into
a test's folder and served by ``SiteServer`` like any fixture site.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from bench.site_gen import write_site
from crawler.demo.server import SiteServer

if TYPE_CHECKING:
    from pathlib import Path


@dataclass
class GeneratedSite:
    """The site's files, its server and the sites file that crawls it through its sitemap."""

    root: Path
    server: SiteServer
    sites_file: Path
    paths: list[str]  # every article's path, as the sitemap lists it

    @property
    def urls(self) -> set[str]:
        return {self.server.url(path) for path in self.paths}

    def stop(self) -> None:
        self.server.stop()


def generated_site(
    folder: Path, pages: int, delay: float = 0.0, host: str = "127.0.0.4", concurrency: int = 4
) -> GeneratedSite:
    """Write and serve a site of ``pages`` articles; the sites file crawls it by its sitemap."""
    root = folder / "gazette"
    paths = write_site(root, pages)
    server = SiteServer(root, host=host).start()
    sites_file = folder / "gazette.toml"
    sites_file.write_text(
        "[sites.gazette]\n"
        'user_agent = "newsarchive-tests/1.0 (+http://127.0.0.1/)"\n'
        f"download_delay = {delay}\n"
        f"concurrency = {concurrency}\n"
        f'sitemaps = ["{server.url("/sitemap.xml")}"]\n',
        encoding="utf-8",
    )
    return GeneratedSite(root=root, server=server, sites_file=sites_file, paths=paths)
