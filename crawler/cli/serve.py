"""``newsarchive serve``: the archive, read-only, through Datasette."""

from __future__ import annotations

import errno
from typing import TYPE_CHECKING

import click

from crawler.archive import ArchiveError, open_archive
from crawler.cli.common import DB_OPTION, fail
from crawler.runner import EXIT_FAILED, EXIT_USAGE

if TYPE_CHECKING:
    from pathlib import Path


@click.command()
@DB_OPTION
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on; keep the loopback unless you mean to publish it.",
)
@click.option("--port", default=8001, show_default=True, type=click.IntRange(1, 65535))
def serve(db_path: Path, host: str, port: int) -> None:
    """Serve the archive read-only with Datasette (search, facets, canned queries).

    Example: newsarchive serve --db archive.db --port 8001
    """
    import uvicorn

    from crawler.datasette import build_datasette

    if db_path.is_dir():
        fail(EXIT_USAGE, f"{db_path}: is a directory, not an archive file (give --db FILE)")
    if not db_path.is_file():
        fail(EXIT_FAILED, f"{db_path}: no archive there yet (run newsarchive crawl first)")
    try:
        open_archive(db_path).close()  # migrate an older archive before serving it read-only
    except ArchiveError as error:
        fail(EXIT_FAILED, str(error))
    check_port_free(host, port)
    datasette = build_datasette(db_path)
    click.echo(f"Serving {db_path} at http://{host}:{port}/ (Ctrl-C to stop)")
    uvicorn.run(datasette.app(), host=host, port=port, log_level="warning")


def check_port_free(host: str, port: int) -> None:
    """Exit with one line unless ``host:port`` can be listened on.

    uvicorn reports a taken port only after startup, as a log line and a plain exit: checked
    here first, the command never says it serves when it cannot.
    """
    import socket

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except OSError as error:
        fail(EXIT_USAGE, f"--host {host}: not an address to listen on ({error.strerror})")
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does
        try:
            probe.bind(address)
        except OSError as error:
            why = "already in use" if error.errno == errno.EADDRINUSE else error.strerror
            fail(EXIT_FAILED, f"{host}:{port}: cannot listen there: {why}")
