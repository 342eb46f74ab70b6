"""One request's usage, in the contract's names, validated: the quantities a quote prices.

`input_tokens` is the whole prompt (cached, cache-written and audio tokens included) and `output_tokens` the whole
completion (reasoning and audio included), as OpenAI and genai-prices count them. The other token fields are
parts of those wholes; `cache_read_audio_tokens` (an extension beyond the API contract, default 0) is the cached
part of `input_audio_tokens`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import UTC, datetime

from catalog.pricing.card import SERVICE_TIERS

# whole -> the parts it contains (their sum may not exceed it)
PARTS = {
    "input_tokens": ("cache_read_tokens", "cache_write_tokens", "cache_write_1h_tokens", "input_audio_tokens"),
    "input_audio_tokens": ("cache_read_audio_tokens",),
    "output_tokens": ("reasoning_tokens", "output_audio_tokens"),
}


class UsageError(ValueError):
    """A usage that cannot be priced; `field` names the offending field (the API answers 400 naming it)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Usage:
    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    cache_write_1h_tokens: int = 0
    reasoning_tokens: int = 0
    input_audio_tokens: int = 0
    output_audio_tokens: int = 0
    cache_read_audio_tokens: int = 0
    input_images: int = 0
    output_images: int = 0
    web_searches: int = 0
    requests: int = 1
    service_tier: str = "standard"
    at: datetime = field(default_factory=_now)

    def __post_init__(self) -> None:
        for name in COUNT_FIELDS:
            _check_count(name, getattr(self, name))
        for whole, parts in PARTS.items():
            _check_parts(self, whole, parts)
        if self.service_tier not in SERVICE_TIERS:
            raise UsageError("service_tier", f"must be one of {', '.join(SERVICE_TIERS)}, not {self.service_tier!r}")
        if not isinstance(self.at, datetime) or self.at.utcoffset() is None:
            raise UsageError("at", "must be an aware datetime (with a UTC offset)")


COUNT_FIELDS = tuple(f.name for f in fields(Usage) if f.name not in ("service_tier", "at"))


def _check_count(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise UsageError(name, f"must be a whole number, not {value!r}")
    if value < 0:
        raise UsageError(name, f"must be >= 0, not {value}")


def _check_parts(usage: Usage, whole: str, parts: tuple[str, ...]) -> None:
    total = getattr(usage, whole)
    for part in parts:
        if getattr(usage, part) > total:
            raise UsageError(part, f"{getattr(usage, part)} exceeds {whole} ({total})")
    summed = sum(getattr(usage, part) for part in parts)
    if summed > total:
        raise UsageError(parts[-1], f"{' + '.join(parts)} = {summed} exceeds {whole} ({total})")
