"""A DNS resolver for tests that never asks a DNS server (``-s TWISTED_DNS_RESOLVER=...``).

IP literals and ``localhost`` resolve to themselves; every other name fails at once the way
an NXDOMAIN answer does. A test of an unresolvable host must not depend on, or leak to, the
machine's resolver.
"""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING, Any

from twisted.internet import defer
from twisted.internet.error import DNSLookupError
from twisted.internet.interfaces import IResolverSimple
from zope.interface import implementer

if TYPE_CHECKING:
    from collections.abc import Sequence

    from scrapy.crawler import Crawler
    from typing_extensions import Self


@implementer(IResolverSimple)
class LoopbackOnlyResolver:
    def __init__(self, reactor: Any) -> None:
        self.reactor = reactor

    @classmethod
    def from_crawler(cls, crawler: Crawler, reactor: Any) -> Self:
        return cls(reactor)

    def install_on_reactor(self) -> None:
        self.reactor.installResolver(self)

    def getHostByName(self, name: str, timeout: Sequence[int] = ()) -> defer.Deferred[str]:
        if name == "localhost":
            return defer.succeed("127.0.0.1")
        try:
            return defer.succeed(str(ipaddress.ip_address(name)))
        except ValueError:
            return defer.fail(DNSLookupError(f"no such name: {name}"))
