"""card_changes: old -> new per unit and condition, for model.price_changed."""

import dataclasses
from decimal import Decimal as D

from hypothesis import given
from hypothesis import strategies as st

from catalog.pricing import PriceCard, ServiceTierPrices, Tier, Window, card_changes, card_from_openrouter
from catalog.pricing.diff import PriceChange
from tests.catalog.pricing.data import openrouter_models
from tests.catalog.pricing.strategies import cards


@given(cards, st.randoms())
def test_equal_cards_have_no_changes_whatever_the_tier_order(card, rnd):
    shuffled = list(card.tiers)
    rnd.shuffle(shuffled)
    assert card_changes(card, dataclasses.replace(card, tiers=tuple(shuffled))) == []


def test_a_cache_price_and_a_tier_threshold_change():
    old, _ = card_from_openrouter(openrouter_models()["google/gemini-2.5-pro"]["pricing"])
    new = dataclasses.replace(
        old,
        prices={**old.prices, "cache_read": D("0.0000001")},
        tiers=[Tier(128_000, False, old.tiers[0].prices)],
    )
    changes = card_changes(old, new)
    assert PriceChange("base", "cache_read", "0.000000125", "0.0000001") in changes
    assert PriceChange("tier >128000", "input", None, "0.0000025") in changes
    assert PriceChange("tier >200000", "input", "0.0000025", None) in changes
    assert len(changes) == 1 + 2 * 5


def test_windows_and_service_tiers_are_compared_too():
    window = Window(spans=((0, 60),), prices={"input": D("1")})
    old = PriceCard(windows=[window, window], service_tiers={"batch": ServiceTierPrices(
        prices={"input": D("1")}, tiers=[Tier(5, True, {"output": D("2")})])})  # fmt: skip
    new = PriceCard()
    assert [(c.where, c.unit) for c in card_changes(old, new)] == [
        ("batch", "input"), ("batch tier >=5", "output"), ("window 00:00-01:00 UTC", "input"),
        ("window 00:00-01:00 UTC #1", "input")]  # fmt: skip
