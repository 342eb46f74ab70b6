"""Cards built from several records: a load-balanced LiteLLM group, and a gateway card filled from linked records."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from catalog.pricing.card import UNITS, PriceCard

GROUP_SOURCE = "litellm:model_group_info"
DEPLOYMENTS_SOURCE = "litellm:deployments"


def _ranges(cards: Sequence[PriceCard]) -> dict[str, tuple[Decimal, Decimal]]:
    ranges = {}
    for unit in UNITS:
        values = [card.prices[unit] for card in cards if unit in card.prices]
        if values:
            ranges[unit] = (min(values), max(values))
    return ranges


def _shared_conditions(cards: Sequence[PriceCard]) -> dict:
    """Tiers, windows and service tiers only when every deployment carries the same ones: a request may land on any
    deployment, so a condition only some of them bill cannot be stated for the group."""
    first = cards[0]
    if all((c.tiers, c.windows, c.service_tiers) == (first.tiers, first.windows, first.service_tiers) for c in cards):
        return {"tiers": first.tiers, "windows": first.windows, "service_tiers": first.service_tiers}
    return {}


def group_card(
    group_input: Decimal | None, group_output: Decimal | None, deployment_cards: Sequence[PriceCard]
) -> PriceCard:
    """The card of a public name served by several deployments.

    Base input and output are the gateway's own `/model_group/info` prices (its worst case across deployments, what
    the gateway itself shows). Every other unit takes the highest price any deployment has for it — the same worst
    case, so a quote never promises less than a request may cost. `ranges` holds the min-max of each unit across
    the deployments that price it; conditions are kept only when all deployments agree (`_shared_conditions`).
    """
    prices, provenance = {}, {}
    ranges = _ranges(deployment_cards) if deployment_cards else {}
    for unit, (_, high) in ranges.items():
        prices[unit], provenance[unit] = high, DEPLOYMENTS_SOURCE
    for unit, price in (("input", group_input), ("output", group_output)):
        prices.pop(unit, None)
        provenance.pop(unit, None)
        if price is not None:
            prices[unit], provenance[unit] = price, GROUP_SOURCE
    conditions = _shared_conditions(deployment_cards) if deployment_cards else {}
    raws = [card.raw for card in deployment_cards]
    raw = {"model_group_info": {"input_cost_per_token": group_input, "output_cost_per_token": group_output},
           "deployments": raws}  # fmt: skip
    return PriceCard(prices=prices, provenance=provenance, ranges=ranges, raw=raw, **conditions)


def card_filled(card: PriceCard, linked_card: PriceCard, provenance: str) -> PriceCard:
    """`card` with the units it leaves empty taken from `linked_card` (an OpenRouter or cost-map record), each
    marked with `provenance`. Conditions come from the linked card only when `card` has none and both agree on
    base input and output: a linked tier priced against another base would not describe this entry's bill."""
    prices, sources = dict(card.prices), dict(card.provenance)
    for unit, price in linked_card.prices.items():
        if unit not in prices:
            prices[unit], sources[unit] = price, provenance
    same_base = all(card.prices.get(unit) == linked_card.prices.get(unit) for unit in ("input", "output"))
    take = card.is_flat and same_base
    return PriceCard(
        prices=prices,
        tiers=linked_card.tiers if take else card.tiers,
        windows=linked_card.windows if take else card.windows,
        service_tiers=linked_card.service_tiers if take else card.service_tiers,
        provenance=sources,
        ranges=card.ranges,
        raw=card.raw,
    )
