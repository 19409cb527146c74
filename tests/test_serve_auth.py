"""``newsarchive serve`` off the loopback: a password, or an explicit --public, or no start.

Real ``serve`` subprocesses on a free port, queried over HTTP with httpx; the password hash is
made with the auth plugin's own ``datasette hash-password``, as the README tells a user to.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest

from crawler.archive import open_archive
from tests.conftest import run_cli

if TYPE_CHECKING:
    from collections.abc import Iterator

PASSWORD = "correct horse battery staple"


@pytest.fixture
def news_db(tmp_path: Path) -> Path:
    db = tmp_path / "news.db"
    open_archive(db).close()
    return db


@pytest.fixture(scope="module")
def password_hash() -> str:
    datasette = Path(sys.executable).parent / "datasette"
    made = subprocess.run(
        [str(datasette), "hash-password", "--no-confirm"],
        input=PASSWORD,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return made.stdout.strip()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("0.0.0.0", 0))
        return sock.getsockname()[1]


@contextmanager
def serving(*args: str, env: dict[str, str] | None = None) -> Iterator[tuple[str, str]]:
    """A ``newsarchive serve`` process; yields its base URL on 127.0.0.1 and its first line."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "crawler.cli", "serve", *args, "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{base}/-/versions.json", timeout=2)
                break
            except httpx.TransportError:
                assert server.poll() is None, server.stderr.read()  # type: ignore[union-attr]
                assert time.monotonic() < deadline, "serve did not answer within 30 s"
                time.sleep(0.2)
        yield base, server.stdout.readline().strip()  # type: ignore[union-attr]
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_serve_off_the_loopback_refuses_to_start_without_a_password_or_public(news_db):
    result = run_cli(
        "serve", "--db", str(news_db), "--host", "0.0.0.0", "--port", str(free_port()), timeout=60
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "not a loopback address" in lines[0]
    assert "--public" in lines[0]
    assert "NEWSARCHIVE_PASSWORD_HASH" in lines[0]


def test_a_malformed_password_hash_is_refused(news_db):
    result = run_cli(
        "serve",
        "--db",
        str(news_db),
        "--host",
        "0.0.0.0",
        env={"NEWSARCHIVE_PASSWORD_HASH": PASSWORD},  # the password itself, not its hash
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "Error: NEWSARCHIVE_PASSWORD_HASH: not a password hash "
        "(make one with: datasette hash-password)"
    )


def test_with_a_password_only_a_logged_in_reader_gets_the_articles(news_db, password_hash):
    env = {"NEWSARCHIVE_PASSWORD_HASH": password_hash}
    with serving("--db", str(news_db), "--host", "0.0.0.0", env=env) as (base, line):
        assert "to reader only" in line
        anonymous = httpx.get(f"{base}/news/articles.json", timeout=10)
        assert anonymous.status_code in (401, 403)
        assert httpx.get(f"{base}/news.json?sql=select+1", timeout=10).status_code in (401, 403)

        with httpx.Client(base_url=base, timeout=10) as client:
            form = client.get("/-/login")
            assert form.status_code == 200
            token = re.search(r'name="csrftoken" value="([^"]+)"', form.text)
            assert token is not None
            wrong = client.post(
                "/-/login",
                data={"username": "reader", "password": "guess", "csrftoken": token[1]},
            )
            assert "Invalid username or password" in wrong.text
            assert client.get("/news/articles.json").status_code == 403
            client.post(
                "/-/login",
                data={"username": "reader", "password": PASSWORD, "csrftoken": token[1]},
            )
            assert "ds_actor" in client.cookies
            articles = client.get("/news/articles.json")
            assert articles.status_code == 200
            assert articles.json()["rows"] == []


def test_a_password_file_works_as_the_environment_does(news_db, password_hash, tmp_path):
    hash_file = tmp_path / "password-hash"
    hash_file.write_text(password_hash + "\n")
    with serving("--db", str(news_db), "--password-file", str(hash_file)) as (base, _):
        assert httpx.get(f"{base}/news/articles.json", timeout=10).status_code == 403


def test_public_serves_without_a_password_and_says_so(news_db):
    with serving("--db", str(news_db), "--host", "0.0.0.0", "--public") as (base, line):
        assert "publicly: no password" in line
        response = httpx.get(f"{base}/news/articles.json", timeout=10)
        assert response.status_code == 200


def test_loopback_serves_without_a_password_as_before(news_db):
    with serving("--db", str(news_db)) as (base, line):
        assert line.endswith("(Ctrl-C to stop)")
        assert httpx.get(f"{base}/news/articles.json", timeout=10).status_code == 200
