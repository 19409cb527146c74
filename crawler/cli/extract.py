"""``newsarchive extract``: what the archive would hold for saved pages or URLs."""

from __future__ import annotations

import sys
from urllib.parse import urlparse

import click


@click.command()
@click.argument("inputs", nargs=-1, required=True, metavar="INPUT...")
@click.option(
    "--url",
    "page_url",
    metavar="URL",
    help="The page's URL (one INPUT only): resolves relative links and checks the canonical URL.",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["json", "text"]),
    default="json",
    show_default=True,
    help="json: one object per input (JSON lines); text: title, blank line, body.",
)
def extract(inputs: tuple[str, ...], page_url: str | None, output_format: str) -> None:
    """Extract the article from saved pages (.html, .html.gz), stdin (-) or URLs; archive nothing.

    Prints the record the archive would hold for each page (dates in UTC beside the page's own
    strings) and one error line on stderr per input that is not a readable HTML page. URLs are
    fetched once, obeying robots.txt. Exit code 0 all done, 3 some failed, 1 all failed.

    Example: newsarchive extract story.html.gz https://example.com/story/
    """
    from crawler.page_records import extract_inputs

    if page_url is not None:
        if len(inputs) > 1:
            raise click.UsageError("--url is allowed with one INPUT only")
        parts = urlparse(page_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise click.BadParameter(f"{page_url!r}: not an http(s) URL", param_hint="--url")
    sys.exit(
        extract_inputs(
            inputs,
            url=page_url,
            output_format=output_format,
            out=sys.stdout,
            err=sys.stderr,
        )
    )
