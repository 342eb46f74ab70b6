"""Price cards: every price a model has, exact (Decimal end to end), and the cost of a request under it.

Pure: no Django, no I/O. See card.py for the shape, calculator.py for the billing rules, sources.py for parsers.
"""

from catalog.pricing.calculator import Line, Quote, quote
from catalog.pricing.card import SERVICE_TIERS, UNITS, PriceCard, ServiceTierPrices, Tier, Window
from catalog.pricing.codec import card_from_json, card_to_json, legacy_card, per_mtok
from catalog.pricing.diff import PriceChange, card_changes
from catalog.pricing.sources import card_filled, card_from_litellm, card_from_openrouter, group_card
from catalog.pricing.usage import Usage, UsageError

__all__ = [
    "SERVICE_TIERS",
    "UNITS",
    "Line",
    "PriceCard",
    "PriceChange",
    "Quote",
    "ServiceTierPrices",
    "Tier",
    "Usage",
    "UsageError",
    "Window",
    "card_changes",
    "card_filled",
    "card_from_json",
    "card_from_litellm",
    "card_from_openrouter",
    "card_to_json",
    "group_card",
    "legacy_card",
    "per_mtok",
    "quote",
]
