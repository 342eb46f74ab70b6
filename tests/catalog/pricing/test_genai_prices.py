"""Spot checks against pydantic's genai-prices (an independent calculator): cards built from the real captures."""

from datetime import UTC, datetime

import pytest
from genai_prices import Usage as GenaiUsage
from genai_prices import calc_price

from catalog.pricing import Usage, card_from_openrouter, quote
from tests.catalog.pricing.data import openrouter_models

AT = datetime(2026, 8, 24, 12, tzinfo=UTC)
CASES = [
    ("google/gemini-2.5-pro", "gemini-2.5-pro", "google"),
    ("anthropic/claude-sonnet-4.5", "claude-sonnet-4-5", "anthropic"),
    ("openai/gpt-4o", "gpt-4o", "openai"),
]
USAGES = [
    {"input_tokens": 1_000, "cache_read_tokens": 500, "output_tokens": 100},
    {"input_tokens": 150_000, "cache_read_tokens": 120_000, "output_tokens": 4_000},
    {"input_tokens": 300_000, "cache_read_tokens": 100_000, "output_tokens": 1_000},
    {"input_tokens": 900_000, "cache_read_tokens": 800_000, "output_tokens": 20_000},
]


@pytest.mark.parametrize("tokens", USAGES)
@pytest.mark.parametrize(("openrouter_id", "model_ref", "provider"), CASES)
def test_cost_matches_genai_prices(openrouter_id, model_ref, provider, tokens):
    card, _ = card_from_openrouter(openrouter_models()[openrouter_id]["pricing"])
    ours = quote(card, Usage(**tokens, requests=0, at=AT))
    theirs = calc_price(GenaiUsage(**tokens), model_ref, provider_id=provider, genai_request_timestamp=AT)
    assert (ours.total_cost, ours.input_cost, ours.output_cost) == (
        theirs.total_price,
        theirs.input_price,
        theirs.output_price,
    )
