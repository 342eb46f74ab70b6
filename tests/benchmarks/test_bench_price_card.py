"""Issue #28: one full-usage quote ≤ 50 µs in process (make bench).

The card is Gemini 2.5 Pro's from the real OpenRouter capture (base, a long-context tier, cache, audio, image and
web-search prices), the usage a long prompt that crosses the tier and touches every unit. The benchmark also checks
the answer, so it is a correctness test when benchmarks are disabled (the default run).
"""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from catalog.pricing import Usage, card_from_openrouter, quote
from tests.catalog.pricing.data import openrouter_models

pytestmark = pytest.mark.benchmark
BUDGET_US = 50.0
FULL_USAGE = Usage(
    input_tokens=300_000,
    output_tokens=8_000,
    cache_read_tokens=120_000,
    cache_write_tokens=20_000,
    cache_write_1h_tokens=5_000,
    reasoning_tokens=3_000,
    input_audio_tokens=4_000,
    output_audio_tokens=500,
    cache_read_audio_tokens=1_000,
    input_images=2,
    output_images=1,
    web_searches=3,
    requests=1,
    at=datetime(2026, 8, 24, 12, tzinfo=UTC),
)


def test_full_usage_quote_speed(benchmark):
    card, _ = card_from_openrouter(openrouter_models()["google/gemini-2.5-pro"]["pricing"])
    benchmark.extra_info.update(figure="one full-usage quote, Gemini 2.5 Pro card", budget=BUDGET_US, unit="µs")
    result = benchmark(quote, card, FULL_USAGE)
    assert result.tier == 200_000
    assert not result.complete  # no output-image or request price on this card: named, left out
    assert result.warnings == (
        "output_image: no price for 1 used; left out of the total",
        "request: no price for 1 used; left out of the total",
    )
    assert result.total_cost == sum((line.cost for line in result.lines), Decimal(0))
