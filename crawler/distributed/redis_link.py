"""Connecting to Redis with one clear line when it cannot be reached."""

from __future__ import annotations

import redis


class RedisUnavailable(Exception):
    """Redis cannot be used at the URL given; the message says why, in one line."""


def connect(url: str) -> redis.Redis:
    """A client for ``url``, checked with a PING so that a wrong URL fails here, not later."""
    try:
        server = redis.Redis.from_url(url, socket_connect_timeout=5, socket_timeout=30)
        server.ping()
    except ValueError as error:
        raise RedisUnavailable(f"{url}: not a Redis URL ({error})") from error
    except redis.RedisError as error:
        raise RedisUnavailable(f"{url}: cannot reach Redis ({_reason(error)})") from error
    return server


def _reason(error: redis.RedisError) -> str:
    text = str(error).strip().rstrip(".")
    if "Connection refused" in text:
        return "connection refused"
    if "Name or service not known" in text or "nodename nor servname" in text:
        return "DNS lookup failed"
    return text or type(error).__name__
