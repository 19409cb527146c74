"""Scrapyd: deploy with scrapyd-deploy, schedule over HTTP, find the articles in the archive.

A real ``scrapyd`` runs on a free loopback port with its own configuration and folders, and the
project is deployed from a copy of the checkout exactly as the README says (``scrapyd-deploy``
with a target in the user's ``scrapy.cfg``): scrapyd-deploy writes ``setup.py``, ``build/`` and
an egg-info folder next to ``scrapy.cfg``, which must neither land in this checkout nor be
picked up by git in a user's. Scrapyd starts one process per job and keeps no exit code; ours
are recorded in ``crawls`` and said in Scrapyd's own log (``Process died: exitstatus=4``).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest

from tests.conftest import ROOT
from tests.test_crawl import EXPECTED_ARTICLES, rows
from tests.test_datasette import free_port
from tests.test_faults import wait_for

if TYPE_CHECKING:
    from collections.abc import Iterator

    from tests.conftest import FixtureSites

pytest.importorskip("scrapyd", reason="scrapyd is not installed (pip install -e '.[test]')")
pytest.importorskip("scrapyd_client", reason="scrapyd-client is not installed")

pytestmark = pytest.mark.slow  # about 20 s: a real scrapyd, an egg build, three Scrapy processes

PROJECT = "newsarchive"
# What a checkout holds that building the egg reads (the rest is tests, docs and tools).
PROJECT_FILES = ("scrapy.cfg", "pyproject.toml", "README.md", ".gitignore")
PROJECT_PACKAGES = ("crawler", "spiders", "pipelines")
JOB_TIMEOUT = 90
SCRAPYD_CONF = """\
[scrapyd]
bind_address = 127.0.0.1
http_port = {port}
eggs_dir = {home}/eggs
logs_dir = {home}/logs
dbs_dir = {home}/dbs
items_dir =
jobs_to_keep = 5
max_proc = 2
poll_interval = 0.2
"""


@dataclass
class Scrapyd:
    """A running scrapyd with the project deployed to it."""

    url: str
    home: Path
    log: Path
    deploy: subprocess.CompletedProcess[str]
    checkout: Path
    untracked_before_deploy: list[str]

    def get(self, endpoint: str, **params: str) -> dict:
        response = httpx.get(f"{self.url}/{endpoint}", params=params, timeout=10)
        response.raise_for_status()
        return response.json()

    def schedule(self, sites: FixtureSites, db: Path, *settings: str) -> str:
        """``schedule.json`` of site ``wp`` as the README's curl line sends it; the job's id."""
        response = httpx.post(
            f"{self.url}/schedule.json",
            data={
                "project": PROJECT,
                "spider": "news",
                "site": "wp",
                "setting": [
                    f"ARCHIVE_SITES={sites.sites_file}",
                    f"ARCHIVE_PATH={db}",
                    "CLOSESPIDER_TIMEOUT=60",
                    *settings,
                ],
            },
            timeout=10,
        )
        response.raise_for_status()
        answer = response.json()
        assert answer["status"] == "ok", answer
        return str(answer["jobid"])

    def state(self, job: str) -> str:
        jobs = self.get("listjobs.json", project=PROJECT)
        return next(
            (state for state in ("pending", "running", "finished") if job in ids(jobs[state])),
            "unknown",
        )

    def wait_finished(self, *jobs: str) -> None:
        wait_for(lambda: all(self.state(job) == "finished" for job in jobs), timeout=JOB_TIMEOUT)

    def ended(self, job: str) -> str:
        """Scrapyd's log line on the end of ``job``: its only word on the exit code."""
        (line,) = (
            line
            for line in self.log.read_text().splitlines()
            if f"job={job!r}" in line and ("Process finished:" in line or "Process died:" in line)
        )
        return line

    def job_log(self, job: str) -> str:
        return (self.home / "logs" / PROJECT / "news" / f"{job}.log").read_text(encoding="utf-8")


def ids(jobs: list[dict]) -> set[str]:
    return {job["id"] for job in jobs}


def answers(url: str) -> bool:
    try:
        return httpx.get(f"{url}/daemonstatus.json", timeout=2).json()["status"] == "ok"
    except httpx.TransportError:
        return False


def untracked(checkout: Path) -> list[str]:
    """What ``git add -A`` would pick up in ``checkout``: files neither tracked nor ignored."""
    result = subprocess.run(
        ["git", "-C", str(checkout), "ls-files", "--others", "--exclude-standard"],
        capture_output=True,
        check=True,
        text=True,
    )
    return sorted(result.stdout.splitlines())


