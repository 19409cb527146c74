"""Live progress of ``newsarchive crawl``: on a real pseudo-terminal, and never in a pipe.

The crawl runs in its own process with stderr on the slave side of a pty 80 columns wide, as a
person's terminal; what it wrote there is read back from the master side and checked as a
person would read it: the site, its pages, the rate, lines that fit, and Ctrl-C's message left
where it was written.
"""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from typing import TYPE_CHECKING

from crawler.extensions.interrupt import MESSAGE
from tests.conftest import run_cli
from tests.test_faults import slow_blog_sites

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

COLUMNS, ROWS = 80, 24
STYLE = re.compile(r"\x1b\[[0-9;]*m")
CURSOR = re.compile(r"\r?\x1b\[(\d+)A\x1b\[J")
SUMMARY = "blog: 6 new, 0 changed, 0 unchanged, 4 skipped as non-articles, 0 dropped, 0 errors"


def crawl_on_a_terminal(
    sites: Path,
    db: Path,
    *options: str,
    interrupt_when: Callable[[bytes], bool] | None = None,
    rows: int = ROWS,
) -> tuple[int, str, str]:
    """Run the crawl with stderr on a pty: (exit code, stdout, what the terminal received).

    With ``interrupt_when``, SIGINT is sent once it holds for what the terminal received.
    """
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, COLUMNS, 0, 0))
    args = ["crawl", "--sites", str(sites), "--db", str(db), *options]
    crawl = subprocess.Popen(
        [sys.executable, "-m", "crawler.cli", *args],
        stdout=subprocess.PIPE,
        stderr=slave,
        env={**os.environ, "TERM": "xterm-256color", "COLUMNS": "", "LINES": ""},
    )
    os.close(slave)
    received = b""
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline:
            if interrupt_when is not None and interrupt_when(received):
                crawl.send_signal(signal.SIGINT)
                interrupt_when = None
            ready, _, _ = select.select([master], [], [], 0.1)
            if not ready:
                continue
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: every holder of the slave side has closed it
                break
            if not chunk:
                break
            received += chunk
        stdout, _ = crawl.communicate(timeout=30)
    finally:
        os.close(master)
    return crawl.returncode, stdout.decode(), received.decode()


def test_a_terminal_shows_live_progress_that_fits_80_columns(fixture_sites, tmp_path):
    sites = slow_blog_sites(fixture_sites, tmp_path, delay=0.2)  # about 3 s: several frames
    code, stdout, terminal = crawl_on_a_terminal(sites, tmp_path / "archive.db")

    assert code == 0, stdout + terminal
    text = STYLE.sub("", terminal).replace("\r\n", "\n")
    frames = [frame for frame in CURSOR.split(text)[::2] if frame]
    assert len(frames) >= 3
    header = r"^site +pages +new +changed +unchanged +not due +errors +pages/s$"
    assert all(re.search(header, frame, re.MULTILINE) for frame in frames), frames
    rows = [re.search(r"^blog +(\d+) +(\d+) .* (\S+)$", frame, re.MULTILINE) for frame in frames]
    assert all(rows)
    pages = [int(row[1]) for row in rows if row]
    assert pages == sorted(pages)
    assert pages[-1] > pages[0]  # it moved while the crawl ran
    assert any(re.fullmatch(r"\d+\.\d", row[3]) for row in rows if row)  # a rate in pages/s
    assert all(len(line) <= COLUMNS for line in CURSOR.sub("", text).splitlines())
    # The last frame is erased at the end; the summary on stdout is the usual one.
    frame_lines = frames[-1].count("\n")
    assert text.endswith(f"\x1b[{frame_lines}A\x1b[J")
    assert stdout.splitlines()[0] == SUMMARY


