"""The normalized shapes the sync pipeline passes between its steps: plain, typed, never changed in place."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from operator import attrgetter
from typing import Any

import orjson

from catalog.entries import decimal_text


@dataclass(slots=True)
class ModelRecord:
    """One catalog entry as an upstream describes it, normalized; identity is external_id within a source.

    Treated as immutable (dataclasses.replace() makes changed copies) but not declared frozen: a frozen
    dataclass's __init__ pays an object.__setattr__ per field, a fifth of normalizing a model (SPEC §9).
    """

    external_id: str
    model: str
    display_name: str
    provider: str = "other"
    provider_raw: str = ""
    upstream_providers: tuple[str, ...] = ()
    category: str = "other"
    capabilities: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    context_window: int | None = None
    max_output_tokens: int | None = None
    pricing_status: str = "unknown"
    input_cost_per_mtok: Decimal | None = None
    output_cost_per_mtok: Decimal | None = None
    is_free: bool = False
    requires_api_key: bool = True
    api_key_available: bool = False
    is_recommended: bool = False
    safety_score: Decimal | None = None
    is_wildcard: bool = False
    is_alias: bool = False
    expires_at: datetime | None = None
    details: dict[str, Any] = field(default_factory=dict)
    price_card: dict[str, Any] = field(default_factory=dict)  # catalog.pricing card JSON; {} = the source states none
    _hash: str = field(default="", init=False, repr=False, compare=False)  # memo of content_hash()

    def synced_values(self) -> dict[str, Any]:
        """The values as the catalog row stores them (lists, not tuples), keyed by field name."""
        values = {name: getattr(self, name) for name in _HASHED_FIELDS}
        for name in ("upstream_providers", "capabilities", "tags"):
            values[name] = list(values[name])
        return values

    def content_hash(self) -> str:
        """A sha256 digest of the synced values as canonical JSON: equal hash = nothing to write.

        One orjson call spells the whole record (a sync hashes every model it reads, SPEC §9); prices are spelled
        by value and details with sorted keys, so 1.50 and 1.5 or a reordered dict hash alike.
        """
        if not self._hash:
            values = (*_plain_values(self), *_decimal_values(self), self.expires_at, self.details)
            if self.price_card:  # a record without a card hashes as before cards existed: its row is not rewritten
                values = (*values, self.price_card)
            self._hash = hashlib.sha256(_canonical_json(values)).hexdigest()
        return self._hash


def _json_default(value: Any) -> str:
    if isinstance(value, Decimal):
        return decimal_text(value)  # whatever places the database gave back
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"not JSON-serializable: {type(value).__name__}")


def _canonical_json(values: tuple) -> bytes:
    try:
        return orjson.dumps(values, default=_json_default, option=orjson.OPT_SORT_KEYS)
    except orjson.JSONEncodeError:  # what orjson cannot spell (integers over 64 bits): the stdlib, or its TypeError
        return json.dumps(values, default=_json_default, sort_keys=True, separators=(",", ":")).encode()


@dataclass(frozen=True, slots=True)
class Finding:
    """Something wrong with one upstream item or the payload: recorded on the run, never raised."""

    kind: str  # e.g. invalid_item, duplicate_id, free_with_cost, negative_price
    message: str
    external_id: str | None = None
    counts_as_invalid: bool = True


@dataclass(frozen=True, slots=True)
class ParseResult:
    """What a parser made of one payload: the records it could build and findings for the rest."""

    records: tuple[ModelRecord, ...]
    findings: tuple[Finding, ...] = ()

    @property
    def invalid_count(self) -> int:
        return sum(1 for finding in self.findings if finding.counts_as_invalid)


_HASHED_FIELDS = tuple(name for name in ModelRecord.__dataclass_fields__ if name not in ("external_id", "_hash"))
_TYPED = {"input_cost_per_mtok", "output_cost_per_mtok", "safety_score", "expires_at", "details", "price_card"}
_plain_values = attrgetter(*(name for name in _HASHED_FIELDS if name not in _TYPED))
_decimal_values = attrgetter("input_cost_per_mtok", "output_cost_per_mtok", "safety_score")
