"""Decoding upstream JSON: orjson (C) reads a catalog in about half the stdlib's time (SPEC §9).

What orjson refuses but Python's json accepts (lone surrogate escapes, NaN, a byte order mark, UTF-16) is read by the
stdlib, so the parsers see the values they always did. The one difference: an integer beyond 64 bits arrives as the
nearest float, and no parser takes a number that size for a token count or a price either way.
"""

from __future__ import annotations

import json

import orjson


def loads(data: bytes | str) -> object:
    """The decoded document; ValueError (json.JSONDecodeError) when it is not JSON at all."""
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        return json.loads(data)
