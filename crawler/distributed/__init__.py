"""Distributed crawling: many workers fetch and extract, one writer owns the archive.

SQLite has one writer at a time and lives on one machine's disk, so the archive stays with one
process, ``newsarchive ingest`` (``writer``). It seeds a shared frontier in Redis for each site:
feeds, sitemaps, section pages and the articles due for a check, with their validators; it
publishes what workers must know of the archive (every known article URL with its revisit row,
and the site's learned template); and it writes what the workers send back, in transactions.

Workers are ``newsarchive crawl --redis URL`` on any machine (``worker``). Each runs the same
spider and pipelines as a local crawl, except that requests go through scrapy-redis's scheduler
and duplicate filter (one queue and one set of seen requests per site, shared by all workers:
a page is fetched by one worker once per round), and the store stage is replaced by a hand-off
that pushes each article's archive record, raw page included, to the writer (``handoff``).

Every key lives under one prefix (``keys``); requests are queued as JSON (``codec``), never
pickled, so a worker never runs code that someone else put in Redis.
"""
