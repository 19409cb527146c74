"""Peak memory of one command's process, and of it alone.

``os.wait4`` and ``RUSAGE_CHILDREN`` seen from pytest are no good: Linux records a forked
child's pre-``exec`` memory (a copy of pytest's, hundreds of MB late in a run) as its peak, and
``RUSAGE_CHILDREN`` is the peak of every child waited for. So the command runs as the only
child of a small wrapper, whose ``RUSAGE_CHILDREN`` is then the command's own peak.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

# argv: the file to write the peak (KiB) into, then the command; stdio passes through.
WRAPPER = """
import resource, subprocess, sys
code = subprocess.run(sys.argv[2:]).returncode
open(sys.argv[1], "w").write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))
sys.exit(code)
"""


def measured(command: list[str], peak_file: Path) -> list[str]:
    """``command`` run so that its peak RSS, in KiB, is written into ``peak_file``."""
    return [sys.executable, "-c", WRAPPER, str(peak_file), *command]


def peak_kib(peak_file: Path) -> int:
    return int(peak_file.read_text())
