"""``python -m crawler.demo``: serve the bundled demo site and crawl it into the archive.

The site is served on a fixed address (127.0.0.1:8765, or ``--port`` / ``DEMO_PORT``) so that
article URLs, and so identities, stay the same from run to run: a second run reads the feeds
and sitemaps again, finds every article known and not yet due for a check, and archives
nothing new.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from crawler.cli import crawl_sites, settings_for
from crawler.demo.server import SiteServer
from crawler.sites import SitesError, parse_sites, read_toml

DEMO_ROOT = Path(__file__).parent
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
    """Serve the demo news site on 127.0.0.1 and crawl it into the archive."""
    try:
        server = SiteServer(DEMO_ROOT / "site", host="127.0.0.1", port=port)
    except OSError as error:
        click.echo(
            f"Error: 127.0.0.1:{port} is not free for the demo site ({error.strerror}); "
            "stop what uses it or pick another port: make demo DEMO_PORT=8766",
            err=True,
        )
        sys.exit(1)
    text = (DEMO_ROOT / "sites.toml").read_text(encoding="utf-8")
    try:
        sites = parse_sites(
            read_toml(text.replace("{{BASE}}", server.base_url)),
            source=str(DEMO_ROOT / "sites.toml"),
        )
    except SitesError as error:
        click.echo(f"Error: {error}", err=True)
        sys.exit(2)
    click.echo(f"Demo site: {server.base_url}/  ->  archive: {db_path}")
    with server:
        code = crawl_sites(
            list(sites.values()),
            db_path,
            settings_for(db_path, DEMO_ROOT / "sites.toml", (), False),
        )
    sys.exit(code)


if __name__ == "__main__":
    main()
