"""quote(card, usage): what one request costs, exactly, line by line.

The rules, in order:

1. **Prices in effect.** Start from the card's base prices. Every long-context tier the prompt crosses applies its
   prices, lowest threshold first, so per unit the highest crossed tier naming it wins (cliff: the whole request).
2. **Service tier** (batch, priority, flex), mirroring LiteLLM's key fallback (`_get_token_base_cost` in
   litellm/litellm_core_utils/llm_cost_calc/utils.py): below every threshold a unit takes the service tier's own
   price, else the standard price; above a threshold it takes the service tier's own long-context price, else the
   standard long-context price, else the service tier's base price, else the standard base price. Each unit used
   that falls back to a standard price is named in a warning (the bill may differ); a card with no price at all
   for the service tier is priced at standard with one warning.
3. **Windows.** Every time-of-day window open at `usage.at` replaces the prices it names, in card order (later
   wins per unit) — after tiers and service tiers, as LiteLLM's off-peak block bills "the flat off-peak rate for
   the whole request while the window is open" and OpenRouter's later override entries win per price key.
4. **Decomposition**, as genai-prices decomposes usage (genai_prices/decompose.py `compute_leaf_values`): each
   token is billed once, at the most specific priced unit. A part with no price of its own is billed at its nearest
   priced whole (a 1 h cache write as a 5 min cache write, then as input; cached audio as audio input, then as
   input; reasoning and output audio as output). A used unit with no priced whole at all (images, web searches,
   requests, or an unpriced input/output) is left out of the total: `complete` is false and a warning names it.

All arithmetic is Decimal in a context that traps inexact results, so a quote is exact or raises.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Context, Decimal, Inexact

from catalog.pricing.card import PriceCard, Prices
from catalog.pricing.usage import Usage

EXACT = Context(prec=200, traps=[Inexact])
ZERO = Decimal(0)

# unit -> the units whose price bills it, most specific first (its nearest priced whole wins)
BILLED_AS = {
    "input": ("input",),
    "cache_read": ("cache_read", "input"),
    "cache_write": ("cache_write", "input"),
    "cache_write_1h": ("cache_write_1h", "cache_write", "input"),
    "input_audio": ("input_audio", "input"),
    "cache_read_audio": ("cache_read_audio", "input_audio", "input"),
    "output": ("output",),
    "reasoning": ("reasoning", "output"),
    "output_audio": ("output_audio", "output"),
    "input_image": ("input_image",),
    "output_image": ("output_image",),
    "web_search": ("web_search",),
    "request": ("request",),
}
INPUT_UNITS = frozenset({"input", "cache_read", "cache_write", "cache_write_1h", "input_audio", "cache_read_audio",
                         "input_image"})  # fmt: skip
OUTPUT_UNITS = frozenset({"output", "reasoning", "output_audio", "output_image"})


@dataclass(frozen=True, slots=True)
class Line:
    unit: str
    quantity: int
    unit_price: Decimal
    cost: Decimal
    priced_as: str


@dataclass(frozen=True, slots=True)
class Quote:
    total_cost: Decimal
    input_cost: Decimal
    output_cost: Decimal
    lines: tuple[Line, ...]
    tier: int | None
    window: str | None
    service_tier: str
    complete: bool
    warnings: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Resolved:
    """The prices in effect for one request, and what put them there."""

    prices: Prices
    tier: int | None = None
    window: str | None = None
    fallbacks: frozenset[str] = frozenset()
    missing_service_tier: bool = False


def leaf_quantities(usage: Usage) -> tuple[tuple[str, int], ...]:
    """Each unit's own tokens or count: a whole minus the parts billed on their own lines."""
    input_audio_own = usage.input_audio_tokens - usage.cache_read_audio_tokens
    input_own = (usage.input_tokens - usage.cache_read_tokens - usage.cache_write_tokens
                 - usage.cache_write_1h_tokens - usage.input_audio_tokens)  # fmt: skip
    output_own = usage.output_tokens - usage.reasoning_tokens - usage.output_audio_tokens
    return (
        ("input", input_own),
        ("output", output_own),
        ("cache_read", usage.cache_read_tokens),
        ("cache_write", usage.cache_write_tokens),
        ("cache_write_1h", usage.cache_write_1h_tokens),
        ("reasoning", usage.reasoning_tokens),
        ("input_audio", input_audio_own),
        ("output_audio", usage.output_audio_tokens),
        ("cache_read_audio", usage.cache_read_audio_tokens),
        ("input_image", usage.input_images),
        ("output_image", usage.output_images),
        ("web_search", usage.web_searches),
        ("request", usage.requests),
    )


