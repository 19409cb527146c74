"""Fetching one page for ``newsarchive extract``: once, politely, within the crawler's limits.

The crawler's rules hold here too: robots.txt is obeyed for our User-Agent and fails closed
(RFC 9309: a robots.txt that answers 5xx or cannot be fetched disallows everything; a 4xx
allows everything), a download may take ``DOWNLOAD_TIMEOUT`` seconds and ``DOWNLOAD_MAXSIZE``
bytes (decompressed), and at most ``REDIRECT_MAX_TIMES`` redirects are followed, each checked
against its own host's robots.txt and refused unless it stays on http(s). The final URL is the
page's URL. There are no retries: the user asked for this page now and sees the reason at once.

This uses the standard library's ``http.client``, not Scrapy: Scrapy fetches through a Twisted
reactor that runs once per process and a crawler with its whole middleware stack, which is a
lot of machinery (and start-up time) for one request per input, and it cannot be started again
for a second call in the same process. ``http.client`` rather than ``urllib.request`` because
the deadline has to bound the whole download (a server trickling one byte a second must not
keep us for hours; ``urllib`` only bounds each socket read) and because every redirect hop
has to be seen here, for robots.txt and for the scheme (``urllib`` would follow ``ftp:``).
Environment proxies are not used. Certificates are verified.
"""

from __future__ import annotations

import http.client
import socket
import ssl
import time
import zlib
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from protego import Protego

from crawler import settings
from crawler.sites import DEFAULT_USER_AGENT

REDIRECT_STATUSES = {301, 302, 303, 307, 308}
CHUNK_SIZE = 64 * 1024


class FetchError(Exception):
    """The page could not be fetched; the message says why, in one line."""


@dataclass(frozen=True)
class Fetched:
    """One answer: its URL, status, Content-Type, (decompressed) body and any Location."""

    url: str
    status: int
    content_type: str
    body: bytes
    location: str = ""


