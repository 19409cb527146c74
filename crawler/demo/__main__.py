"""``python -m crawler.demo``: serve the bundled demo site and crawl it twice into the archive.

The site is served on a fixed address (127.0.0.1:8765, or ``--port`` / ``DEMO_PORT``) so that
article URLs, and so identities, stay the same from run to run. It is crawled in its first
state, then in its second (``crawler.demo.states``: one story corrected, one headline
rewritten), each at a fixed instant, so a newcomer sees new versions, what class of change
they are and the correction notice that came with one. A second run reads the feeds and
sitemaps again, finds every article known and not yet due for a check, and archives nothing.

Each crawl runs ``newsarchive crawl`` in a process of its own: Scrapy's reactor runs once per
process, and each crawl needs its own clock (``NEWSARCHIVE_NOW``) anyway.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import quote

import click

from crawler.archive import open_archive
from crawler.archive.changes import changes_after, last_revision_id
from crawler.clock import NOW_VARIABLE
from crawler.demo.server import SiteServer
from crawler.demo.states import DEMO_ROOT, SITE_DIR, STATES, SiteState, layered
from crawler.sites import SitesError, parse_sites, read_toml

DEFAULT_PORT = 8765


@click.command()
@click.option(
    "--port",
    type=int,
    default=lambda: int(os.environ.get("DEMO_PORT", DEFAULT_PORT)),
    show_default=str(DEFAULT_PORT),
    help="Port of the demo site (DEMO_PORT).",
)
@click.option(
    "--db",
    "db_path",
    default="archive.db",
    envvar="NEWSARCHIVE_DB",
    type=click.Path(path_type=Path),
    show_default=True,
)
def main(port: int, db_path: Path) -> None:
    """Serve the demo news site on 127.0.0.1 and crawl its two states into the archive."""
    try:
        server = SiteServer(SITE_DIR, host="127.0.0.1", port=port)
    except OSError as error:
        click.echo(
            f"Error: 127.0.0.1:{port} is not free for the demo site ({error.strerror}); "
            "stop what uses it or pick another port: make demo DEMO_PORT=8766",
            err=True,
        )
        sys.exit(1)
    text = (
        (DEMO_ROOT / "sites.toml").read_text(encoding="utf-8").replace("{{BASE}}", server.base_url)
    )
    try:
        parse_sites(read_toml(text), source=str(DEMO_ROOT / "sites.toml"))
    except SitesError as error:
        click.echo(f"Error: {error}", err=True)
        sys.exit(2)
    click.echo(f"Demo site: {server.base_url}/  ->  archive: {db_path}")
    with server, tempfile.TemporaryDirectory(prefix="newsarchive-demo-") as work:
        sites_file = Path(work) / "sites.toml"
        sites_file.write_text(text, encoding="utf-8")
        mark = None
        for state in STATES:
            server.root = layered(state, Path(work))
            code = crawl_state(state, sites_file, db_path)
            if code != 0:
                sys.exit(code)
            if mark is None:  # what the later states add is what the newcomer is shown
                mark = revision_mark(db_path)
    tell_changes(db_path, mark or 0)


def crawl_state(state: SiteState, sites_file: Path, db_path: Path) -> int:
    """Crawl the site in ``state`` at its instant; echo the summary; the exit code."""
    click.echo(f"\n{state.name.capitalize()} state ({state.now}): {state.story}")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "crawler.cli",
            "crawl",
            "--sites",
            str(sites_file),
            "--db",
            str(db_path),
            "--no-progress",
        ],
        stdout=subprocess.PIPE,
        text=True,
        check=False,
        env={**os.environ, NOW_VARIABLE: state.now},
    )
    for line in result.stdout.splitlines():
        if not line.startswith("Browse it:"):  # said once, at the end
            click.echo(line)
    return result.returncode


def revision_mark(db_path: Path) -> int:
    db = open_archive(db_path)
    try:
        return last_revision_id(db)
    finally:
        db.close()


def tell_changes(db_path: Path, mark: int) -> None:
    """What the later states changed in the archive this run, and how to look at it."""
    db = open_archive(db_path)
    try:
        changes = changes_after(db, mark)
    finally:
        db.close()
    click.echo("")
    if not changes:
        click.echo("No article changed in this run: both states were archived before.")
    else:
        noun = "article" if len(changes) == 1 else "articles"
        click.echo(f"{len(changes)} {noun} changed:")
    for change in changes:
        fields = ", ".join(change["changed_fields"])
        click.echo(
            f"  {change['title']} (version {change['version']}, {change['change_class']}: {fields})"
        )
        for notice in change["corrections"]:
            click.echo(f"    notice: {notice}")
        click.echo(f"    newsarchive history {change['url']} --db {db_path}")
    # The demo's clock is fixed in the past, so its changes are "the last days" as of then.
    # Datasette names the database after the file's stem.
    now = quote(STATES[-1].now, safe=":")
    query = f"http://127.0.0.1:8001/{db_path.stem}/changes?now={now}"
    click.echo(f"Browse it: newsarchive serve --db {db_path} (or make serve), then open")
    click.echo(f"  {query}")


if __name__ == "__main__":
    main()
