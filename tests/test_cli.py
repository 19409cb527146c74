"""The ``newsarchive`` command as a user meets it: one-off archiving, errors, exit codes, help."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest

from crawler.archive.lock import run_lock
from crawler.cli import cli
from tests.conftest import ROOT, SEED_PATH, run_cli

ARTICLE = "/posts/tomatoes-again/"


def test_archive_prints_one_line_per_url_and_exits_partly_done(fixture_sites, archive_path):
    blog = fixture_sites.servers["blog"]
    good, missing, feed = (
        blog.url(ARTICLE),
        blog.url("/posts/nothing-here/"),
        blog.url("/robots.txt"),
    )
    result = run_cli(
        "archive",
        good,
        missing,
        feed,
        "--db",
        str(archive_path),
        "--sites",
        str(fixture_sites.sites_file),
    )
    lines = result.stdout.splitlines()
    assert result.returncode == 3, result.stderr
    assert len(lines) == 3
    assert lines[0].startswith(f"archived  {good} (new, article 1, version 1)")
    assert lines[1] == f"error     {missing}: HTTP 404"
    assert lines[2].startswith(f"error     {feed}: not an HTML page")
    with sqlite3.connect(archive_path) as conn:
        assert conn.execute("select site, url from articles").fetchall() == [("blog", good)]

    again = run_cli("archive", good, "--db", str(archive_path))
    assert again.returncode == 0
    assert again.stdout.strip() == f"unchanged {good} (article 1)"


def test_archive_names_unconfigured_sites_after_their_host(fixture_sites, archive_path):
    url = fixture_sites.servers["wp"].url(SEED_PATH)
    result = run_cli("archive", url, "--db", str(archive_path), "--sites", "absent.toml")
    assert result.returncode == 0, result.stderr
    with sqlite3.connect(archive_path) as conn:
        assert conn.execute("select site, site_name from articles").fetchall() == [
            ("127.0.0.1", "The Jewish Link")
        ]


def test_archive_rejects_a_non_http_url(archive_path):
    result = run_cli("archive", "file:///etc/hostname", "--db", str(archive_path))
    assert result.returncode == 2
    assert result.stderr.strip() == "Error: 'file:///etc/hostname': not an http(s) URL"
    assert not archive_path.exists()


def test_crawl_of_unknown_site_is_a_usage_error(fixture_sites, archive_path):
    result = run_cli(
        "crawl", "nosuchsite", "--sites", str(fixture_sites.sites_file), "--db", str(archive_path)
    )
    assert result.returncode == 2
    assert "no site 'nosuchsite' (known: blog, paper, wp)" in result.stderr


def test_bad_sites_file_is_one_clear_line_and_archive_untouched(tmp_path, archive_path):
    sites = tmp_path / "sites.toml"
    sites.write_text('[sites.example]\nfeeds = ["https://example.com/feed"]\nalow = ["x"]\n')
    archive_path.write_bytes(b"")
    result = run_cli("crawl", "--sites", str(sites), "--db", str(archive_path))
    assert result.returncode == 2
    assert result.stderr.strip() == f"Error: {sites}: site 'example': unknown key 'alow'"
    assert archive_path.read_bytes() == b""


def test_crawl_into_an_unusable_archive_fails_before_any_request(fixture_sites, tmp_path):
    not_a_db = tmp_path / "notes.db"
    not_a_db.write_text("these are my notes, not an archive\n" * 50)
    result = run_cli("crawl", "--sites", str(fixture_sites.sites_file), "--db", str(not_a_db))
    assert result.returncode == 1
    assert "not a newsarchive SQLite archive" in result.stderr
    assert sum(len(server.requests) for server in fixture_sites.servers.values()) == 0
    assert not_a_db.read_text().startswith("these are my notes")


def test_crawl_while_another_run_holds_the_archive_exits_4(fixture_sites, archive_path):
    with run_lock(archive_path):
        result = run_cli(
            "crawl", "--sites", str(fixture_sites.sites_file), "--db", str(archive_path)
        )
    assert result.returncode == 4
    assert "locked by another run" in result.stderr
    assert sum(len(server.requests) for server in fixture_sites.servers.values()) == 0


def test_crawl_of_an_unreachable_site_exits_failed(tmp_path, archive_path):
    sites = tmp_path / "sites.toml"
    sites.write_text(
        '[defaults]\ndownload_delay = 0\n[sites.gone]\nfeeds = ["http://127.0.0.1:9/feed.xml"]\n'
    )
    result = run_cli(
        "crawl", "--sites", str(sites), "--db", str(archive_path), "-s", "RETRY_TIMES=0"
    )
    assert result.returncode == 1
    assert "gone: 0 new" in result.stdout


def test_db_and_sites_default_from_environment(fixture_sites, tmp_path):
    db = tmp_path / "from-env.db"
    result = run_cli(
        "crawl",
        "blog",
        cwd=tmp_path,
        env={"NEWSARCHIVE_DB": str(db), "NEWSARCHIVE_SITES": str(fixture_sites.sites_file)},
    )
    assert result.returncode == 0, result.stderr
    with sqlite3.connect(db) as conn:
        assert conn.execute("select count(*) from articles").fetchone() == (6,)


@pytest.mark.parametrize("command", sorted(cli.commands))
def test_every_command_has_help_with_an_example_and_is_in_the_readme(command):
    result = run_cli(command, "--help")
    assert result.returncode == 0
    assert re.search(rf"Example: newsarchive {command}\b", result.stdout)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"newsarchive {command}" in readme


def test_readme_quick_start_is_the_two_make_targets():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "make demo" in readme
    assert "make test" in readme
    assert re.search(r"^demo:", makefile, re.MULTILINE)
    assert re.search(r"^test:", makefile, re.MULTILINE)
    assert "make test" in Path(ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_a_stage_failing_on_one_article_makes_the_crawl_partly_done(fixture_sites, archive_path):
    pipelines = (
        '{"tests.failing_stage.FailOnTomatoesPipeline": 150,'
        '"pipelines.boilerplate.StripBoilerplatePipeline": 100,'
        '"pipelines.normalize.NormalizeFieldsPipeline": 200,'
        '"pipelines.validate.ValidateArticlePipeline": 300,'
        '"pipelines.dedupe.DeduplicateArticlePipeline": 400,'
        '"pipelines.store.StoreArticlePipeline": 500}'
    )
    result = run_cli(
        "crawl",
        "blog",
        "--sites",
        str(fixture_sites.sites_file),
        "--db",
        str(archive_path),
        "-s",
        f"ITEM_PIPELINES={pipelines}",
    )
    assert result.returncode == 3, result.stdout + result.stderr
    assert "blog: 5 new, 0 changed, 0 unchanged" in result.stdout
    assert "errors: 1;" in result.stdout
    assert "a bug in a stage" in result.stderr
    with sqlite3.connect(archive_path) as conn:
        assert conn.execute(
            "select count(*), sum(errors), max(exit_code) from crawls"
        ).fetchone() == (1, 1, 3)