@dataclass
class Fetcher:
    """Fetches pages one at a time, reading each host's robots.txt once per process."""

    user_agent: str = DEFAULT_USER_AGENT
    timeout: float = settings.DOWNLOAD_TIMEOUT
    max_size: int = settings.DOWNLOAD_MAXSIZE
    max_redirects: int = settings.REDIRECT_MAX_TIMES
    # scheme://netloc -> the parsed rules, or why the host is refused altogether
    robots: dict[str, Protego | str] = field(default_factory=dict)

    def fetch(self, url: str) -> Fetched:
        """The page at ``url`` after redirects; ``FetchError`` when it cannot or may not be had."""
        for _ in range(self.max_redirects + 1):
            self._check_robots(url)
            response = self._get(url)
            if response.status not in REDIRECT_STATUSES:
                if response.status != 200:
                    raise FetchError(f"HTTP {response.status}")
                return response
            url = self._redirect_target(url, response)
        raise FetchError(f"too many redirects (more than {self.max_redirects})")

    def _check_robots(self, url: str) -> None:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        if origin not in self.robots:
            self.robots[origin] = self._read_robots(origin)
        rules = self.robots[origin]
        if isinstance(rules, str):
            raise FetchError(f"{rules}, so nothing on {parts.netloc} may be fetched (RFC 9309)")
        if not rules.can_fetch(url, self.user_agent):
            raise FetchError(f"robots.txt disallows it for {self.user_agent}")

    def _read_robots(self, origin: str) -> Protego | str:
        robots_url = origin + "/robots.txt"
        try:
            for _ in range(self.max_redirects + 1):
                response = self._get(robots_url)
                if response.status not in REDIRECT_STATUSES:
                    break
                robots_url = self._redirect_target(robots_url, response)
            else:
                return "robots.txt redirects too often"
        except FetchError as error:
            return f"{error}: robots.txt could not be fetched"
        if 400 <= response.status < 500:
            return Protego.parse("")  # no robots.txt: everything is allowed
        if response.status != 200:
            return f"robots.txt answered HTTP {response.status}"
        return Protego.parse(response.body.decode("utf-8", "replace"))

    def _redirect_target(self, url: str, response: Fetched) -> str:
        location = response.location
        if not location:
            raise FetchError(f"HTTP {response.status} without a Location")
        target = urljoin(url, location)
        if urlsplit(target).scheme not in ("http", "https"):
            raise FetchError(f"redirect to a non-http(s) URL refused: {target}")
        return target

    def _get(self, url: str) -> Fetched:
        """One GET, no redirects followed."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise FetchError("not an http(s) URL")
        deadline = time.monotonic() + self.timeout
        connection: http.client.HTTPConnection
        try:
            if parts.scheme == "https":
                connection = http.client.HTTPSConnection(
                    parts.hostname,
                    parts.port,
                    timeout=self.timeout,
                    context=ssl.create_default_context(),
                )
            else:
                connection = http.client.HTTPConnection(
                    parts.hostname, parts.port, timeout=self.timeout
                )
        except ValueError as error:  # a port that is not a number
            raise FetchError(f"bad URL ({error})") from None
        try:
            return self._exchange(connection, url, deadline)
        except TimeoutError:
            raise FetchError(f"timed out after {self.timeout:g} s") from None
        except socket.gaierror as error:
            raise FetchError(f"cannot resolve {parts.hostname} ({error.strerror})") from None
        except ssl.SSLError as error:
            raise FetchError(f"TLS error ({error.reason or error})") from None
        except http.client.IncompleteRead as error:
            raise FetchError(
                f"connection closed after {len(error.partial)} of the announced bytes"
            ) from None
        except (http.client.HTTPException, OSError) as error:
            reason = getattr(error, "strerror", None) or str(error) or type(error).__name__
            raise FetchError(reason[:1].lower() + reason[1:]) from None
        finally:
            connection.close()

    def _exchange(
        self, connection: http.client.HTTPConnection, url: str, deadline: float
    ) -> Fetched:
        parts = urlsplit(url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        connection.connect()
        sock = connection.sock
        if sock is None:
            raise FetchError("no connection")
        connection.request(
            "GET",
            target,
            headers={
                "User-Agent": self.user_agent,
                "Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8",
                "Accept-Encoding": "gzip",
            },
        )
        response = connection.getresponse()
        if response.status in REDIRECT_STATUSES:
            location = response.getheader("Location") or ""
            return Fetched(url, response.status, "", b"", location=location)
        length = response.getheader("Content-Length")
        if length and length.isdigit() and int(length) > self.max_size:
            raise FetchError(f"larger than {_mib(self.max_size)} (Content-Length {length})")
        body = bytearray()
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError
            sock.settimeout(remaining)
            chunk = response.read1(CHUNK_SIZE)
            if not chunk:
                break
            body += chunk
            if len(body) > self.max_size:
                raise FetchError(f"larger than {_mib(self.max_size)}")
        encoding = (response.getheader("Content-Encoding") or "identity").strip().lower()
        return Fetched(
            url,
            response.status,
            response.getheader("Content-Type") or "",
            self._decode_content(bytes(body), encoding),
        )

    def _decode_content(self, body: bytes, encoding: str) -> bytes:
        if encoding in ("identity", ""):
            return body
        if encoding not in ("gzip", "x-gzip", "deflate"):
            raise FetchError(f"unsupported Content-Encoding {encoding}")
        # 16 + MAX_WBITS reads gzip; 32 + MAX_WBITS also zlib ("deflate" as most servers send it)
        decompressor = zlib.decompressobj(32 + zlib.MAX_WBITS)
        try:
            data = decompressor.decompress(body, self.max_size + 1)
        except zlib.error as error:
            raise FetchError(f"corrupt {encoding} body ({error})") from None
        if len(data) > self.max_size:
            raise FetchError(f"larger than {_mib(self.max_size)} once decompressed")
        return data


def _mib(size: int) -> str:
    return f"{size / 1024 / 1024:g} MiB"
