"""Running the crawl benchmark's processes: the site's server, and each row as a measured child.

Each row runs as the only child of a small wrapper whose ``RUSAGE_CHILDREN`` is then that
row's own: peak RSS, and user + system CPU seconds (``os.wait4`` from the benchmark would
count the forked child's pre-``exec`` memory; see ``tests/peak_rss.py``). CPU seconds over
wall seconds is how busy the crawling process was; the rest of the wall time it sat idle
waiting on the network, timers or the server with requests pending.

A crawl with ``ARCHIVE_EXTRACT_WORKERS`` extracts in processes of a ``multiprocessing`` fork
server, which the crawl never waits for: it is orphaned when the crawl exits, and its CPU
time (its workers', reaped by it) would count nowhere. On Linux the wrapper is therefore a
child subreaper (``prctl(PR_SET_CHILD_SUBREAPER)``): orphaned descendants become its
children, and it waits for them (at most ``ORPHAN_WAIT`` seconds) after the row's command
has ended, so their CPU time is the row's too. The wall time is the command's alone, and the
peak RSS stays that of the largest single process (``ru_maxrss`` is a maximum, not a sum).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pathlib import Path

ORPHAN_WAIT = 10.0  # seconds the wrapper waits for orphaned descendants (worker processes)
# argv: the file to write {peak_kib, cpu_seconds, wall_seconds} into, then the command; stdio
# passes through.
WRAPPER = f"""
import ctypes, json, os, resource, subprocess, sys, time
if sys.platform == "linux":
    ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
started = time.perf_counter()
code = subprocess.run(sys.argv[2:]).returncode
wall = time.perf_counter() - started
deadline = time.monotonic() + {ORPHAN_WAIT}
while time.monotonic() < deadline:
    try:
        if os.waitpid(-1, os.WNOHANG) == (0, 0):
            time.sleep(0.05)
    except ChildProcessError:
        break
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
json.dump({{"peak_kib": usage.ru_maxrss, "cpu_seconds": usage.ru_utime + usage.ru_stime,
           "wall_seconds": wall}}, open(sys.argv[1], "w"))
sys.exit(code)
"""


@dataclass(frozen=True)
class Measured:
    """One process's wall time, CPU time, peak RSS and exit code."""

    wall: float
    cpu: float
    peak_mib: float
    returncode: int


def run_measured(
    command: list[str], usage_file: Path, env: dict[str, str] | None = None
) -> Measured:
    """Run ``command`` to the end; its output goes to ``usage_file``'s ``.log`` sibling."""
    log = usage_file.with_suffix(".log")
    with log.open("wb") as out:
        done = subprocess.run(
            [sys.executable, "-c", WRAPPER, str(usage_file), *command],
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, **(env or {})},
            check=False,
        )
    usage = json.loads(usage_file.read_text(encoding="utf-8"))
    return Measured(
        usage["wall_seconds"], usage["cpu_seconds"], usage["peak_kib"] / 1024, done.returncode
    )


def free_port(host: str) -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


class SiteProcess:
    """``bench.crawl_server`` serving ``root`` on ``host``, in a process of its own."""

    def __init__(self, root: Path, host: str = "127.0.0.1") -> None:
        self.root = root
        self.host = host
        self.port = free_port(host)
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def base(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self, timeout: float = 20.0) -> SiteProcess:
        command = [sys.executable, "-m", "bench.crawl_server", str(self.root)]
        command += ["--host", self.host, "--port", str(self.port)]
        self.process = subprocess.Popen(command)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                self.counts()
                return self
            except OSError:
                if self.process.poll() is not None:
                    raise RuntimeError(f"the benchmark server exited: {command}") from None
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"the benchmark server did not answer in {timeout:g} s")

    def counts(self) -> dict[str, int]:
        """Answers so far, keyed ``"<status> <kind>"`` (see ``bench.crawl_server``)."""
        with urllib.request.urlopen(f"{self.base}/__counts", timeout=5) as answer:
            counts: dict[str, int] = json.load(answer)
        return counts

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


def counts_since(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    """What the server answered between two ``counts()``."""
    return {
        key: after[key] - before.get(key, 0) for key in after if after[key] - before.get(key, 0)
    }


def read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
