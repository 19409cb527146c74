"""``newsarchive serve``: the archive, read-only, through Datasette.

On the loopback only this machine can reach it. On any other address it refuses to start
unless it is given a password (checked by datasette-auth-passwords) or told ``--public``: an
archive served to a network by mistake would let anyone run read-only SQL over all of it.
"""

from __future__ import annotations

import errno
import ipaddress
import os
from pathlib import Path

import click

from crawler.archive import ArchiveError, open_archive
from crawler.cli.common import DB_OPTION, fail
from crawler.runner import EXIT_FAILED, EXIT_USAGE

PASSWORD_HASH_ENV = "NEWSARCHIVE_PASSWORD_HASH"  # noqa: S105 (a variable name, not a secret)
HASH_HINT = "make one with: datasette hash-password"


@click.command()
@DB_OPTION
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on; keep the loopback unless you mean to publish it.",
)
@click.option("--port", default=8001, show_default=True, type=click.IntRange(1, 65535))
@click.option(
    "--password-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help=f"A file holding the password hash ({HASH_HINT}); or set {PASSWORD_HASH_ENV}.",
)
@click.option(
    "--user",
    default="reader",
    show_default=True,
    help="The user name to log in with at /-/login, with a password.",
)
@click.option(
    "--public",
    is_flag=True,
    help="Serve a non-loopback address without a password: anyone who reaches it reads all.",
)
def serve(
    db_path: Path, host: str, port: int, password_file: Path | None, user: str, public: bool
) -> None:
    """Serve the archive read-only with Datasette (search, facets, canned queries).

    On an address other than the loopback, give a password hash (--password-file, or the
    NEWSARCHIVE_PASSWORD_HASH environment variable) or --public.

    Example: newsarchive serve --db archive.db --port 8001
    """
    import uvicorn

    from crawler.datasette import build_datasette

    password_hash = read_password_hash(password_file)
    if password_hash and public:
        fail(EXIT_USAGE, "--public: serves without a password, but a password was given too")
    if not (password_hash or public or is_loopback(host)):
        fail(
            EXIT_USAGE,
            f"--host {host}: not a loopback address; give a password hash "
            f"(--password-file or {PASSWORD_HASH_ENV}) or --public to serve without one",
        )
    if db_path.is_dir():
        fail(EXIT_USAGE, f"{db_path}: is a directory, not an archive file (give --db FILE)")
    if not db_path.is_file():
        fail(EXIT_FAILED, f"{db_path}: no archive there yet (run newsarchive crawl first)")
    try:
        open_archive(db_path).close()  # migrate an older archive before serving it read-only
    except ArchiveError as error:
        fail(EXIT_FAILED, str(error))
    check_port_free(host, port)
    login = (user, password_hash) if password_hash else None
    datasette = build_datasette(db_path, login=login)
    url = f"http://{host}:{port}/"
    if login:
        click.echo(f"Serving {db_path} at {url} to {user} only (log in at {url}-/login)")
    elif public and not is_loopback(host):
        click.echo(f"Serving {db_path} at {url} publicly: no password, anyone can read it all")
    else:
        click.echo(f"Serving {db_path} at {url} (Ctrl-C to stop)")
    uvicorn.run(datasette.app(), host=host, port=port, log_level="warning")


def is_loopback(host: str) -> bool:
    """Whether only this machine can reach ``host``: 127.0.0.0/8, ::1 or localhost."""
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return host.lower() == "localhost"


def read_password_hash(password_file: Path | None) -> str:
    """The password hash from ``--password-file`` or the environment ("" for none).

    Only a hash is accepted, never the password itself, so neither the file nor the process
    environment gives the password away; a malformed one is refused before serving.
    """
    if password_file is not None:
        try:
            text = password_file.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as error:
            fail(EXIT_USAGE, f"{password_file}: cannot read the password hash: {error}")
        where = str(password_file)
    else:
        text, where = os.environ.get(PASSWORD_HASH_ENV, "").strip(), PASSWORD_HASH_ENV
    if not text:
        if password_file is not None:
            fail(EXIT_USAGE, f"{where}: is empty; it should hold a password hash ({HASH_HINT})")
        return ""
    parts = text.split("$")
    if len(parts) != 4 or parts[0] != "pbkdf2_sha256" or not parts[1].isdigit():
        fail(EXIT_USAGE, f"{where}: not a password hash ({HASH_HINT})")
    return text


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
