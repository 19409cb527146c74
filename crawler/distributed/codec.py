"""JSON for what travels through Redis: requests of the shared queue, and archive records.

scrapy-redis pickles requests by default; unpickling runs whatever code the bytes name, so a
worker would trust anyone who can write to Redis. JSON carries the same data: the one thing it
lacks is bytes (a request's headers and body, a raw page), tagged here as base64.
"""

from __future__ import annotations

import base64
import json
from typing import Any

BYTES_TAG = "$bytes"


def _encode(value: Any) -> Any:
    if isinstance(value, bytes):
        return {BYTES_TAG: base64.b64encode(value).decode("ascii")}
    if isinstance(value, dict):
        return {_key(key): _encode(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_encode(item) for item in value]
    return value


def _key(key: Any) -> str:
    """Dict keys as text: request headers have bytes names, which are ASCII by HTTP's rules."""
    return key.decode("latin-1") if isinstance(key, bytes) else str(key)


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        if len(value) == 1 and BYTES_TAG in value:
            return base64.b64decode(value[BYTES_TAG])
        return {key: _decode(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_decode(item) for item in value]
    return value


def dumps(value: Any) -> str:
    """``value`` as JSON, bytes included; anything else JSON cannot hold raises TypeError."""
    return json.dumps(_encode(value), ensure_ascii=False, separators=(",", ":"))


def loads(text: str | bytes) -> Any:
    return _decode(json.loads(text))