def copy_checkout(checkout: Path) -> None:
    """The project's sources in a fresh git repository, as a user's clone has them."""
    checkout.mkdir()
    for name in PROJECT_FILES:
        shutil.copy2(ROOT / name, checkout / name)
    for package in PROJECT_PACKAGES:
        shutil.copytree(
            ROOT / package, checkout / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    subprocess.run(["git", "init", "--quiet", str(checkout)], check=True)


@pytest.fixture(scope="module")
def scrapyd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scrapyd]:
    """A scrapyd on its own port and folders, the project deployed; killed at teardown."""
    tmp = tmp_path_factory.mktemp("scrapyd")
    home, checkout, config = tmp / "home", tmp / "checkout", tmp / "config"
    home.mkdir()
    config.mkdir()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    (home / "scrapyd.conf").write_text(SCRAPYD_CONF.format(port=port, home=home))
    log = tmp / "scrapyd.log"
    bin_dir = Path(sys.executable).parent  # the scripts of this environment, as a user runs them
    with log.open("w") as out:
        # scrapyd reads scrapyd.conf from the folder it starts in.
        daemon = subprocess.Popen(
            [bin_dir / "scrapyd"], cwd=home, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        wait_for(lambda: answers(url) or daemon.poll() is not None)
        assert daemon.poll() is None, log.read_text()

        copy_checkout(checkout)
        before = untracked(checkout)
        # A deploy target of the user's own (~/.config/scrapy.cfg), named on the command line.
        (config / "scrapy.cfg").write_text(f"[deploy:test]\nurl = {url}/\n")
        deploy = subprocess.run(
            [bin_dir / "scrapyd-deploy", "test"],
            cwd=checkout,
            env={**os.environ, "XDG_CONFIG_HOME": str(config)},
            capture_output=True,
            check=False,
            text=True,
            timeout=120,
        )
        yield Scrapyd(url, home, log, deploy, checkout, before)
    finally:
        daemon.send_signal(signal.SIGTERM)  # twistd stops its jobs and itself
        try:
            daemon.wait(timeout=15)
        except subprocess.TimeoutExpired:
            daemon.kill()
            daemon.wait()


def test_scrapyd_deploy_uploads_the_project_and_leaves_nothing_for_git(scrapyd):
    assert scrapyd.deploy.returncode == 0, scrapyd.deploy.stdout + scrapyd.deploy.stderr
    assert '"status": "ok"' in scrapyd.deploy.stdout
    assert scrapyd.get("listspiders.json", project=PROJECT)["spiders"] == ["news", "urls"]
    (egg,) = (scrapyd.home / "eggs" / PROJECT).glob("*.egg")
    with zipfile.ZipFile(egg) as archive:
        names = set(archive.namelist())
        entry_points = archive.read("EGG-INFO/entry_points.txt").decode()
    # The egg, not this checkout, is what a Scrapyd on another machine imports.
    assert {"crawler/settings.py", "spiders/news.py", "pipelines/store.py"} <= names
    assert "[scrapy]\nsettings = crawler.settings" in entry_points
    assert not any(name.startswith(("tests/", "crawler/demo/site/")) for name in names)
    # setup.py, build/ and the egg-info folder are written, and ignored.
    assert (scrapyd.checkout / "setup.py").is_file()
    assert sorted(set(untracked(scrapyd.checkout)) - set(scrapyd.untracked_before_deploy)) == []


def test_a_scheduled_job_archives_the_site_and_records_exit_code_0(
    scrapyd, fixture_sites, archive_path
):
    job = scrapyd.schedule(fixture_sites, archive_path)
    scrapyd.wait_finished(job)

    log = scrapyd.job_log(job)
    assert "Spider closed (finished)" in log, log
    counts = rows(archive_path, "select site, count(*) from articles group by site")
    assert counts == [("wp", EXPECTED_ARTICLES["wp"])], log
    assert rows(archive_path, "select site, finish_reason, exit_code from crawls") == [
        ("wp", "finished", 0)
    ]
    assert "Process finished:" in scrapyd.ended(job)  # what Scrapyd says of exit code 0


def test_a_job_overlapping_a_running_one_exits_4_and_leaves_the_archive_to_it(
    scrapyd, fixture_sites, archive_path
):
    wp = fixture_sites.servers["wp"]
    wp.delays["/feed.xml"] = 5.0  # the first job holds the archive while it waits for its feed
    # (AutoThrottle would slow the rest of its crawl to that pace)
    first = scrapyd.schedule(fixture_sites, archive_path, "AUTOTHROTTLE_ENABLED=False")
    wait_for(lambda: wp.hits("/robots.txt") > 0, timeout=JOB_TIMEOUT)  # it holds the lock

    second = scrapyd.schedule(fixture_sites, archive_path)
    scrapyd.wait_finished(second)
    assert scrapyd.state(first) == "running"  # the two overlapped
    scrapyd.wait_finished(first)

    assert "locked by another run" in scrapyd.job_log(second)
    assert "Spider closed (archive_locked)" in scrapyd.job_log(second)
    assert "Process died: exitstatus=4" in scrapyd.ended(second)
    assert "Process finished:" in scrapyd.ended(first)
    assert rows(archive_path, "select site, finish_reason, exit_code from crawls") == [
        ("wp", "finished", 0)
    ]
    assert rows(archive_path, "select count(*) from articles") == [(EXPECTED_ARTICLES["wp"],)]
