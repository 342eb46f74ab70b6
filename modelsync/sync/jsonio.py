"""Decoding upstream JSON: orjson (C) reads a catalog in about half the stdlib's time (SPEC §9).

What orjson refuses but Python's json accepts (lone surrogate escapes, NaN, a byte order mark, UTF-16) is read by the
stdlib, so the parsers see the values they always did. The one difference: an integer beyond 64 bits arrives as the
nearest float, and no parser takes a number that size for a token count or a price either way.

A model list can also come back with its items undecoded (`items_under`): msgspec only finds where each item's JSON
begins and ends, and build_records() decodes just the items it has not built before. Decoding was a fifth of a
sync's time, and from one sync to the next almost every item is byte for byte the same.

A body past a parser's limits (nested deeper than MAX_DEPTH, an integer longer than the stdlib converts) is a
PayloadError of kind `parser_limit` naming the limit, never a RecursionError: no real catalog comes near either.
"""

from __future__ import annotations

import json
import sys
from functools import cache

import msgspec
import orjson

from modelsync.exceptions import PayloadError

RawItem = msgspec.Raw  # one list item's JSON text, not yet decoded
# orjson's fixed nesting limit; the stdlib's recursion limit stops at about the same depth. A list read item by item
# holds it for each item (each may nest this deep inside the list), the whole document for the rest.
MAX_DEPTH = 1024
PARSER_LIMIT = "parser_limit"


def loads(data: bytes | str, *, items_under: str | None = None) -> object:
    """The decoded document; ValueError (json.JSONDecodeError) when it is not JSON at all, PayloadError (kind
    `parser_limit`) when it is JSON past a parser's limits.

    With `items_under`, a JSON object with a list under that key comes back as {key: [RawItem, ...]} (see
    load_item): a listing's parser reads only its list, and payload_items() ignores an error beside a list. A
    document that is no such object, or that msgspec cannot split (text, NaN, a lone surrogate, a byte order mark),
    is decoded whole instead. The list's items and the errors are the same either way, except for bytes that are
    not UTF-8: inside an item, load_item finds them; beside the list, they are never read.
    """
    if items_under is not None and (document := _split(data, items_under)) is not None:
        return document
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        if "depth limit exceeded" in str(exc):  # the stdlib would only recurse until it too gave up
            raise _too_deep() from None
    try:
        document = json.loads(data)
    except RecursionError:  # the stdlib gives up at about the same depth, wherever its stack happens to be
        raise _too_deep() from None
    except ValueError as exc:
        if "integer string conversion" in str(exc):  # CPython's int_max_str_digits guard
            limit = sys.get_int_max_str_digits()
            raise PayloadError(f"the JSON has an integer longer than {limit:,} digits, the parser's limit",
                               kind=PARSER_LIMIT) from None  # fmt: skip
        raise
    if _deeper_than(document, MAX_DEPTH):  # one limit whichever decoder read it (this path is rare: NaN, UTF-16...)
        raise _too_deep()
    return document


def _too_deep() -> PayloadError:
    return PayloadError(f"the JSON is nested deeper than {MAX_DEPTH:,} levels, the parser's limit", kind=PARSER_LIMIT)


def load_item(item: RawItem) -> object:
    """One RawItem decoded, exactly as it would have been inside the whole document.

    msgspec checks the JSON grammar of what it skips but not the UTF-8 inside strings; an item the last list held is
    known good, so only new items are checked, here. An item that is not JSON makes the whole document not JSON, as
    it would have been decoded whole: a PayloadError, never an invalid item (past a parser's limit: its own kind).
    """
    try:
        return loads(bytes(item))
    except ValueError:
        raise PayloadError("the model list is not JSON: an item is not valid UTF-8 JSON", kind="not_json") from None
    except PayloadError as exc:
        raise PayloadError(f"in an item of the model list, {exc}", kind=exc.kind) from None


def _deeper_than(document: object, limit: int) -> bool:
    """Whether decoded JSON nests deeper than `limit`, walked iteratively (no recursion to exhaust)."""
    stack = [(document, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            return True
        children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else ()
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


def _split(data: bytes | str, key: str) -> dict | None:
    """{key: [RawItem, ...]}, or None when the document is not an object with a list under `key`."""
    if not isinstance(data, bytes):
        return None
    try:
        listing = _listing_decoder(key).decode(data)
    except (msgspec.DecodeError, RecursionError):  # anything else: the whole decode says what is wrong
        return None
    return {key: getattr(listing, key)}


@cache
def _listing_decoder(key: str) -> msgspec.json.Decoder:
    """One pass over the document: the list under `key` split into items, every other key skipped."""
    return msgspec.json.Decoder(msgspec.defstruct("Listing", [(key, list[msgspec.Raw])]))
