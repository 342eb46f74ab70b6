"""quote(): the billing rules of calculator.py, one by one, on small hand-made cards."""

from datetime import UTC, datetime
from decimal import Decimal as D

import pytest

from catalog.pricing import PriceCard, ServiceTierPrices, Tier, Usage, UsageError, Window, quote

AT = datetime(2026, 8, 24, 12, tzinfo=UTC)  # a Monday
BASE = {"input": D("0.000001"), "output": D("0.000004"), "cache_read": D("0.0000001")}
CARD = PriceCard(
    prices=BASE,
    tiers=[Tier(200_000, False, {"input": D("0.000002"), "output": D("0.000008")})],
    service_tiers={
        "batch": ServiceTierPrices(prices={"input": D("0.0000005"), "output": D("0.000002")}),
        "priority": ServiceTierPrices(
            prices={"input": D("0.000003")}, tiers=[Tier(200_000, False, {"input": D("0.000006")})]
        ),
    },
)


def usage(**fields) -> Usage:
    return Usage(**{"at": AT, "requests": 0, **fields})


def test_unpriced_parts_are_billed_at_their_nearest_priced_whole():
    card = PriceCard(prices={"input": D("0.000001"), "output": D("0.000004"), "cache_write": D("0.00000125")})
    parts = {
        "cache_write_1h_tokens": 10,
        "input_audio_tokens": 20,
        "cache_read_audio_tokens": 5,
        "reasoning_tokens": 30,
    }
    result = quote(card, usage(input_tokens=100, output_tokens=50, **parts))
    assert {line.unit: line.priced_as for line in result.lines} == {
        "input": "input", "cache_write_1h": "cache_write", "input_audio": "input", "cache_read_audio": "input",
        "output": "output", "reasoning": "output",
    }  # fmt: skip
    assert result.total_cost == D("0.000070") + D("0.0000125") + D("0.000020") + D("0.0002")
    assert result.complete and result.warnings == ()


def test_a_unit_with_no_priced_whole_makes_the_quote_incomplete():
    result = quote(PriceCard(prices=BASE), usage(input_tokens=10, web_searches=2, input_images=1, requests=1))
    assert not result.complete
    assert [text.split(":")[0] for text in result.warnings] == ["input_image", "web_search", "request"]
    assert result.total_cost == D("0.00001")


def test_a_known_zero_is_a_price():
    result = quote(PriceCard(prices={**BASE, "request": D(0)}), usage(requests=3))
    assert result.complete and result.total_cost == 0
    assert result.lines[0].unit == "request"


def test_a_long_prompt_takes_the_tier_price_for_the_whole_request():
    result = quote(CARD, usage(input_tokens=250_000, cache_read_tokens=50_000, output_tokens=1_000))
    assert result.tier == 200_000
    # cache reads keep their own (base) price: the tier does not name them
    assert result.total_cost == D("0.4") + D("0.005") + D("0.008")


def test_batch_uses_its_own_prices_and_falls_back_to_standard_with_a_warning():
    result = quote(CARD, usage(input_tokens=1_000, cache_read_tokens=500, output_tokens=100, service_tier="batch"))
    assert result.total_cost == D("0.00025") + D("0.00005") + D("0.0002")
    assert result.warnings == ("cache_read: no batch price; standard price used",)
    assert result.service_tier == "batch"


def test_priority_above_a_threshold_takes_its_own_tier_else_the_standard_tier():
    result = quote(CARD, usage(input_tokens=300_000, output_tokens=1_000, service_tier="priority"))
    assert {line.unit: line.unit_price for line in result.lines} == {"input": D("0.000006"), "output": D("0.000008")}
    assert result.warnings == ("output: no priority price; standard price used",)
    assert result.tier == 200_000


def test_a_service_tier_the_card_does_not_price_is_billed_at_standard_with_one_warning():
    result = quote(CARD, usage(input_tokens=1_000, service_tier="flex"))
    assert result.total_cost == D("0.001")
    assert result.warnings == ("service_tier: no flex prices; standard prices used",)


