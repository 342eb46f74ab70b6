"""OpenRouter's `pricing` object (GET /api/v1/models) -> (PriceCard, findings).

`overrides` semantics, from OpenRouter's generated SDK (OpenRouterTeam/go-sdk `models/components/pricingoverride.go`,
the `PricingOverride` type of the OpenAPI spec): "An entry applies only when all of its condition fields (e.g.
min_prompt_tokens, or the utc_start/utc_end time window) match the request; among applicable entries, later entries
win per price key; price keys absent from an entry inherit the base price." Its fields:

- `min_prompt_tokens`: "the entry applies when the total prompt tokens of a request are strictly greater than this
  threshold" — an exclusive threshold (`Tier.inclusive` False);
- `utc_start`: "inclusive start of a daily UTC time window as an HHMM clock number (e.g. 100 = 01:00, 1030 =
  10:30) ... the half-open window [utc_start, utc_end), which may wrap past midnight (utc_start > utc_end)";
  `utc_end`: "exclusive end ... as an HHMM clock number (e.g. 400 = 04:00)";
- `utc_days`: "UTC weekdays the entry applies on ... Scopes the utc_start/utc_end window (or, without a window, the
  whole UTC day) to the listed days. Absent means every day."
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from catalog.pricing.card import PriceCard, Tier, Window
from catalog.pricing.values import price_value

SOURCE = "openrouter"
# OpenRouter pricing key -> card unit (every key seen in the 2026-08 captures of /api/v1/models)
UNIT_OF_KEY = {
    "prompt": "input",
    "completion": "output",
    "input_cache_read": "cache_read",
    "input_cache_write": "cache_write",
    "input_cache_write_1h": "cache_write_1h",
    "internal_reasoning": "reasoning",
    "audio": "input_audio",
    "audio_output": "output_audio",
    "input_audio_cache": "cache_read_audio",
    "image": "input_image",
    "web_search": "web_search",
    "request": "request",
}
# The card has per-image units only. `image_token` is documented "per image token"; `image_output` is documented
# "per output image" (go-sdk docs/models/components/pricing.md), but in every capture its value equals `image_token`
# (e.g. 0.0000083 for a Seedream image), so it is read as a per-token price too: kept in `raw` and reported.
NO_CARD_UNIT = ("image_token", "image_output")
CONDITION_KEYS = ("min_prompt_tokens", "utc_start", "utc_end", "utc_days")
DAYS = {"monday": 1, "tuesday": 2, "wednesday": 3, "thursday": 4, "friday": 5, "saturday": 6, "sunday": 7}


def _prices(entry: dict, where: str, findings: list[str]) -> dict[str, Decimal]:
    prices = {}
    for key, value in entry.items():
        if key in CONDITION_KEYS or (key == "overrides" and not where):
            continue
        name = f"{where}{key}"
        if key == "discount":  # "the price is multiplied by (1 - discount)": the listed prices are pre-discount
            if value not in (0, "0"):
                findings.append(f"{name}: discount {value!r} not applied to the card")
        elif key in NO_CARD_UNIT:
            findings.append(f"{name}: per-image-token price, no card unit (kept in raw)")
        elif key not in UNIT_OF_KEY:
            findings.append(f"{name}: unknown price key")
        elif (price := price_value(name, value, findings)) is not None:
            prices[UNIT_OF_KEY[key]] = price
    return prices


def _hhmm(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value):
        raise ValueError(f"{where}: not an HHMM clock number: {value!r}")
    hours, minutes = divmod(int(value), 100)
    if not (0 <= hours < 24 and 0 <= minutes < 60):
        raise ValueError(f"{where}: not an HHMM clock number: {value!r}")
    return hours * 60 + minutes


def _window(entry: dict, prices: dict, where: str) -> Window:
    if "utc_start" in entry or "utc_end" in entry:
        spans = ((_hhmm(entry.get("utc_start"), f"{where}utc_start"), _hhmm(entry.get("utc_end"), f"{where}utc_end")),)
    else:
        spans = ((0, 0),)  # utc_days alone: the whole UTC day
    days = entry.get("utc_days") or []
    if not isinstance(days, list) or any(day not in DAYS for day in days):
        raise ValueError(f"{where}utc_days: not a list of weekday names: {days!r}")
    return Window(spans=spans, prices=prices, weekdays=tuple(DAYS[day] for day in days))


def _condition(entry: Any, index: int, findings: list[str]) -> Tier | Window | None:
    where = f"overrides[{index}]."
    if not isinstance(entry, dict):
        findings.append(f"overrides[{index}]: not an object: {entry!r}")
        return None
    prices = _prices(entry, where, findings)
    is_timed = any(key in entry for key in ("utc_start", "utc_end", "utc_days"))
    try:
        if "min_prompt_tokens" in entry and is_timed:
            findings.append(f"overrides[{index}]: a tier and a window in one entry; not represented")
            return None
        if "min_prompt_tokens" in entry:
            threshold = entry["min_prompt_tokens"]
            if isinstance(threshold, bool) or not isinstance(threshold, int | float) or threshold != int(threshold):
                raise ValueError(f"{where}min_prompt_tokens: not a token count: {threshold!r}")
            return Tier(threshold=int(threshold), inclusive=False, prices=prices)
        if is_timed:
            return _window(entry, prices, where)
    except ValueError as error:
        findings.append(str(error))
        return None
    findings.append(f"overrides[{index}]: no condition field; not represented")
    return None


def _conditions(overrides: Any, findings: list[str]) -> tuple[list[Tier], list[Window]]:
    tiers: dict[int, Tier] = {}
    windows: list[Window] = []
    if not isinstance(overrides, list):
        findings.append(f"overrides: not a list: {overrides!r}")
        return [], []
    for index, entry in enumerate(overrides):
        condition = _condition(entry, index, findings)
        if isinstance(condition, Window):
            windows.append(condition)
        elif isinstance(condition, Tier):
            if windows:
                findings.append(f"overrides[{index}]: a tier after a window; the card applies windows last")
            earlier = tiers.get(condition.threshold)
            merged = {**(earlier.prices if earlier else {}), **condition.prices}  # later entries win per key
            tiers[condition.threshold] = Tier(condition.threshold, False, merged)
    return list(tiers.values()), windows


def card_from_openrouter(pricing: dict, overrides: list | None = None) -> tuple[PriceCard, list[str]]:
    """The card of one OpenRouter model's `pricing` (with its `overrides`, or the ones given), and findings."""
    findings: list[str] = []
    prices = _prices(pricing, "", findings)
    conditions = overrides if overrides is not None else pricing.get("overrides")
    tiers, windows = _conditions(conditions, findings) if conditions is not None else ([], [])
    raw = pricing if overrides is None else {**pricing, "overrides": overrides}
    card = PriceCard(prices=prices, tiers=tiers, windows=windows, provenance=dict.fromkeys(prices, SOURCE), raw=raw)
    return card, findings
