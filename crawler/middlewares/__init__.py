"""Downloader middlewares newsarchive adds to Scrapy's, one module each."""
