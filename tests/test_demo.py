"""``make demo``'s crawl: the bundled site in two states, served on a fixed port, run twice."""

from __future__ import annotations

import json
import socket
import sqlite3
import subprocess
import sys
from typing import TYPE_CHECKING

import pytest

from crawler.demo.server import SiteServer
from crawler.demo.states import STATES
from tests.conftest import ROOT

if TYPE_CHECKING:
    from pathlib import Path

BRIDGE = "/2026/11/20/harbor-bridge-reopens/"
AQUATIC = "/2026/11/18/aquatic-center-reopens/"


def run_demo(
    port: int, db, timeout: float = 180, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "crawler.demo", "--port", str(port), "--db", str(db)],
        capture_output=True,
        check=False,
        text=True,
        timeout=timeout,
        cwd=cwd,
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.slow  # four crawls, about 30 s
def test_demo_archives_both_states_and_a_second_run_adds_nothing(tmp_path):
    db, port = tmp_path / "archive.db", free_port()
    first = run_demo(port, db)
    assert first.returncode == 0, first.stderr
    # The first state: every article new; the second: only the two edited ones fetched.
    assert "articles: 22 new, 0 changed, 0 unchanged;" in first.stdout
    assert "articles: 0 new, 2 changed, 0 unchanged, 20 not due;" in first.stdout
    assert "2 articles changed:" in first.stdout
    assert f"newsarchive history http://127.0.0.1:{port}{BRIDGE} --db {db}" in first.stdout
    assert "newsarchive serve --db" in first.stdout
    with sqlite3.connect(db) as conn:
        changed = {
            url.removeprefix(f"http://127.0.0.1:{port}"): (
                version,
                change_class,
                json.loads(fields),
                json.loads(corrections or "[]"),
                fetched_at,
            )
            for url, version, change_class, fields, corrections, fetched_at in conn.execute(
                "select url, version, change_class, changed_fields, corrections, fetched_at "
                "from revisions where version > 1"
            )
        }
        bridge_body = conn.execute(
            "select body from revisions where url like ? and version = 2", [f"%{BRIDGE}"]
        ).fetchone()[0]
    notice = (
        "Correction: An earlier version of this article said the project came in about "
        "$200,000 under budget. The savings were about $260,000."
    )
    assert changed == {
        BRIDGE: (2, "substantive", ["body", "modified"], [notice], STATES[1].now),
        AQUATIC: (2, "substantive", ["title"], [], STATES[1].now),
    }
    assert "$260,000 under its $6.4 million budget" in bridge_body
    assert f"notice: {notice}" in first.stdout

    second = run_demo(port, db)
    assert second.returncode == 0, second.stderr
    # Neither state is fetched again: the feeds and sitemaps are read, no article is due.
    assert second.stdout.count("articles: 0 new, 0 changed, 0 unchanged, 22 not due;") == 2
    assert "No article changed in this run" in second.stdout
    with sqlite3.connect(db) as conn:
        assert conn.execute("select count(*), count(distinct url) from articles").fetchone() == (
            22,
            22,
        )
        assert conn.execute("select count(*) from revisions").fetchone() == (24,)
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
