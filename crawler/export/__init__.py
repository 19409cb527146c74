"""Writing the archive out in other formats: articles as JSON lines, CSV or JSON-LD, pages as WARC.

The rows come from ``crawler.archive.export`` (the only place that reads them with SQL); the
modules here only shape and write them, one format each, to a file that appears whole or not
at all (``output``).
"""