def test_a_short_terminal_shows_what_fits_and_counts_the_rest(fixture_sites, tmp_path):
    sites = tmp_path / "slow.toml"
    sites.write_text(
        fixture_sites.sites_file.read_text().replace("download_delay = 0", "download_delay = 0.2")
    )
    code, stdout, terminal = crawl_on_a_terminal(sites, tmp_path / "archive.db", rows=6)

    assert code == 0, stdout + terminal
    text = STYLE.sub("", terminal).replace("\r\n", "\n")
    frames = [frame for frame in CURSOR.split(text)[::2] if frame]
    assert frames
    assert all(frame.count("\n") <= 6 - 1 for frame in frames)  # title, header, 2 sites, +1
    assert all(re.search(r"^\+ 1 more site *$", frame, re.MULTILINE) for frame in frames)
    assert len(stdout.splitlines()) == 5  # three sites, the total, where to browse


def test_no_progress_keeps_a_terminal_quiet(fixture_sites, tmp_path):
    sites = slow_blog_sites(fixture_sites, tmp_path, delay=0)
    code, stdout, terminal = crawl_on_a_terminal(sites, tmp_path / "archive.db", "--no-progress")
    assert code == 0, stdout + terminal
    assert terminal == ""
    assert stdout.splitlines()[0] == SUMMARY


def test_a_pipe_gets_no_progress_unless_asked(fixture_sites, tmp_path):
    sites = slow_blog_sites(fixture_sites, tmp_path, delay=0)
    args = ("crawl", "--sites", str(sites))
    quiet = run_cli(*args, "--db", str(tmp_path / "quiet.db"))
    assert quiet.returncode == 0, quiet.stderr
    assert quiet.stderr == ""
    assert quiet.stdout.splitlines()[0] == SUMMARY

    # Slow enough to outlast the display's first redraw (half a second in).
    forced = run_cli(
        *args, "--db", str(tmp_path / "forced.db"), "--progress", "-s", "DOWNLOAD_DELAY=0.2"
    )
    assert forced.returncode == 0, forced.stderr
    assert "pages/s" in STYLE.sub("", forced.stderr)
    assert forced.stdout == quiet.stdout.replace("quiet.db", "forced.db").replace(
        re.search(r"seconds: \S+", quiet.stdout)[0],  # type: ignore[index]
        re.search(r"seconds: \S+", forced.stdout)[0],  # type: ignore[index]
    )


def test_ctrl_c_message_is_never_drawn_over(fixture_sites, tmp_path):
    sites = slow_blog_sites(fixture_sites, tmp_path, delay=0.2)
    blog = fixture_sites.servers["blog"]
    for post in (fixture_sites.root / "blog" / "posts").iterdir():
        blog.delays[f"/posts/{post.name}/"] = 2.0  # pages stay in flight after Ctrl-C
    first_post: list[float] = []

    def posts_in_flight(received: bytes) -> bool:
        """0.8 s after the first post was answered, the next (0.2 s later) is 1.4 s from done.

        The server logs a hit when it answers, so the time since then says what is in flight.
        """
        if not first_post and any(hit.path.startswith("/posts/") for hit in blog.requests):
            first_post.append(time.monotonic())
        return bool(first_post) and time.monotonic() - first_post[0] > 0.8

    code, stdout, terminal = crawl_on_a_terminal(
        sites, tmp_path / "archive.db", interrupt_when=posts_in_flight
    )
    terminal = terminal.replace("\r\n", "\n")

    assert code in (1, 3), stdout + terminal  # stopped early: failed or partly done
    assert MESSAGE in terminal
    after = terminal[terminal.index(MESSAGE) + len(MESSAGE) :]
    # Each redraw after the message moves up over lines drawn after it, never over it.
    written = 0
    for piece in re.split(r"(\x1b\[\d+A)", after):
        up = re.fullmatch(r"\x1b\[(\d+)A", piece)
        if up:
            assert int(up[1]) <= written
            written -= int(up[1])
        else:
            written += piece.count("\n")
    assert "pages/s" in after  # the display went on below the message
    assert stdout.startswith("blog: ")
