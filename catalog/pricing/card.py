"""The price card: every price a model has, in one normalized, exact shape for every source.

A card holds a Decimal price per unit (per token for token units, per image, search, request, second or character
otherwise), a known zero, or nothing (the unit is absent). Conditions change those prices for one request:

- long-context **tiers**: a threshold on the prompt's tokens with cliff semantics — once the prompt crosses it,
  every unit the tier names takes the tier's price for the whole request. Per unit, the highest crossed tier that
  names the unit wins, so tier order in a source never matters;
- time-of-day **windows** in UTC, optionally on some weekdays only; an open window replaces the prices it names
  after tiers are applied (later windows win per unit), as OpenRouter's `overrides` and LiteLLM's
  `off_peak_pricing` both bill;
- **service tiers** (batch, priority, flex): their own base prices and their own long-context tiers.

Each unit keeps its provenance (the source that supplied it) and an optional min-max range across the deployments
of a load-balanced group. `raw` is the source's own price object, kept unchanged beside the card for audit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo

TOKEN_UNITS = (
    "input",
    "output",
    "cache_read",
    "cache_write",
    "cache_write_1h",
    "reasoning",
    "input_audio",
    "output_audio",
    "cache_read_audio",
)
COUNT_UNITS = ("input_image", "output_image", "web_search", "request", "second", "character")
UNITS = TOKEN_UNITS + COUNT_UNITS
UNIT_ORDER = MappingProxyType({unit: index for index, unit in enumerate(UNITS)})
SERVICE_TIERS = ("standard", "batch", "priority", "flex")

Prices = Mapping[str, Decimal]


def frozen_prices(prices: Mapping[str, Decimal]) -> Prices:
    """A read-only copy in unit order; rejects unknown units, non-Decimal and negative prices."""
    for unit, price in prices.items():
        if unit not in UNIT_ORDER:
            raise ValueError(f"unknown price unit {unit!r}")
        if not isinstance(price, Decimal) or not price.is_finite() or price < 0:
            raise ValueError(f"price of {unit!r} must be a finite Decimal >= 0, not {price!r}")
    return MappingProxyType(dict(sorted(prices.items(), key=lambda item: UNIT_ORDER[item[0]])))


@dataclass(frozen=True, slots=True)
class Tier:
    """A long-context tier: above `threshold` prompt tokens (or at it, when `inclusive`) these prices apply."""

    threshold: int
    inclusive: bool
    prices: Prices

    def __post_init__(self) -> None:
        if isinstance(self.threshold, bool) or not isinstance(self.threshold, int) or self.threshold < 0:
            raise ValueError(f"tier threshold must be an int >= 0, not {self.threshold!r}")
        object.__setattr__(self, "prices", frozen_prices(self.prices))

    def is_crossed(self, prompt_tokens: int) -> bool:
        return prompt_tokens > self.threshold or (self.inclusive and prompt_tokens == self.threshold)

    @property
    def sort_key(self) -> tuple[int, bool]:
        # At one threshold, ">= t" is crossed before "> t": the exclusive tier is the higher one.
        return (self.threshold, not self.inclusive)


def sorted_tiers(tiers) -> tuple[Tier, ...]:
    ordered = tuple(sorted(tiers, key=lambda tier: tier.sort_key))
    keys = [tier.sort_key for tier in ordered]
    if len(set(keys)) != len(keys):
        raise ValueError("two tiers share one threshold; merge their prices into one tier")
    return ordered


def _minutes(text: str) -> int:
    hours, minutes = text.strip().split(":")
    value = int(hours) * 60 + int(minutes)
    if not (0 <= int(hours) < 24 and 0 <= int(minutes) < 60):
        raise ValueError(f"not a time of day: {text!r}")
    return value


@dataclass(frozen=True, slots=True)
class Window:
    """A time-of-day window: [start, end) minutes after midnight UTC, wrapping past midnight when start > end and
    covering the whole day when start == end; on `weekdays` only (ISO 1 = Monday .. 7 = Sunday, read on the
    calendar of `weekday_timezone`), or every day when `weekdays` is empty."""

    spans: tuple[tuple[int, int], ...]
    prices: Prices
    weekdays: tuple[int, ...] = ()
    weekday_timezone: str = "UTC"
    _zone: Any = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.spans:
            raise ValueError("a window needs at least one span")
        for start, end in self.spans:
            if not (0 <= start < 1440 and 0 <= end < 1440):
                raise ValueError(f"window span out of the day: {(start, end)!r}")
        if any(day not in range(1, 8) for day in self.weekdays):
            raise ValueError(f"weekdays are ISO numbers 1..7, not {self.weekdays!r}")
        object.__setattr__(self, "spans", tuple(tuple(span) for span in self.spans))
        object.__setattr__(self, "weekdays", tuple(sorted(set(self.weekdays))))
        object.__setattr__(self, "prices", frozen_prices(self.prices))
        object.__setattr__(self, "_zone", ZoneInfo(self.weekday_timezone))

    @classmethod
    def from_hours(cls, hours: list[str], prices: Prices, weekdays=(), weekday_timezone: str = "UTC") -> Window:
        """From "HH:MM-HH:MM" strings (LiteLLM `hours_utc`)."""
        spans = tuple((_minutes(text.split("-")[0]), _minutes(text.split("-")[1])) for text in hours)
        return cls(spans=spans, prices=prices, weekdays=tuple(weekdays), weekday_timezone=weekday_timezone)

    def is_open(self, at: datetime) -> bool:
        if self.weekdays and at.astimezone(self._zone).isoweekday() not in self.weekdays:
            return False
        utc = at.astimezone(UTC)
        now = utc.hour * 60 + utc.minute
        return any(_in_span(now, start, end) for start, end in self.spans)

    @property
    def label(self) -> str:
        hours = ",".join(f"{_clock(start)}-{_clock(end)}" for start, end in self.spans)
        days = "" if not self.weekdays else " days " + ",".join(map(str, self.weekdays))
        return f"{hours} UTC{days}"


def _in_span(now: int, start: int, end: int) -> bool:
    if start < end:
        return start <= now < end
    return now >= start or now < end


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@dataclass(frozen=True, slots=True)
class ServiceTierPrices:
    """A service tier's own prices (e.g. LiteLLM `*_batches`) and its own long-context tiers."""

    prices: Prices
    tiers: tuple[Tier, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "prices", frozen_prices(self.prices))
        object.__setattr__(self, "tiers", sorted_tiers(self.tiers))


