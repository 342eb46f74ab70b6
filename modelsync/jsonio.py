"""Decoding upstream JSON: orjson (C) reads a catalog in about half the stdlib's time (SPEC §9).

What orjson refuses but Python's json accepts (lone surrogate escapes, NaN, a byte order mark, UTF-16) is read by the
stdlib, so the parsers see the values they always did. The one difference: an integer beyond 64 bits arrives as the
nearest float, and no parser takes a number that size for a token count or a price either way.

A model list can also come back with its items undecoded (`items_under`): msgspec only finds where each item's JSON
begins and ends, and build_records() decodes just the items it has not built before. Decoding is most of a sync's
time, and from one sync to the next almost every item is byte for byte the same.
"""

from __future__ import annotations

import json

import msgspec
import orjson

RawItem = msgspec.Raw  # one list item's JSON text, not yet decoded
_OBJECT_OF_RAW = msgspec.json.Decoder(dict[str, msgspec.Raw])
_LIST_OF_RAW = msgspec.json.Decoder(list[msgspec.Raw])


def loads(data: bytes | str, *, items_under: str | None = None) -> object:
    """The decoded document; ValueError (json.JSONDecodeError) when it is not JSON at all.

    With `items_under`, the list under that key of a JSON object holds RawItems (see load_item). A document that
    is no such object, or that orjson and the stdlib would not both read the same way, is decoded whole instead, so
    the caller sees the same values and the same errors either way.
    """
    if items_under is not None and (document := _split(data, items_under)) is not None:
        return document
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        return json.loads(data)


def load_item(item: RawItem) -> object:
    """One RawItem decoded, exactly as it would have been inside the whole document."""
    return loads(bytes(item))


def _split(data: bytes | str, key: str) -> dict | None:
    """{other keys decoded, key: [RawItem, ...]}, or None when the document is not an object with a list there."""
    # msgspec checks the JSON grammar of what it skips but not its UTF-8; refusing here keeps "not JSON" an error
    # of the whole document, as orjson and the stdlib make it.
    if not isinstance(data, bytes) or not _is_utf8(data):
        return None
    try:
        document = _OBJECT_OF_RAW.decode(data)
        items = _LIST_OF_RAW.decode(document[key])
    except (msgspec.DecodeError, KeyError, RecursionError):  # anything else: the whole decode says what is wrong
        return None
    return {**{name: load_item(value) for name, value in document.items() if name != key}, key: items}


def _is_utf8(data: bytes) -> bool:
    if data.isascii():
        return True
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True
