"""``python -m crawler.cli``: the ``newsarchive`` command."""

from crawler.cli import cli

cli()
