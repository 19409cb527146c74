"""Turning a page into article text and metadata. Pure: page in, record out.

It imports no spider, pipeline, archive or command line, so the boilerplate stage, the
``extract`` command and the benchmark all run the same code on the same input.

The extractor (trafilatura, htmldate) is imported on first use, not with the package: the
crawl's stages import its light modules (dates, selectors, templates), and a re-crawl with
nothing due should not spend a tenth of a second of its start-up importing an extractor it
never runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from crawler.extract.article import extract_article

__all__ = ["extract_article"]


def __getattr__(name: str) -> Any:
    if name == "extract_article":
        from crawler.extract.article import extract_article

        return extract_article
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