def test_an_open_window_replaces_the_prices_it_names_after_tiers():
    night = Window(spans=((22 * 60, 6 * 60),), prices={"input": D("0.0000005")}, weekdays=(6, 7))
    card = PriceCard(prices=BASE, tiers=CARD.tiers, windows=[night])
    saturday_night = datetime(2026, 8, 29, 23, 0, tzinfo=UTC)
    open_ = quote(card, usage(input_tokens=300_000, output_tokens=10, at=saturday_night))
    assert (open_.window, open_.tier) == ("22:00-06:00 UTC days 6,7", 200_000)
    assert open_.total_cost == D("0.15") + D("0.00008")
    monday_night = quote(card, usage(input_tokens=300_000, output_tokens=10, at=datetime(2026, 8, 24, 23, tzinfo=UTC)))
    assert monday_night.window is None and monday_night.total_cost == D("0.6") + D("0.00008")


def test_a_window_naming_a_unit_clears_its_service_tier_fallback_warning():
    window = Window(spans=((0, 0),), prices={"cache_read": D("0.00000005")})
    card = PriceCard(prices=BASE, windows=[window], service_tiers=CARD.service_tiers)
    result = quote(card, usage(input_tokens=100, cache_read_tokens=100, service_tier="batch"))
    assert result.warnings == () and result.total_cost == D("0.000005")


def test_usage_refuses_an_unknown_service_tier_and_a_naive_moment():
    with pytest.raises(UsageError) as tier:
        Usage(service_tier="turbo")
    with pytest.raises(UsageError) as moment:
        Usage(at=datetime(2026, 1, 1))
    with pytest.raises(UsageError) as kind:
        Usage(input_tokens=True)
    assert (tier.value.field, moment.value.field, kind.value.field) == ("service_tier", "at", "input_tokens")


@pytest.mark.parametrize(
    ("given", "field", "said"),
    [
        ({"service_tier": "turbo"}, "service_tier", "must be one of standard, batch, priority, flex, not 'turbo'"),
        ({"at": datetime(2026, 1, 1)}, "at", "must be an aware datetime (with a UTC offset)"),
        ({"web_searches": 1.5}, "web_searches", "must be a whole number, not 1.5"),
        ({"output_images": -2}, "output_images", "must be >= 0, not -2"),
        ({"input_tokens": 10, "cache_read_tokens": 11}, "cache_read_tokens", "11 exceeds input_tokens (10)"),
        (
            {"input_tokens": 10, "cache_read_tokens": 6, "cache_write_tokens": 5},
            "input_audio_tokens",
            "cache_read_tokens + cache_write_tokens + cache_write_1h_tokens + input_audio_tokens = 11 exceeds "
            "input_tokens (10)",
        ),
    ],
)
def test_usage_errors_name_the_field_and_say_what_is_wrong_with_it(given, field, said):
    """The API's 400 shows these words: each names the field, the rule and the value sent."""
    with pytest.raises(UsageError) as refused:
        Usage(**given)
    assert (refused.value.field, refused.value.message, str(refused.value)) == (field, said, f"{field}: {said}")


def test_usage_defaults_to_one_request_now():
    fresh = Usage()
    assert fresh.requests == 1 and fresh.service_tier == "standard"
    assert (datetime.now(UTC) - fresh.at).total_seconds() < 5


def test_inclusive_tier_is_crossed_at_its_threshold():
    card = PriceCard(prices=BASE, tiers=[Tier(128_000, True, {"input": D("0.000002")})])
    assert quote(card, usage(input_tokens=128_000)).tier == 128_000
    assert quote(card, usage(input_tokens=127_999)).tier is None


def test_quotes_are_exact_for_long_source_digits():
    card = PriceCard(prices={"input": D("2.857142857142857E-7"), "output": D("0.0000143712574850299")})
    result = quote(card, usage(input_tokens=987_654_321, output_tokens=123_456_789))
    assert result.total_cost == D("2.857142857142857E-7") * 987_654_321 + D("0.0000143712574850299") * 123_456_789
    # 2857142857142857 * 987654321 = 2821869488571428430335097 in integers
    assert str(result.input_cost) == "282.1869488571428430335097"