def _empty() -> Prices:
    return MappingProxyType({})


@dataclass(frozen=True, slots=True)
class PriceCard:
    """Every price of one catalog entry; see the module docstring for the semantics of each part."""

    prices: Prices = field(default_factory=_empty)
    tiers: tuple[Tier, ...] = ()
    windows: tuple[Window, ...] = ()
    service_tiers: Mapping[str, ServiceTierPrices] = field(default_factory=_empty)
    provenance: Mapping[str, str] = field(default_factory=_empty)
    ranges: Mapping[str, tuple[Decimal, Decimal]] = field(default_factory=_empty)
    raw: Any = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "prices", frozen_prices(self.prices))
        object.__setattr__(self, "tiers", sorted_tiers(self.tiers))
        object.__setattr__(self, "windows", tuple(self.windows))
        object.__setattr__(self, "service_tiers", _checked_service_tiers(self.service_tiers))
        object.__setattr__(self, "provenance", _checked_units(self.provenance, "provenance"))
        object.__setattr__(self, "ranges", _checked_ranges(self.ranges))

    @property
    def is_flat(self) -> bool:
        """No condition at all: the base prices are the prices of every request."""
        return not (self.tiers or self.windows or self.service_tiers)

    @property
    def is_empty(self) -> bool:
        return not self.prices and self.is_flat


def _checked_service_tiers(tiers: Mapping[str, ServiceTierPrices]) -> Mapping[str, ServiceTierPrices]:
    for name in tiers:
        if name not in SERVICE_TIERS[1:]:
            raise ValueError(f"unknown service tier {name!r}")
    return MappingProxyType({name: tiers[name] for name in SERVICE_TIERS[1:] if name in tiers})


def _checked_units(values: Mapping[str, Any], what: str) -> Mapping[str, Any]:
    for unit in values:
        if unit not in UNIT_ORDER:
            raise ValueError(f"unknown unit {unit!r} in {what}")
    return MappingProxyType(dict(sorted(values.items(), key=lambda item: UNIT_ORDER[item[0]])))


def _checked_ranges(ranges: Mapping[str, tuple[Decimal, Decimal]]) -> Mapping[str, tuple[Decimal, Decimal]]:
    for unit, (low, high) in ranges.items():
        frozen_prices({unit: low})
        frozen_prices({unit: high})
        if low > high:
            raise ValueError(f"range of {unit!r} has min {low} above max {high}")
    return _checked_units({unit: (low, high) for unit, (low, high) in ranges.items()}, "ranges")
