"""The README checked against the code: the reliability table names tests that exist, one row
per fault of the matrix; the Quick start shows what the demo prints."""

from __future__ import annotations

import re

import pytest

from tests.conftest import ROOT, run_cli

TESTS = ROOT / "tests"


def reliability_section() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    return readme.split("\n## Reliability\n", 1)[1].split("\n## ", 1)[0]


def test_every_test_the_reliability_table_names_exists():
    section = reliability_section()
    defined = "\n".join(path.read_text(encoding="utf-8") for path in TESTS.glob("test_*.py"))
    files = set(re.findall(r"\b(test_\w+\.py)\b", section))
    names = set(re.findall(r"::(test_\w+)", section))
    assert files
    assert names
    assert sorted(f for f in files if not (TESTS / f).is_file()) == []
    assert sorted(n for n in names if f"def {n}(" not in defined) == []


def test_the_reliability_table_has_a_row_for_each_of_the_thirty_faults():
    rows = re.findall(r"^\| (\d+) \|", reliability_section(), re.MULTILINE)
    assert [int(row) for row in rows] == list(range(1, 31))


def demo_output_block() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    quick_start = readme.split("\n## Quick start\n", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"^```\n(Demo site:.*?)^```$", quick_start, re.MULTILINE | re.DOTALL)
    assert block, "the Quick start shows the demo's output"
    return block.group(1)


def without_timings(text: str) -> str:
    return re.sub(r"seconds: \d+(\.\d+)?", "seconds: N", text).strip()


@pytest.mark.slow
def test_the_readme_shows_what_the_demo_prints(tmp_path):
    """The demo output block is what ``make demo`` prints today, but for its timings."""
    from tests.test_demo import free_port, run_demo

    port = free_port()
    result = run_demo(port, "archive.db", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    printed = result.stdout.replace(f"127.0.0.1:{port}", "127.0.0.1:8765")
    assert without_timings(printed) == without_timings(demo_output_block())

    # The history example is the demo's corrected story, as the command prints it.
    url = f"http://127.0.0.1:{port}/2026/11/20/harbor-bridge-reopens/"
    history = run_cli("history", url, "--context", "0", "--db", str(tmp_path / "archive.db"))
    assert history.returncode == 0, history.stderr
    assert history.stdout.replace(f"127.0.0.1:{port}", "127.0.0.1:8765") == history_block()


def history_block() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"^```\n(Article \d+: .*?)^```$", readme, re.MULTILINE | re.DOTALL)
    assert block, "the README shows what newsarchive history prints"
    return block.group(1)
