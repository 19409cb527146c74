"""Scrapy extensions of newsarchive, enabled in ``crawler/settings.py``."""
