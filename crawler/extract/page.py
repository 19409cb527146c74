"""Parsing a page once, into the one tree that metadata, body and dates all read.

Building the tree is a large share of extraction's cost, and trafilatura and htmldate each
parse again when handed a string, so the tree is built here once and handed to them. The
parser is trafilatura's own setting (comments and processing instructions dropped, ids not
collected), so its extraction sees the tree it would have built itself.

trafilatura folds non-breaking spaces into plain ones, but a non-breaking space inside a
paragraph is the author's (a name or a number held together: "call\\xa0on Friday"). So before
parsing they are replaced by a printable stand-in that trafilatura keeps, and
``restore_nbsp`` turns the stand-in back into a non-breaking space in what comes out. A page
that already holds the stand-in character is parsed as it is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree
from lxml import html as lxml_html

NBSP_STAND_IN = "\u2423"  # OPEN BOX: printable, so trafilatura keeps it
XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
PARSER = lxml_html.HTMLParser(
    collect_ids=False, default_doctype=False, remove_comments=True, remove_pis=True
)


@dataclass
class ParsedPage:
    """The page's tree, and whether its non-breaking spaces stand as ``NBSP_STAND_IN``."""

    document: lxml_html.HtmlElement
    nbsp_stand_in: bool = False

    def restore_nbsp(self, text: str) -> str:
        """``text`` with the stand-in turned back into non-breaking spaces."""
        return text.replace(NBSP_STAND_IN, "\xa0") if self.nbsp_stand_in else text


def parse_page(html: str) -> ParsedPage | None:
    """The page's tree, or ``None`` for markup lxml cannot make a document of."""
    stand_in = NBSP_STAND_IN not in html
    if stand_in:
        html = html.replace("&nbsp;", NBSP_STAND_IN).replace("&#160;", NBSP_STAND_IN)
        html = html.replace("&#xa0;", NBSP_STAND_IN).replace("\xa0", NBSP_STAND_IN)
    # lxml refuses a text string that declares its own encoding ("<?xml encoding=...?>"):
    # the text is decoded already, so the declaration says nothing more.
    html = XML_DECLARATION.sub("", html, count=1)
    try:
        document = lxml_html.document_fromstring(html, parser=PARSER)
    except (etree.ParserError, ValueError):
        return None
    if document is None or not len(document):
        return None
    return ParsedPage(document, nbsp_stand_in=stand_in)
