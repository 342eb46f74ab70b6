"""The normalized shapes the sync pipeline passes between its steps: plain, frozen, typed."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any


@dataclass(frozen=True, slots=True)
class ModelRecord:
    """One catalog entry as an upstream describes it, normalized; identity is external_id within a source."""

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
    _hash: str = field(default="", init=False, repr=False, compare=False)  # memo of content_hash()

    def synced_values(self) -> dict[str, Any]:
        """The values as the catalog row stores them (lists, not tuples), keyed by field name."""
        values = {name: getattr(self, name) for name in _HASHED_FIELDS}
        for name in ("upstream_providers", "capabilities", "tags"):
            values[name] = list(values[name])
        return values

    def content_hash(self) -> str:
        """A blake2b digest of a canonical text of the synced values: equal hash = nothing to write.

        Built field by field (no asdict() deep copy, no JSON of the whole record): a sync hashes every model.
        """
        if not self._hash:
            parts = [_canonical(getattr(self, name)) for name in _HASHED_FIELDS]
            digest = hashlib.blake2b("\x1f".join(parts).encode(), digest_size=32).hexdigest()
            object.__setattr__(self, "_hash", digest)  # frozen, but the memo is not part of the value
        return self._hash


def _canonical(value: Any) -> str:
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")  # 1.50 and 1.5 alike, whatever the database gave back
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True, separators=(",", ":"), default=_json_default)
    if isinstance(value, datetime):
        return value.isoformat()
    return repr(value)


def _json_default(value: Any) -> str:
    if isinstance(value, Decimal):
        # normalize() so 1.50 and 1.5 hash alike, whatever the database's decimal_places gave back.
        return format(value.normalize(), "f")
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"not JSON-serializable: {type(value).__name__}")


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
