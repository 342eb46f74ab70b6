"""Oracle: every priced model of the real OpenRouter captures costs what its own pricing object says.

The reference below reads the raw `pricing` object directly, as OpenRouter documents `overrides`
(OpenRouterTeam/go-sdk models/components/pricingoverride.go): an entry applies when all its conditions match
(`min_prompt_tokens` strictly below the prompt; the half-open HHMM window [utc_start, utc_end), wrapping past
midnight; `utc_days`), and among applicable entries later ones win per price key.
"""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from catalog.pricing import Usage, card_from_openrouter, quote
from tests.catalog.pricing.data import openrouter_models
from tests.catalog.pricing.strategies import moments

# OpenRouter key billing each part of a request, most specific first (a part without its own key is billed as
# its whole, as the pricing object gives no other price for it).
KEYS = {
    "input": ["prompt"], "cache_read": ["input_cache_read", "prompt"], "cache_write": ["input_cache_write", "prompt"],
    "cache_write_1h": ["input_cache_write_1h", "input_cache_write", "prompt"], "input_audio": ["audio", "prompt"],
    "cache_read_audio": ["input_audio_cache", "audio", "prompt"], "output": ["completion"],
    "reasoning": ["internal_reasoning", "completion"], "output_audio": ["audio_output", "completion"],
    "input_image": ["image"], "web_search": ["web_search"], "request": ["request"],
}  # fmt: skip
DAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]


def _applies(entry: dict, prompt: int, at: datetime) -> bool:
    if "min_prompt_tokens" in entry and not prompt > entry["min_prompt_tokens"]:
        return False
    if "utc_days" in entry and DAYS[at.weekday()] not in entry["utc_days"]:
        return False
    if "utc_start" in entry:
        now, start, end = at.hour * 100 + at.minute, entry["utc_start"], entry["utc_end"]
        inside = start <= now < end if start < end else (now >= start or now < end)
        if not inside:
            return False
    return True


def openrouter_bill(pricing: dict, u: Usage) -> Decimal:
    effective = {key: value for key, value in pricing.items() if key != "overrides"}
    for entry in pricing.get("overrides", []):
        if _applies(entry, u.input_tokens, u.at):
            effective.update({k: v for k, v in entry.items() if k not in ("min_prompt_tokens", "utc_start", "utc_end")})
    amounts = {
        "input": u.input_tokens - u.cache_read_tokens - u.cache_write_tokens - u.cache_write_1h_tokens
        - u.input_audio_tokens,
        "cache_read": u.cache_read_tokens, "cache_write": u.cache_write_tokens,
        "cache_write_1h": u.cache_write_1h_tokens,
        "input_audio": u.input_audio_tokens - u.cache_read_audio_tokens, "cache_read_audio": u.cache_read_audio_tokens,
        "output": u.output_tokens - u.reasoning_tokens - u.output_audio_tokens, "reasoning": u.reasoning_tokens,
        "output_audio": u.output_audio_tokens, "input_image": u.input_images, "web_search": u.web_searches,
        "request": u.requests,
    }  # fmt: skip
    bill = Decimal(0)
    for part, amount in amounts.items():
        key = next((k for k in KEYS[part] if k in effective), None)
        if key is not None:
            bill += Decimal(effective[key]) * amount
    return bill


def _priced(name: str) -> list[tuple[str, dict]]:
    return [
        (model_id, model["pricing"])
        for model_id, model in openrouter_models(name).items()
        if not model["pricing"]["prompt"].startswith("-")  # "-1": a router whose price depends on the routed model
    ]


PRICED = _priced("openrouter_models.json") + _priced("openrouter_models_all_modalities_2026-08-19.json")