def resolve(card: PriceCard, usage: Usage) -> Resolved:
    """The prices in effect for this usage (module docstring, rules 1-3)."""
    if card.is_flat and usage.service_tier == "standard":
        return Resolved(prices=card.prices)
    prompt = usage.input_tokens
    standard, tier = _tiered(card.prices, card.tiers, prompt)
    resolved = _service_tier(card, usage.service_tier, prompt, standard, tier)
    return _windowed(card, usage, resolved)


def _tiered(base: Prices, tiers, prompt: int) -> tuple[dict, int | None]:
    prices, applied = dict(base), None
    for tier in tiers:
        if tier.is_crossed(prompt):
            prices.update(tier.prices)
            applied = tier.threshold
    return prices, applied


def _service_tier(card: PriceCard, name: str, prompt: int, standard: dict, tier: int | None) -> Resolved:
    if name == "standard":
        return Resolved(prices=standard, tier=tier)
    own = card.service_tiers.get(name)
    if own is None:
        return Resolved(prices=standard, tier=tier, missing_service_tier=True)
    own_tiered, own_tier = _tiered({}, own.tiers, prompt)
    crossed = {unit for t in card.tiers if t.is_crossed(prompt) for unit in t.prices}
    prices, fallbacks = {}, set()
    for unit in standard.keys() | own.prices.keys() | own_tiered.keys():
        prices[unit], fell_back = _service_tier_price(unit, own.prices, own_tiered, standard, card.prices, crossed)
        if fell_back:
            fallbacks.add(unit)
    applied = tier if own_tier is None else max(own_tier, tier or 0)
    return Resolved(prices=prices, tier=applied, fallbacks=frozenset(fallbacks))


def _service_tier_price(unit, own_base, own_tiered, standard, base, crossed) -> tuple[Decimal, bool]:
    if unit in own_tiered:
        return own_tiered[unit], False
    if unit in crossed:
        return standard[unit], True
    if unit in own_base:
        return own_base[unit], False
    return base.get(unit, standard.get(unit)), True


def _windowed(card: PriceCard, usage: Usage, resolved: Resolved) -> Resolved:
    prices, window, named = resolved.prices, None, set()
    for candidate in card.windows:
        if candidate.is_open(usage.at):
            prices = {**prices, **candidate.prices}
            window = candidate.label
            named.update(candidate.prices)
    if window is None:
        return resolved
    return Resolved(prices, resolved.tier, window, resolved.fallbacks - named, resolved.missing_service_tier)


def quote(card: PriceCard, usage: Usage) -> Quote:
    """What `usage` costs under `card` (module docstring has the rules)."""
    resolved = resolve(card, usage)
    prices = resolved.prices
    lines, warnings, unpriced = [], [], False
    total_in = total_out = total = ZERO
    for unit, quantity in leaf_quantities(usage):
        if not quantity:
            continue
        priced_as = next((name for name in BILLED_AS[unit] if name in prices), None)
        if priced_as is None:
            warnings.append(f"{unit}: no price for {quantity} used; left out of the total")
            unpriced = True
            continue
        cost = EXACT.multiply(prices[priced_as], quantity)
        lines.append(Line(unit, quantity, prices[priced_as], cost, priced_as))
        total = EXACT.add(total, cost)
        if unit in INPUT_UNITS:
            total_in = EXACT.add(total_in, cost)
        elif unit in OUTPUT_UNITS:
            total_out = EXACT.add(total_out, cost)
    warnings.extend(_service_tier_warnings(resolved, usage, lines))
    return Quote(total, total_in, total_out, tuple(lines), resolved.tier, resolved.window, usage.service_tier,
                 complete=not unpriced, warnings=tuple(warnings))  # fmt: skip


def _service_tier_warnings(resolved: Resolved, usage: Usage, lines: list[Line]) -> list[str]:
    if resolved.missing_service_tier:
        return [f"service_tier: no {usage.service_tier} prices; standard prices used"]
    used = [line.priced_as for line in lines if line.priced_as in resolved.fallbacks]
    return [f"{unit}: no {usage.service_tier} price; standard price used" for unit in dict.fromkeys(used)]
