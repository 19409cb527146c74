"""One crawl or archive run at a time per archive file.

SQLite would serialize two writers safely, but two crawls of the same sites into one archive
double the load on the sites and race on every article; the second run is refused at once
(exit code 4) instead. The lock is an advisory ``flock`` on ``<archive>.lock``, released by the
kernel when the process ends, however it ends, so a crashed run never leaves a stale lock.
"""

from __future__ import annotations

import fcntl
import os
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from crawler.archive.connection import ArchiveLocked

if TYPE_CHECKING:
    from collections.abc import Iterator


@contextmanager
def run_lock(archive_path: Path | str) -> Iterator[Path]:
    lock_path = Path(f"{archive_path}.lock")
    descriptor = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ArchiveLocked(
                f"{archive_path}: the archive is locked by another run (lock file {lock_path})"
            ) from None
        yield lock_path
    finally:
        os.close(descriptor)
