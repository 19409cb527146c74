"""Turning a page into article text and metadata. Pure: page in, record out.

It imports no spider, pipeline, archive or command line, so the boilerplate stage, the
``extract`` command and the benchmark all run the same code on the same input.
"""

from crawler.extract.article import extract_article

__all__ = ["extract_article"]
