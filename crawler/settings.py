"""Scrapy settings for newsarchive.

Every limit is set here explicitly rather than left to Scrapy's defaults, which are tuned for
a general crawler (a 1 GiB page, 180 s timeouts, unlimited depth, no robots.txt). Per-site
politeness (User-Agent, delay, concurrency) comes from ``sites.toml`` and is applied by the
spider at priority "spider", so ``-s`` on the command line still wins.
"""

from __future__ import annotations

from scrapy.settings import default_settings

BOT_NAME = "newsarchive"
SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"
COMMANDS_MODULE = "crawler.commands"  # `scrapy crawl` with our exit codes (Scrapyd runs it)

# --- Politeness -------------------------------------------------------------------------
USER_AGENT = "newsarchive/0.1 (+https://github.com/newsarchive/newsarchive)"
ROBOTSTXT_OBEY = True
DOWNLOADER_MIDDLEWARES = {
    # robots.txt that fails closed (RFC 9309) in place of Scrapy's, which fails open
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawler.middlewares.robots_fail_closed.FailClosedRobotsTxtMiddleware": 100,
    # process_response runs from the highest number down. Both of these must see an answer
    # before Scrapy's RetryMiddleware (550) retries a 429/503 at once, and after
    # HttpCompressionMiddleware (590) has unpacked the body the challenge check reads.
    "crawler.middlewares.retry_after.RetryAfterMiddleware": 560,  # waits Retry-After, then retries
    "crawler.middlewares.host_backoff.HostBackoffMiddleware": 570,  # sees every answer first
}
DOWNLOAD_DELAY = 1.0
CONCURRENT_REQUESTS = 16
# Items of one response processed at once. Scrapy starts this many asyncio tasks for every
# response, whatever it yields (100 by default: a fifth of the CPU time of a re-crawl whose
# pages answer 304 and yield nothing); our pages yield one item, listings only requests.
CONCURRENT_ITEMS = 4
CONCURRENT_REQUESTS_PER_DOMAIN = 2
# Scrapy re-reads and parses a callback's source on every response to warn about a generator
# that returns a value (its cache misses bound methods); tests/test_spider_callbacks.py checks
# our spiders' callbacks for that once instead.
WARN_ON_GENERATOR_RETURN_VALUE = False
AUTOTHROTTLE_ENABLED = True
# AutoThrottle starts every slot at this delay whatever DOWNLOAD_DELAY says (5 s by default):
# the spider ties it to the site's download_delay.
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0  # the spider sets each site's `concurrency`

# --- Limits -------------------------------------------------------------------------------
DOWNLOAD_MAXSIZE = 16 * 1024 * 1024  # bounds memory too: selectors build trees of several x
DOWNLOAD_WARNSIZE = 4 * 1024 * 1024
DOWNLOAD_TIMEOUT = 30
DNS_TIMEOUT = 10
RETRY_ENABLED = True
RETRY_TIMES = 2
REDIRECT_MAX_TIMES = 5
METAREFRESH_MAXDELAY = 10
DEPTH_LIMIT = 3  # section page -> pagination -> article; feeds and sitemaps are depth 1
URLLENGTH_LIMIT = 2083
CLOSESPIDER_TIMEOUT = 3600
CLOSESPIDER_PAGECOUNT = 20000
MEMUSAGE_ENABLED = True
MEMUSAGE_LIMIT_MB = 2048

# --- Hardening (docs/topics/security.rst) ------------------------------------------------
DOWNLOAD_HANDLERS = {"file": None, "data": None, "ftp": None, "s3": None}
TELNETCONSOLE_ENABLED = False

# --- Pipeline, in DESIGN.md's order ------------------------------------------------------
ITEM_PIPELINES = {
    "pipelines.boilerplate.StripBoilerplatePipeline": 100,
    "pipelines.normalize.NormalizeFieldsPipeline": 200,
    "pipelines.validate.ValidateArticlePipeline": 300,
    "pipelines.dedupe.DeduplicateArticlePipeline": 400,
    "pipelines.store.StoreArticlePipeline": 500,
}
EXTENSIONS = {
    "crawler.item_errors.CountItemErrors": 500,
    "crawler.stats_file.WriteStatsFile": 510,
    "crawler.extensions.run_lock.ArchiveRunLock": 520,
    "crawler.extensions.interrupt.InterruptPromptly": 530,
    "crawler.progress.LiveProgress": 540,  # only with ARCHIVE_PROGRESS
    # AutoThrottle in which a 304 may lower the delay, as a 200 does (see the module)
    "scrapy.extensions.throttle.AutoThrottle": None,
    "crawler.extensions.throttle.ConditionalAutoThrottle": 0,
}
# Scrapy's own extensions minus the two consoles, which are off (below) and so not even
# imported: Scrapy loads every class named in EXTENSIONS, even one set to None, and the
# remote control's module imports aiohttp, a tenth of a second of every crawl's start-up.
EXTENSIONS_BASE = {
    path: order
    for path, order in default_settings.EXTENSIONS_BASE.items()
    if path.rpartition(".")[2] not in ("RemoteControl", "TelnetConsole")
}

# --- Our own settings (read only in from_crawler) ----------------------------------------
ARCHIVE_PATH = "archive.db"
ARCHIVE_SITES = "sites.toml"
ARCHIVE_BATCH_SIZE = 20  # articles per BEGIN IMMEDIATE transaction
ARCHIVE_FLUSH_SECONDS = 5.0  # write a partial batch once it is this old
ARCHIVE_MIN_BODY_CHARS = 200  # shorter bodies are archived with access = "truncated"
ARCHIVE_BUSY_TIMEOUT_MS = 5000
ARCHIVE_SYNCHRONOUS = "NORMAL"
# SQLite max_page_count of the archive (0: no limit). A low value makes the archive "full" on
# purpose: tests of a full disk, or a hard cap on the file's size.
ARCHIVE_MAX_PAGE_COUNT = 0
ARCHIVE_LOCK_HELD = False  # True: the caller holds <db>.lock already (newsarchive crawl)
ARCHIVE_STATS_FILE = ""  # write the final stats as JSON here (tests, monitoring)
# After Ctrl-C, seconds the pages in flight get to finish before their downloads are cancelled
# (kept for the next run): a hanging server must not hold the run until DOWNLOAD_TIMEOUT.
ARCHIVE_INTERRUPT_GRACE = 3.0
# A 429/503 whose Retry-After asks for a longer wait than this (seconds) is given up for this
# run (an error, exit 3) rather than held open for an hour.
ARCHIVE_RETRY_AFTER_MAX = 120.0
# A host that answers this many 403/429 in a row (or one challenge page) is left alone for the
# rest of the run; its pages are left for the next one.
ARCHIVE_BLOCKED_AFTER = 5
ARCHIVE_PROGRESS = False  # live progress on stderr (crawler/progress.py); crawl sets it on a tty
# Worker processes that extract pages off the reactor's thread (crawler/extract_pool.py);
# 0 extracts in the crawl's own process. Ignored, with a warning, on a one-core machine.
ARCHIVE_EXTRACT_WORKERS = 0

# --- Plumbing ----------------------------------------------------------------------------
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = "INFO"
# Scrapy's own formatter writes a dropped item, raw page included, into the log
LOG_FORMATTER = "crawler.log_formatter.UrlOnlyLogFormatter"
HTTPCACHE_ENABLED = False
REMOTE_CONTROL_ENABLED = False  # Scrapy >= 2.19 listens on a local port otherwise
