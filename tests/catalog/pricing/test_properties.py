"""Properties of quote() over generated cards and usages, against a plain reference formula written here."""

import dataclasses
import json
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from catalog.pricing import PriceCard, Tier, Usage, UsageError, card_from_json, card_to_json, quote
from tests.catalog.pricing.strategies import cards, moments, prices, unit_prices, usages

# Where a unit's tokens are billed when it has no price: the unit itself, then its wholes (calculator.BILLED_AS,
# written out again here so the reference does not share the implementation's table).
CHAIN = {
    "input": ["input"],
    "cache_read": ["cache_read", "input"],
    "cache_write": ["cache_write", "input"],
    "cache_write_1h": ["cache_write_1h", "cache_write", "input"],
    "input_audio": ["input_audio", "input"],
    "cache_read_audio": ["cache_read_audio", "input_audio", "input"],
    "output": ["output"],
    "reasoning": ["reasoning", "output"],
    "output_audio": ["output_audio", "output"],
    "input_image": ["input_image"],
    "output_image": ["output_image"],
    "web_search": ["web_search"],
    "request": ["request"],
}


def _crossed(tier: Tier, prompt: int) -> bool:
    return prompt > tier.threshold or (tier.inclusive and prompt == tier.threshold)


def reference_price(card: PriceCard, usage: Usage, unit: str) -> Decimal | None:
    """Standard service tier: the highest crossed tier naming the unit, else base; then the last open window."""
    naming = [t for t in card.tiers if _crossed(t, usage.input_tokens) and unit in t.prices]
    highest = max(naming, key=lambda t: (t.threshold, not t.inclusive), default=None)
    price = highest.prices[unit] if highest else card.prices.get(unit)
    for window in card.windows:
        if window.is_open(usage.at) and unit in window.prices:
            price = window.prices[unit]
    return price


def reference_cost(card: PriceCard, u: Usage) -> Decimal:
    own = {
        "input": u.input_tokens - u.cache_read_tokens - u.cache_write_tokens - u.cache_write_1h_tokens
        - u.input_audio_tokens,
        "cache_read": u.cache_read_tokens, "cache_write": u.cache_write_tokens,
        "cache_write_1h": u.cache_write_1h_tokens, "input_audio": u.input_audio_tokens - u.cache_read_audio_tokens,
        "cache_read_audio": u.cache_read_audio_tokens,
        "output": u.output_tokens - u.reasoning_tokens - u.output_audio_tokens,
        "reasoning": u.reasoning_tokens, "output_audio": u.output_audio_tokens,
        "input_image": u.input_images, "output_image": u.output_images, "web_search": u.web_searches,
        "request": u.requests,
    }  # fmt: skip
    total = Decimal(0)
    for unit, quantity in own.items():
        billed = [p for p in (reference_price(card, u, name) for name in CHAIN[unit]) if p is not None]
        if billed:
            total += billed[0] * quantity
    return total


@given(cards, usages())
def test_cost_is_the_sum_of_its_lines(card, usage):
    result = quote(card, usage)
    assert result.total_cost == sum((line.cost for line in result.lines), Decimal(0))
    for line in result.lines:
        assert line.cost == line.unit_price * line.quantity
    other = sum((line.cost for line in result.lines if line.unit in ("web_search", "request")), Decimal(0))
    assert result.input_cost + result.output_cost + other == result.total_cost


@given(cards, usages(service_tier="standard"))
def test_standard_cost_equals_the_reference_formula(card, usage):
    assert quote(card, usage).total_cost == reference_cost(card, usage)


@given(cards, usages(), st.randoms())
def test_cost_does_not_depend_on_tier_order(card, usage, rnd):
    shuffled = list(card.tiers)
    rnd.shuffle(shuffled)
    assert quote(dataclasses.replace(card, tiers=tuple(shuffled)), usage) == quote(card, usage)


@st.composite
def rising_cards(draw):
    """Cards whose long-context prices never fall below the lower tier's (as every real tier table)."""
    base = draw(unit_prices)
    thresholds = sorted(draw(st.lists(st.integers(0, 400_000), unique=True, max_size=3)))
    levels, current = [], dict(base)
    for threshold in thresholds:
        current = {unit: price + draw(prices) for unit, price in current.items()}
        levels.append(Tier(threshold, draw(st.booleans()), dict(current)))
    return PriceCard(prices=base, tiers=levels)


QUANTITIES = {
    "input_tokens": set(), "output_tokens": set(), "cache_read_tokens": {"input_tokens"},
    "cache_write_tokens": {"input_tokens"}, "cache_write_1h_tokens": {"input_tokens"},
    "input_audio_tokens": {"input_tokens"}, "cache_read_audio_tokens": {"input_tokens", "input_audio_tokens"},
    "reasoning_tokens": {"output_tokens"}, "output_audio_tokens": {"output_tokens"}, "input_images": set(),
    "output_images": set(), "web_searches": set(), "requests": set(),
}  # fmt: skip


@given(rising_cards(), usages(service_tier="standard"), st.sampled_from(sorted(QUANTITIES)), st.integers(1, 300_000))
def test_cost_is_monotone_in_every_quantity(card, usage, field, more):
    # More of a part is more of its wholes too, so the request stays valid.
    grown = {name: getattr(usage, name) + more for name in {field} | QUANTITIES[field]}
    assert quote(card, dataclasses.replace(usage, **grown)).total_cost >= quote(card, usage).total_cost


PART_OF = [
    ("cache_read_tokens", "input_tokens"), ("cache_write_tokens", "input_tokens"),
    ("cache_write_1h_tokens", "input_tokens"), ("input_audio_tokens", "input_tokens"),
    ("cache_read_audio_tokens", "input_audio_tokens"), ("reasoning_tokens", "output_tokens"),
    ("output_audio_tokens", "output_tokens"),
]  # fmt: skip


@given(st.sampled_from(PART_OF), st.integers(0, 10**6), st.integers(1, 10**6))
def test_a_part_larger_than_its_whole_names_the_part(pair, whole, excess):
    part, whole_field = pair
    fields = {whole_field: whole, part: whole + excess}
    if whole_field == "input_audio_tokens":
        fields["input_tokens"] = whole
    with pytest.raises(UsageError) as raised:
        Usage(**fields)
    assert raised.value.field == part


@given(st.integers(1, 10**6), st.integers(1, 10**6))
def test_parts_summing_past_their_whole_are_refused(part, other):
    with pytest.raises(UsageError) as raised:
        Usage(input_tokens=part + other - 1, cache_read_tokens=part, cache_write_tokens=other)
    assert raised.value.field == "input_audio_tokens"
    assert "exceeds input_tokens" in raised.value.message


@given(cards)
@settings(max_examples=200)
def test_codec_round_trip_is_exact(card):
    text = json.dumps(card_to_json(card))
    back = card_from_json(json.loads(text))
    assert back == card
    assert json.dumps(card_to_json(back)) == text


@given(st.sampled_from(sorted(QUANTITIES)), st.integers(-(10**6), -1))
def test_negative_quantities_are_refused(field, value):
    with pytest.raises(UsageError) as raised:
        Usage(**{field: value})
    assert raised.value.field == field


@given(cards, moments)
def test_an_empty_usage_costs_nothing(card, at):
    result = quote(card, Usage(requests=0, at=at))
    assert result.total_cost == 0
    assert result.lines == ()
    assert result.complete
