"""Scrapy commands of newsarchive (``COMMANDS_MODULE``): ``scrapy crawl`` with our exit codes."""
