"""LiteLLM's cost keys (a `/model/info` entry's `model_info`, or a cost-map entry) -> (PriceCard, findings).

A key is `<base>[_above_<N>[k]_tokens][_<service tier>]` (the service tier may also precede `_above_`, as in
`input_cost_per_token_priority_above_200k_tokens`). Thresholds are exclusive — "If input_tokens > threshold and
`input_cost_per_token_above_[x]k_tokens` ... is set" — except for the providers LiteLLM bills at `>=`
(`_INCLUSIVE_THRESHOLD_PROVIDERS = {"xai"}`, `_prompt_exceeds_threshold`), both in
litellm/litellm_core_utils/llm_cost_calc/utils.py of litellm 1.106.2. `tiered_pricing` tables (Dashscope) match
`range_start < input_tokens <= range_end` (tiered_pricing.py `select_tier_for_input`): exclusive tiers at each
range start. `off_peak_pricing` is documented at https://docs.litellm.ai/docs/proxy/off_peak_pricing and in
`OffPeakPricing`/`OffPeakWindow` (litellm/types/utils.py): `hours_utc` "HH:MM-HH:MM" windows in UTC (or a list), every
day, wrapping past midnight, start inclusive and end exclusive, start == end the whole day; `windows` adds rules
restricted to `weekdays` (ISO numbers or English names) read on the `weekday_timezone` calendar (default UTC).
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from catalog.pricing.card import PriceCard, ServiceTierPrices, Tier, Window
from catalog.pricing.values import price_value

SOURCE = "litellm"
UNIT_OF_BASE = {
    "input_cost_per_token": "input",
    "output_cost_per_token": "output",
    "cache_read_input_token_cost": "cache_read",
    "cache_creation_input_token_cost": "cache_write",
    "cache_creation_input_token_cost_above_1hr": "cache_write_1h",
    "output_cost_per_reasoning_token": "reasoning",
    "input_cost_per_audio_token": "input_audio",
    "output_cost_per_audio_token": "output_audio",
    "cache_read_input_audio_token_cost": "cache_read_audio",
    "input_cost_per_image": "input_image",
    "output_cost_per_image": "output_image",
    "input_cost_per_request": "request",
    "input_cost_per_second": "second",
    "input_cost_per_character": "character",
}
SERVICE_TIER_OF_SUFFIX = {"batches": "batch", "priority": "priority", "flex": "flex"}
_BASES = "|".join(sorted(map(re.escape, UNIT_OF_BASE), key=len, reverse=True))
_TIER = "|".join(SERVICE_TIER_OF_SUFFIX)
KEY = re.compile(
    rf"^(?P<base>{_BASES})(?:_(?P<st1>{_TIER}))?(?:_above_(?P<n>\d+)(?P<k>k?)_tokens)?(?:_(?P<st2>{_TIER}))?$"
)
INCLUSIVE_PROVIDERS = frozenset({"xai"})
WEEKDAYS = {"mon": 1, "tue": 2, "tues": 2, "wed": 3, "thu": 4, "thur": 4, "thurs": 4, "fri": 5, "sat": 6, "sun": 7}
OFF_PEAK_KEYS = ("input_cost_per_token", "output_cost_per_token", "output_cost_per_reasoning_token",
                 "cache_read_input_token_cost", "cache_creation_input_token_cost")  # fmt: skip
# LiteLLM prices a web search by search context size; a request that names none is priced as "medium".
SEARCH_SIZE = "search_context_size_medium"


def is_price_key(key: str) -> bool:
    return "cost" in key or "pric" in key


class _Builder:
    """Collects one entry's prices by (service tier, threshold) before they become a card."""

    def __init__(self, inclusive: bool) -> None:
        self.inclusive = inclusive
        self.groups: dict[tuple[str, int | None], dict[str, Decimal]] = {}
        self.findings: list[str] = []
        self.windows: list[Window] = []

    def add(self, key: str, value: Any) -> None:
        if key == "search_context_cost_per_query":
            return self._search(value)
        if key == "off_peak_pricing":
            return self._off_peak(value)
        if key == "tiered_pricing":
            return self._tiered(value)
        match = KEY.match(key)
        if match is None or (match["st1"] and match["st2"]):
            if value not in (None, [], {}):
                self.findings.append(f"{key}: unknown price key")
            return None
        price = price_value(key, value, self.findings)
        if price is not None:
            self._put(match, price)
        return None

    def _put(self, match: re.Match, price: Decimal) -> None:
        tier = SERVICE_TIER_OF_SUFFIX[match["st1"] or match["st2"]] if (match["st1"] or match["st2"]) else "standard"
        threshold = None if match["n"] is None else int(match["n"]) * (1000 if match["k"] else 1)
        self.groups.setdefault((tier, threshold), {})[UNIT_OF_BASE[match["base"]]] = price

    def _search(self, value: Any) -> None:
        sizes = value if isinstance(value, dict) else {SEARCH_SIZE: value}
        if SEARCH_SIZE not in sizes:
            self.findings.append(f"search_context_cost_per_query: no {SEARCH_SIZE} price: {value!r}")
            return
        price = price_value(f"search_context_cost_per_query.{SEARCH_SIZE}", sizes[SEARCH_SIZE], self.findings)
        if price is not None:
            self.groups.setdefault(("standard", None), {})["web_search"] = price
        if len({repr(v) for v in sizes.values()}) > 1:
            self.findings.append("search_context_cost_per_query: prices differ by context size; medium kept")

    def _tiered(self, table: Any) -> None:
        if table == []:
            return
        if not isinstance(table, list) or not all(
            isinstance(row, dict) and len(row.get("range", ())) == 2 for row in table
        ):
            self.findings.append(f"tiered_pricing: not a list of ranged tiers: {table!r}")
            return
        for row in sorted(table, key=lambda row: row["range"][0]):
            start = int(row["range"][0])
            prices = self._plain_prices(row, "tiered_pricing", skip=("range",))
            # The first range starts at 0: its prices are the base. Every later range is an exclusive cliff.
            self.groups.setdefault(("standard", None if start == 0 else start), {}).update(prices)

    def _plain_prices(self, entry: dict, where: str, skip=()) -> dict[str, Decimal]:
        prices = {}
        for key, value in entry.items():
            if key in skip:
                continue
            if key not in UNIT_OF_BASE:
                self.findings.append(f"{where}.{key}: unknown price key")
            elif (price := price_value(f"{where}.{key}", value, self.findings)) is not None:
                prices[UNIT_OF_BASE[key]] = price
        return prices

    def _off_peak(self, block: Any) -> None:
        if not isinstance(block, dict):
            self.findings.append(f"off_peak_pricing: not an object: {block!r}")
            return
        rate_keys = {key: block[key] for key in block if key in OFF_PEAK_KEYS}
        prices = self._plain_prices(rate_keys, "off_peak_pricing")
        for key in block.keys() - set(OFF_PEAK_KEYS) - {"hours_utc", "windows", "weekday_timezone"}:
            self.findings.append(f"off_peak_pricing.{key}: unknown key")
        zone = block.get("weekday_timezone") or "UTC"
        rules = [({"hours_utc": block["hours_utc"]}, ())] if block.get("hours_utc") else []
        rules += [(rule, rule.get("weekdays") or ()) for rule in block.get("windows") or [] if isinstance(rule, dict)]
        for rule, weekdays in rules:
            self._off_peak_window(rule["hours_utc"], weekdays, zone, prices)

    def _off_peak_window(self, hours: Any, weekdays: Any, zone: str, prices: dict) -> None:
        try:
            days = tuple(day if isinstance(day, int) else WEEKDAYS[str(day).strip().lower()[:3]] for day in weekdays)
            spans = [hours] if isinstance(hours, str) else list(hours)
            self.windows.append(Window.from_hours(spans, prices, weekdays=days, weekday_timezone=zone))
        except (ValueError, KeyError, TypeError, IndexError):
            self.findings.append(f"off_peak_pricing: unusable window {hours!r} on {weekdays!r}")

    def card(self, raw: dict) -> PriceCard:
        base = self.groups.get(("standard", None), {})
        service_tiers = {}
        for name in ("batch", "priority", "flex"):
            own = self.groups.get((name, None), {})
            tiers = self._tiers(name)
            if own or tiers:
                service_tiers[name] = ServiceTierPrices(prices=own, tiers=tiers)
        return PriceCard(prices=base, tiers=self._tiers("standard"), windows=self.windows,
                         service_tiers=service_tiers, provenance=dict.fromkeys(base, SOURCE), raw=raw)  # fmt: skip

    def _tiers(self, service_tier: str) -> list[Tier]:
        return [Tier(threshold, self.inclusive, prices)
                for (name, threshold), prices in self.groups.items()
                if name == service_tier and threshold is not None]  # fmt: skip


def card_from_litellm(model_info: dict) -> tuple[PriceCard, list[str]]:
    """The card of one LiteLLM entry (every cost key of `/model/info` and the cost map), and findings."""
    builder = _Builder(inclusive=model_info.get("litellm_provider") in INCLUSIVE_PROVIDERS)
    raw = {}
    for key, value in model_info.items():
        if not is_price_key(key) or value is None:
            continue
        raw[key] = value
        if key == "pricing_overrides" and value == []:
            continue
        builder.add(key, value)
    return builder.card(raw), builder.findings
