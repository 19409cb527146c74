"""``make demo``'s crawl: the bundled site, served on a fixed port, archived twice."""

from __future__ import annotations

import socket
import sqlite3
import subprocess
import sys

from crawler.demo.server import SiteServer
from tests.conftest import ROOT


def run_demo(port: int, db, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "crawler.demo", "--port", str(port), "--db", str(db)],
        capture_output=True,
        check=False,
        text=True,
        timeout=timeout,
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_demo_archives_the_site_and_a_second_run_adds_nothing(tmp_path):
    db, port = tmp_path / "archive.db", free_port()
    first = run_demo(port, db)
    assert first.returncode == 0, first.stderr
    assert "articles: 22 new, 0 changed, 0 unchanged" in first.stdout
    assert "newsarchive serve --db" in first.stdout
    second = run_demo(port, db)
    assert second.returncode == 0, second.stderr
    # Nothing is due again a moment later: the feeds and sitemaps are read, no article fetched.
    assert "articles: 0 new, 0 changed, 0 unchanged, 22 not due" in second.stdout
    with sqlite3.connect(db) as conn:
        assert conn.execute("select count(*), count(distinct url) from articles").fetchone() == (
            22,
            22,
        )
        assert conn.execute("select count(*) from revisions").fetchone() == (22,)
        assert conn.execute(
            "select count(*) from articles where url like '%/private/%' "
            "or url like '%/tag/%' or url like '%/author/%'"
        ).fetchone() == (0,)


def test_demo_port_taken_is_a_clear_error(tmp_path):
    with SiteServer(ROOT / "crawler" / "demo" / "site") as squatter:
        result = run_demo(squatter.port, tmp_path / "archive.db", timeout=30)
    assert result.returncode == 1
    assert f"127.0.0.1:{squatter.port} is not free for the demo site" in result.stderr
    assert not (tmp_path / "archive.db").exists()
