"""What a stated usage costs on each candidate, fast enough to rank 20,000 of them per request (SPEC §9: 10 ms).

The cost a ranking compares is the quote's total (catalog.pricing.quote) as a float, computed from a plan made once
per candidate when the snapshot is built: for a card with no window and no service tier, the prices in effect for
each number of long-context tiers crossed (tiers apply cliff-wise, lowest threshold first, so the crossed tiers are
always a prefix), resolved per billed unit to its nearest priced whole as the calculator bills it. A request then
costs a few multiplications per candidate. A card with windows or service tiers is quoted exactly each time. The
exact amounts a client sees (estimated_cost) always come from quote() itself; only the order uses floats.

Pure: no Django, no I/O.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache

from catalog.cards import card_quote
from catalog.pricing import PriceCard, Usage, card_to_json
from catalog.pricing.calculator import BILLED_AS, leaf_quantities

LEAVES = tuple(unit for unit, _ in leaf_quantities(Usage()))
LEAF_INDEX = {unit: index for index, unit in enumerate(LEAVES)}
REQUEST = LEAF_INDEX["request"]
Vector = tuple[float | None, ...]


@dataclass(frozen=True, slots=True, eq=False)  # identity: a request's memo of prices per plan hashes nothing
class CostPlan:
    """A candidate's prices per leaf unit (None: no priced whole) after 0, 1, .. n tiers; or the card to quote.

    Equal plans are one object (`_canonical`), so a request prices each distinct plan once however many models
    share it (deployments and aliases of one model mostly do)."""

    tiers: tuple[tuple[int, bool], ...]  # (threshold, inclusive), sorted: the crossed tiers are a prefix
    vectors: tuple[Vector, ...]
    card: PriceCard | None = None  # set when every request is quoted exactly (windows, service tiers)


def _vector(prices) -> Vector:
    return tuple(next((float(prices[name]) for name in BILLED_AS[unit] if name in prices), None) for unit in LEAVES)


def cost_plan(card: PriceCard | None) -> CostPlan | None:
    """The plan for one card; None for no card (no cost can be promised)."""
    if card is None:
        return None
    if card.windows or card.service_tiers:
        return _canonical_card(card)
    prices, vectors = dict(card.prices), [_vector(card.prices)]
    for tier in card.tiers:
        prices.update(tier.prices)
        vectors.append(_vector(prices))
    return _canonical(tuple((t.threshold, t.inclusive) for t in card.tiers), tuple(vectors))


_CARD_PLANS: dict[str, CostPlan] = {}


def _canonical_card(card: PriceCard) -> CostPlan:
    """One plan object for equal cards (cards hold mappings, so they are keyed by their JSON), so a request quotes
    each distinct card once however many models carry it."""
    text = json.dumps(card_to_json(card), sort_keys=True)
    if text not in _CARD_PLANS:
        if len(_CARD_PLANS) >= 65_536:  # bounded like _canonical's cache
            _CARD_PLANS.clear()
        _CARD_PLANS[text] = CostPlan((), (), card)
    return _CARD_PLANS[text]


@lru_cache(maxsize=65_536)
def _canonical(tiers: tuple[tuple[int, bool], ...], vectors: tuple[Vector, ...]) -> CostPlan:
    return CostPlan(tiers, vectors)  # one object for equal plans


def usage_leaves(usage: Usage) -> tuple[tuple[int, int], ...]:
    """The usage's nonzero leaf quantities as (leaf index, quantity): computed once per request."""
    return tuple((LEAF_INDEX[unit], quantity) for unit, quantity in leaf_quantities(usage) if quantity)


def plan_cost(
    plan: CostPlan | None, usage: Usage, leaves: tuple[tuple[int, int], ...], *, requests_stated: bool = True
) -> float | None:
    """The usage's total in USD (float, for ordering); None without a card or when a used unit has no price (a
    default `requests` only counts where the card prices requests: catalog.cards.billed_usage)."""
    if plan is None:
        return None
    if plan.card is not None:
        result = card_quote(plan.card, usage, requests_stated=requests_stated)
        return float(result.total_cost) if result.complete else None
    crossed, prompt = 0, usage.input_tokens
    for threshold, inclusive in plan.tiers:
        if not (prompt > threshold or (inclusive and prompt == threshold)):  # Tier.is_crossed
            break
        crossed += 1
    vector, total = plan.vectors[crossed], 0.0
    for index, quantity in leaves:
        price = vector[index]
        if price is None:
            if index == REQUEST and not requests_stated:
                continue  # the card prices no request and the client stated none (billed_usage)
            return None
        total += price * quantity
    return total


def usage_scale(usage: Usage) -> float:
    """Turns a request's cost into the per-Mtok blend the flat ranking scores (input + output $ per Mtok): the cost
    scaled to 2M tokens of the request, so a 1M-in, 1M-out request scores exactly as its blended price does."""
    tokens = usage.input_tokens + usage.output_tokens
    return 2_000_000 / tokens if tokens else 1.0
