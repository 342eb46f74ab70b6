"""Price cards from the real captures (tests/catalog/pricing/data/, see its README), as the sync stores them."""

from __future__ import annotations

from catalog.pricing import card_from_litellm, card_from_openrouter, card_to_json
from tests.catalog.pricing.data import load, openrouter_models


def openrouter_card_json(model_id: str) -> dict:
    """The card the OpenRouter capture states for one model (e.g. google/gemini-2.5-pro), as card_to_json writes it."""
    card, _ = card_from_openrouter(openrouter_models()[model_id]["pricing"])
    return card_to_json(card)


def litellm_card_json(model_name: str) -> dict:
    """The card of one deployment of the real LiteLLM /model/info capture (e.g. claude-sonnet-4-5)."""
    (entry,) = [m for m in load("litellm_model_info.json")["data"] if m["model_name"] == model_name][:1]
    card, _ = card_from_litellm(entry["model_info"])
    return card_to_json(card)
