"""The API's JSON parser: DRF's, without its 500 on deeply nested input, and with its limits named plainly."""

import sys

from rest_framework import exceptions
from rest_framework.parsers import JSONParser

MAX_JSON_DEPTH = 20


def _depth(value, limit: int) -> int:
    """Nesting depth of parsed JSON, iteratively (no recursion to exhaust)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        if deepest > limit:
            return deepest
        children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else ()
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return deepest


class GuardedJSONParser(JSONParser):
    """DRF's parser turns 1,000 nested '[' into a RecursionError (a 500); this one answers 400 naming the limit."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise exceptions.ParseError(f"JSON nested deeper than {MAX_JSON_DEPTH} levels") from None
        except exceptions.ParseError as exc:
            # CPython's guard against quadratic int parsing; its own text suggests a Python call to the client.
            if "integer string conversion" in str(exc.detail):
                limit = sys.get_int_max_str_digits()
                raise exceptions.ParseError(f"JSON integer longer than {limit} digits") from None
            raise
        if _depth(data, MAX_JSON_DEPTH) > MAX_JSON_DEPTH:
            raise exceptions.ParseError(f"JSON nested deeper than {MAX_JSON_DEPTH} levels")
        return data
