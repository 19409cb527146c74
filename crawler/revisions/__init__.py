"""What a change between two versions of an article is: its class, its fields, its notices.

Pure functions over plain values (no SQL, no Scrapy), so each rule is tested on labelled
edit pairs alone; ``crawler.archive.changes`` applies them when a revision is written.
"""
