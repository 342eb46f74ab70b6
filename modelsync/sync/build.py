"""Pure: turning an upstream's item list into records: the payload's list, ids, the per-item build with its
findings, and the memo that rebuilds only the items whose bytes changed (SPEC §9). Also `memoized`, the registered
lru_cache every pure helper uses, and clear_caches()."""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from functools import lru_cache
from typing import TypeVar

from modelsync.exceptions import PayloadError
from modelsync.sync.jsonio import RawItem, load_item
from modelsync.sync.records import Finding, ModelRecord, ParseResult
from modelsync.sync.recordset import dedupe

MAX_ID_LENGTH = 512  # LLMModel.external_id / model
ERROR_KEYS = ("error", "detail", "errors")
_MEMOIZED: list = []
_Function = TypeVar("_Function", bound=Callable)


def memoized(maxsize: int) -> Callable[[_Function], _Function]:
    """functools.lru_cache, registered so clear_caches() can forget it: a sync repeats the previous one's values."""

    def decorate(function: _Function) -> _Function:
        cached = lru_cache(maxsize=maxsize)(function)
        _MEMOIZED.append(cached)
        return cached

    return decorate


def payload_items(payload: object, key: str, *, endpoint: str) -> list:
    """The item list under `key` of a JSON object; PayloadError for an error inside a 200 or any other shape."""
    if isinstance(payload, dict):
        if any(payload.get(name) for name in ERROR_KEYS) and not isinstance(payload.get(key), list):
            raise PayloadError(f"{endpoint} answered 200 with an error object instead of {key!r}", kind="error_in_body")
        items = payload.get(key)
        if isinstance(items, list):
            return items
        raise PayloadError(f"{endpoint}: expected a list under {key!r}, got {_kind(items)}", kind="wrong_shape")
    if isinstance(payload, str | bytes):  # e.g. LiteLLM 1.106.2's plain-text "Internal Server Error"
        raise PayloadError(f"{endpoint}: expected a JSON object, got text", kind="not_json")
    raise PayloadError(f"{endpoint}: expected a JSON object with {key!r}, got {_kind(payload)}", kind="wrong_shape")


def _kind(value: object) -> str:
    return "nothing" if value is None else type(value).__name__


class InvalidItem(ValueError):
    """One upstream item cannot become a record; the message is recorded as a finding."""


Builder = Callable[[object], tuple[ModelRecord, list[Finding]]]
Outcome = tuple[ModelRecord | None, tuple[Finding, ...]]
BUILT_SOURCES_KEPT = 16  # sources whose last list a process remembers (see build_records)
_built_by_source: OrderedDict[Hashable, dict[bytes, Outcome]] = OrderedDict()
_built_lock = threading.Lock()


def build_records(
    items: Iterable[object], build: Builder, *, id_keys: tuple[str, ...] = ("id",), memo_key: Hashable | None = None
) -> ParseResult:
    """Every item becomes a record or an invalid_item finding; duplicates are reduced to one, order-independently.

    `id_keys` name where the upstream keeps the external id, so an invalid item's finding carries the id its row
    has (and that row is not counted missing); a display name would protect the wrong row.

    Undecoded items (jsonio.RawItem) are remembered by a sha256 of their bytes under `memo_key`, which names the
    source and everything `build` reads besides the item: the next list of that source decodes and builds only the
    items that changed, and replays the record and findings of the rest (SPEC §9). The memo holds the last list of
    BUILT_SOURCES_KEPT sources per process, keyed by digest: never the items' bytes.
    """
    remembered = _built_by_source.get(memo_key, {}) if memo_key is not None else {}
    built: dict[bytes, Outcome] = {}
    records: list[ModelRecord] = []
    findings: list[Finding] = []
    for item in items:
        if item.__class__ is RawItem:
            digest = hashlib.sha256(item).digest()
            outcome = built.get(digest) or remembered.get(digest) or _outcome(item, build, id_keys)
            built[digest] = outcome
        else:
            outcome = _outcome(item, build, id_keys)
        if outcome[0] is not None:
            records.append(outcome[0])
        findings.extend(outcome[1])
    if memo_key is not None:
        _remember(memo_key, built)
    kept, duplicates = dedupe(records)
    return ParseResult(tuple(kept), (*findings, *duplicates))


def _outcome(item: object, build: Builder, id_keys: tuple[str, ...]) -> Outcome:
    """(record, its findings), or (None, an invalid_item finding). PayloadError when a RawItem is not JSON."""
    if item.__class__ is RawItem:
        item = load_item(item)
    try:
        record, findings = build(item)
    except (InvalidItem, TypeError, ValueError, AttributeError, KeyError, ArithmeticError) as exc:
        # The message names the problem, never echoes the item: it may hold upstream secrets.
        reason = str(exc) if isinstance(exc, InvalidItem) else f"unreadable item ({type(exc).__name__})"
        return None, (Finding("invalid_item", reason, item_id(item, *id_keys)),)
    return record, tuple(findings)


def _remember(memo_key: Hashable, built: dict[bytes, Outcome]) -> None:
    """Keep this list's outcomes in place of the source's last ones; forget the source least recently synced."""
    with _built_lock:
        _built_by_source.pop(memo_key, None)
        _built_by_source[memo_key] = built
        while len(_built_by_source) > BUILT_SOURCES_KEPT:
            _built_by_source.popitem(last=False)


def valid_id(value: object) -> str | None:
    """An upstream id usable as external_id: a non-blank printable string that fits the column."""
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_ID_LENGTH or not value.isprintable():
        return None
    return value


def require_id(value: object, what: str = "id") -> str:
    model_id = valid_id(value)
    if model_id is None:
        raise InvalidItem(f"missing or invalid {what}")
    return model_id


def item_id(item: object, *keys: str) -> str | None:
    """The id of an item for a finding, if it has a readable one."""
    if not isinstance(item, dict):
        return None
    for key in keys:
        if model_id := valid_id(item.get(key)):
            return model_id
    return None


def clear_caches() -> None:
    """Forget every memoized value and remembered list (benchmarks measure a cold first sync with it)."""
    for cached in _MEMOIZED:
        cached.cache_clear()
    with _built_lock:
        _built_by_source.clear()