@st.composite
def requests(draw):
    small = st.integers(0, 150_000)
    parts = [draw(small) for _ in range(3)]
    cache_read_audio = draw(st.integers(0, 2_000))
    input_audio = cache_read_audio + draw(st.integers(0, 2_000))
    reasoning, output_audio = draw(st.integers(0, 20_000)), draw(st.integers(0, 2_000))
    return dict(
        input_tokens=sum(parts) + input_audio + draw(st.integers(0, 300_000)),
        output_tokens=reasoning + output_audio + draw(st.integers(0, 20_000)),
        cache_read_tokens=parts[0], cache_write_tokens=parts[1], cache_write_1h_tokens=parts[2],
        input_audio_tokens=input_audio, cache_read_audio_tokens=cache_read_audio, reasoning_tokens=reasoning,
        output_audio_tokens=output_audio, input_images=draw(st.integers(0, 5)), web_searches=draw(st.integers(0, 5)),
        at=draw(moments),
    )  # fmt: skip


def test_every_priced_model_of_both_captures_is_checked():
    assert len(PRICED) == 416 + 544
    assert sum("overrides" in pricing for _, pricing in PRICED) == 60 + 61


@given(st.data())
@settings(max_examples=40, suppress_health_check=[HealthCheck.too_slow], deadline=None)
def test_every_priced_model_costs_what_its_pricing_object_says(data):
    fields = data.draw(requests())
    for model_id, pricing in PRICED:
        usage = Usage(**fields)
        card, _ = card_from_openrouter(pricing)
        assert quote(card, usage).total_cost == openrouter_bill(pricing, usage), model_id


@pytest.mark.parametrize("prompt", [199_999, 200_000, 200_001, 300_000])
@pytest.mark.parametrize(("model_id", "pricing"), [p for p in PRICED if "overrides" in p[1]][:60])
def test_tier_edges_cost_what_the_pricing_object_says(model_id, pricing, prompt):
    threshold_hours = [datetime(2026, 8, 24, hour, 30, tzinfo=UTC) for hour in (0, 3, 5, 8, 12)]
    card, _ = card_from_openrouter(pricing)
    for at in threshold_hours:
        usage = Usage(input_tokens=prompt, output_tokens=1_000, cache_read_tokens=1_000, at=at)
        assert quote(card, usage).total_cost == openrouter_bill(pricing, usage)


def test_gemini_2_5_pro_long_prompt_costs_0_765():
    card, findings = card_from_openrouter(openrouter_models()["google/gemini-2.5-pro"]["pricing"])
    result = quote(card, Usage(input_tokens=300_000, output_tokens=1_000))
    assert result.total_cost == Decimal("0.765")
    assert (result.input_cost, result.output_cost, result.tier) == (Decimal("0.75"), Decimal("0.015"), 200_000)
    assert findings == []


def test_gemini_2_5_pro_threshold_is_exclusive():
    card, _ = card_from_openrouter(openrouter_models()["google/gemini-2.5-pro"]["pricing"])
    at_threshold = quote(card, Usage(input_tokens=200_000, output_tokens=0))
    assert at_threshold.total_cost == Decimal("0.25") and at_threshold.tier is None
    assert quote(card, Usage(input_tokens=200_001)).total_cost == Decimal("0.5000025")


@pytest.mark.parametrize(
    ("hour", "minute", "input_price"),
    [(9, 59, "0.00000044"), (10, 0, "0.00000022"), (0, 59, "0.00000022"), (1, 0, "0.00000044"),
     (4, 0, "0.00000022"), (5, 59, "0.00000022"), (6, 0, "0.00000044")],
)  # fmt: skip
def test_deepseek_off_peak_windows_follow_the_hhmm_clock(hour, minute, input_price):
    card, findings = card_from_openrouter(openrouter_models()["deepseek/deepseek-v4-flash-vision-exp"]["pricing"])
    at = datetime(2026, 8, 24, hour, minute, tzinfo=UTC)
    result = quote(card, Usage(input_tokens=1_000_000, at=at))
    assert result.total_cost == Decimal(input_price) * 1_000_000
    assert result.window is not None
    assert findings == []
