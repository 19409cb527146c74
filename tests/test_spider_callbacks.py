"""No spider callback is a generator that returns a value (Scrapy would drop the value).

Scrapy checks this on every response (``WARN_ON_GENERATOR_RETURN_VALUE``), re-reading the
callback's source each time; the setting is off for speed (crawler/settings.py), so the same
check runs here, once, over every generator method of every spider.
"""

from __future__ import annotations

import inspect

from scrapy.utils.misc import is_generator_with_return_value
from scrapy.utils.spider import iter_spider_classes

from crawler import settings
from spiders import listings, news, pages, urls


def generator_methods() -> list[object]:
    methods = []
    for module in (news, urls, listings, pages):
        for spider in iter_spider_classes(module):
            methods += [
                member
                for _, member in inspect.getmembers(spider, inspect.isgeneratorfunction)
                if member.__module__ == module.__name__
            ]
    return methods


def test_no_spider_callback_returns_a_value() -> None:
    methods = generator_methods()
    assert len(methods) >= 5  # parse_sitemap, parse_feed, parse_page, ... were found
    assert not [m for m in methods if is_generator_with_return_value(m)]


def test_the_check_would_catch_one() -> None:
    def returns_a_value():  # type: ignore[no-untyped-def]
        yield 1
        return 2

    assert is_generator_with_return_value(returns_a_value)
    assert settings.WARN_ON_GENERATOR_RETURN_VALUE is False
