"""What the benchmark commands share: their options, the data check, and the run over sets.

Both benchmarks take the same options (``--set``, ``--limit``, ``--json``, ``--samples``),
refuse to start when a chosen set's data is missing (exit 2, naming the folder), print each
set's tables as soon as it is scored, and write every result to ``--json`` at the end.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench.data import available, set_dir
from bench.scoring import BOOTSTRAP_SAMPLES

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping


def parser_for(
    prog: str, description: str | None, sets: Mapping[str, str]
) -> argparse.ArgumentParser:
    """An argument parser with the options every benchmark takes."""
    parser = argparse.ArgumentParser(
        prog=prog, description=description, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--set", choices=[*sets, "all"], default="all", help="which data set (default: all)"
    )
    parser.add_argument("--limit", type=int, help="score only the first N pages (by id) of each")
    parser.add_argument("--json", type=Path, help="also write the results as JSON to this path")
    parser.add_argument(
        "--samples", type=int, default=BOOTSTRAP_SAMPLES, help="bootstrap resamples (± and paired)"
    )
    return parser


def chosen_sets(choice: str, sets: Mapping[str, str]) -> list[str] | None:
    """The data sets ``--set`` names, or ``None`` (after saying which folder) if one is missing."""
    chosen = list(sets.values()) if choice == "all" else [sets[choice]]
    missing = [name for name in chosen if not available(name)]
    if missing:
        print(f"data not found: {', '.join(str(set_dir(m)) for m in missing)}", file=sys.stderr)
        return None
    return chosen


def run_sets(
    chosen: list[str],
    score_set: Callable[[str], dict[str, Any]],
    format_set: Callable[[dict[str, Any]], str],
    args: argparse.Namespace,
) -> int:
    """Score and print each set in turn, then write them all to ``--json``."""
    results = []
    for name in chosen:
        result = score_set(name)
        print(format_set(result), flush=True)
        for error in result["errors"]:
            print(f"error in {error}", file=sys.stderr)
        results.append(result)
    if args.json:
        args.json.write_text(
            json.dumps({"samples": args.samples, "sets": results}, indent=2, default=str) + "\n",
            encoding="utf-8",
        )
    return 0
