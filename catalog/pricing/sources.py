"""Pure parsers from each source's price object to a PriceCard, and the cards built from several records."""

from catalog.pricing.merge import card_filled, group_card
from catalog.pricing.source_litellm import card_from_litellm
from catalog.pricing.source_openrouter import card_from_openrouter

__all__ = ["card_filled", "card_from_litellm", "card_from_openrouter", "group_card"]
