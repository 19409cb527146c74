"""An export's output: stdout, or a file that appears under its name only once it is whole.

Written by hand (a temporary file in the same folder, then ``os.replace``) because the one
library for it, ``atomicwrites``, is no longer maintained, and the whole job is a dozen lines.
The same folder matters: a rename is atomic only within one file system. A failed export (a
full disk, an archive error, Ctrl-C) deletes its temporary file and leaves any earlier ``OUT``
as it was.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterator

STDOUT = "-"


class OutputError(OSError):
    """``OUT`` cannot be written; the message is one line naming it."""


@contextmanager
def output_file(out: str, *, binary: bool = False) -> Iterator[IO[Any]]:
    """A stream for ``out`` (``-``: stdout); the file is renamed into place on success."""
    if out == STDOUT:
        stream: IO[Any] = sys.stdout.buffer if binary else sys.stdout
        yield stream
        stream.flush()
        return
    path = Path(out)
    if path.is_dir():
        raise OutputError(f"{out}: is a directory; give the file's name")
    if not path.parent.is_dir():
        raise OutputError(f"{out}: the folder {path.parent} does not exist")
    try:
        handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 (closed below, then renamed)
            mode="wb" if binary else "w",
            encoding=None if binary else "utf-8",
            newline=None if binary else "",
            dir=path.parent,
            prefix=f".{path.name}.",
            suffix=".tmp",
            delete=False,
        )
    except OSError as error:
        raise OutputError(f"{out}: cannot write there: {error.strerror}") from error
    temporary = Path(handle.name)
    try:
        with handle:
            yield handle
        # mkstemp makes the file private (0600); an export is an ordinary file (umask decides).
        temporary.chmod(0o666 & ~_umask())
        temporary.replace(path)
    except BaseException:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
