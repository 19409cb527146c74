"""Scrapy job folders per archive and site: resume after Ctrl-C, start afresh after a crash.

Scrapy's ``JOBDIR`` keeps the scheduler's pending requests and the duplicate filter's
``requests.seen`` so that a stopped crawl resumes where it stopped. Two things make it unsafe
to keep forever: ``requests.seen`` hides every known URL from later revisits (so the folder
is deleted when a run finishes cleanly), and a run killed mid-write leaves a queue that may
not match what the archive holds (so a folder whose run did not stop cleanly is discarded;
the archive and its ``schedule`` table then decide what to fetch). A marker file, written
when a run starts and removed when it stops cleanly, tells the two apart.
"""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path

logger = logging.getLogger(__name__)

MARKER = "newsarchive.running"


def job_dir(archive_path: Path | str, site: str) -> Path:
    """``<db>.jobs/<site>/``: beside the archive, one folder per site."""
    return Path(f"{archive_path}.jobs") / site


def crashed(path: Path) -> bool:
    """Whether the last run in ``path`` ended without stopping cleanly (killed, crashed)."""
    return (path / MARKER).exists()


def begin(path: Path) -> bool:
    """Prepare ``path`` for a run; return True when an interrupted run is being resumed.

    A marker left behind means the previous run ended without stopping cleanly (killed,
    crashed): its folder is discarded rather than trusted.
    """
    resumed = False
    if crashed(path):
        logger.warning("The previous run in %s did not stop cleanly: starting afresh", path)
        shutil.rmtree(path, ignore_errors=True)
    elif path.is_dir() and any(path.iterdir()):
        resumed = True
    path.mkdir(parents=True, exist_ok=True)
    (path / MARKER).write_text(f"{os.getpid()}\n", encoding="utf-8")
    return resumed


def end(path: Path, *, finished: bool) -> None:
    """A finished run deletes its folder; a stopped one keeps it for the next run to resume."""
    if finished:
        shutil.rmtree(path, ignore_errors=True)
        parent = path.parent
        if parent.is_dir() and not any(parent.iterdir()):
            parent.rmdir()
    else:
        (path / MARKER).unlink(missing_ok=True)
