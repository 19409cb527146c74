"""Fixtures: real loopback news sites, real archive files, the real command line.

Each fixture site is served by ``crawler.demo.server.SiteServer`` on its own loopback address
(127.0.0.1, .2, .3): Scrapy's OffsiteMiddleware tells hosts apart by name, not by port.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from crawler.demo.server import SiteServer

ROOT = Path(__file__).resolve().parent.parent
SITE_DIR = ROOT / "tests" / "site"
SEED_DIR = ROOT.parent / "shared" / "seed"
BENCHMARK_DIR = ROOT.parent / "shared" / "data" / "article-extraction-benchmark"
SITE_HOSTS = {"wp": "127.0.0.1", "paper": "127.0.0.2", "blog": "127.0.0.3"}
SEED_PATH = (
    "/2018/06/17/kremlin-putin-netanyahu-agree-to-boost-israel-russia-coordination-in-syria/"
)
CLI_TIMEOUT = 120
# The fault-matrix tests' ``server`` fixture (a bare loopback site for the /fault/ routes).
pytest_plugins = ["tests.fault_runs"]


@dataclass
class FixtureSites:
    """The three fixture sites, served from a private copy that a test may edit."""

    root: Path
    servers: dict[str, SiteServer]
    sites_file: Path

    def page(self, site: str, path: str) -> Path:
        file = self.root / site / path.lstrip("/")
        return file / "index.html" if path.endswith("/") else file


def sites_toml(servers: dict[str, SiteServer]) -> str:
    wp, paper, blog = servers["wp"], servers["paper"], servers["blog"]
    return f"""
[defaults]
user_agent = "newsarchive-tests/1.0 (+http://127.0.0.1/)"
download_delay = 0
concurrency = 4

[sites.wp]
feeds = ["{wp.url("/feed.xml")}"]

[sites.paper]
name = "The Riverton Ledger"
start_urls = ["{paper.url("/")}"]
timezone = "America/Chicago"

[sites.blog]
start_urls = ["{blog.url("/")}"]
allow = ['/posts/[^/]+/$']
deny = ['/about/']
"""


@pytest.fixture
def fixture_sites(tmp_path: Path) -> FixtureSites:
    root = tmp_path / "site"
    shutil.copytree(SITE_DIR, root)
    servers = {
        name: SiteServer(root / name, host=host).start() for name, host in SITE_HOSTS.items()
    }
    sites_file = tmp_path / "sites.toml"
    sites_file.write_text(sites_toml(servers), encoding="utf-8")
    yield FixtureSites(root=root, servers=servers, sites_file=sites_file)
    for server in servers.values():
        server.stop()


@pytest.fixture
def archive_path(tmp_path: Path) -> Path:
    return tmp_path / "archive.db"


def run_cli(
    *args: str,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    timeout: float = CLI_TIMEOUT,
) -> subprocess.CompletedProcess[str]:
    """Run ``newsarchive`` as a user would, in its own process."""
    return subprocess.run(
        [sys.executable, "-m", "crawler.cli", *args],
        capture_output=True,
        check=False,
        text=True,
        timeout=timeout,
        cwd=cwd,
        env={**os.environ, **(env or {})},
    )


def crawl_fixture_sites(
    sites: FixtureSites, db: Path, *slugs: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``newsarchive crawl`` of the fixture sites into ``db``, which must succeed."""
    result = run_cli(
        "crawl",
        *slugs,
        "--sites",
        str(sites.sites_file),
        "--db",
        str(db),
        "-s",
        "CLOSESPIDER_TIMEOUT=60",
        env=env,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result


@pytest.fixture(scope="session")
def seed_expected() -> dict:
    path = SEED_DIR / "expected.json"
    if not path.exists():
        pytest.skip("../shared/seed is not present")
    return json.loads(path.read_text(encoding="utf-8"))
