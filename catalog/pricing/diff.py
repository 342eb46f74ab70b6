"""card_changes(old, new): what changed between two cards, per unit and per condition (model.price_changed)."""

from __future__ import annotations

from dataclasses import dataclass

from catalog.pricing.card import UNIT_ORDER, PriceCard
from catalog.pricing.codec import decimal_text


@dataclass(frozen=True, slots=True, order=True)
class PriceChange:
    """One price that changed: `where` is "base", "tier >200000", "window 10:00-01:00 UTC" or
    "batch tier >272000"; `old`/`new` are decimal strings, None when absent."""

    where: str
    unit: str
    old: str | None
    new: str | None


def _tier_name(tier) -> str:
    return f"tier {'>=' if tier.inclusive else '>'}{tier.threshold}"


def _flatten(card: PriceCard) -> dict[tuple[str, str], str]:
    """Every price of the card, keyed by (condition, unit); tier order plays no part."""
    flat = {}

    def put(where: str, prices) -> None:
        for unit, price in prices.items():
            flat[(where, unit)] = decimal_text(price)

    put("base", card.prices)
    for tier in card.tiers:
        put(_tier_name(tier), tier.prices)
    for index, window in enumerate(card.windows):
        put(f"window {window.label}" + (f" #{index}" if index else ""), window.prices)
    for name, own in card.service_tiers.items():
        put(name, own.prices)
        for tier in own.tiers:
            put(f"{name} {_tier_name(tier)}", tier.prices)
    return flat


def card_changes(old: PriceCard, new: PriceCard) -> list[PriceChange]:
    """Each (condition, unit) whose price differs, old -> new; empty when the cards bill the same."""
    before, after = _flatten(old), _flatten(new)
    changes = [
        PriceChange(where, unit, before.get((where, unit)), after.get((where, unit)))
        for where, unit in before.keys() | after.keys()
        if before.get((where, unit)) != after.get((where, unit))
    ]
    return sorted(changes, key=lambda change: (change.where, UNIT_ORDER[change.unit]))
