"""card <-> JSON: stable, exact, and garbage refused with a ValueError naming where; the legacy base card."""

import json
from decimal import Decimal as D

import pytest

from catalog.pricing import (
    PriceCard,
    Tier,
    Window,
    card_from_json,
    card_from_openrouter,
    card_to_json,
    legacy_card,
    per_mtok,
)
from tests.catalog.pricing.data import openrouter_models


def test_gemini_card_json_is_stable_and_keeps_every_digit():
    card, _ = card_from_openrouter(openrouter_models()["google/gemini-2.5-pro"]["pricing"])
    data = card_to_json(card)
    assert list(data) == ["format", "prices", "tiers", "windows", "service_tiers", "provenance", "ranges", "raw"]
    assert data["prices"]["input"] == "0.00000125"
    assert data["tiers"] == [{"threshold": 200000, "inclusive": False, "prices": {
        "input": "0.0000025", "output": "0.000015", "cache_read": "0.00000025", "input_audio": "0.0000025",
        "cache_read_audio": "0.00000025"}}]  # fmt: skip
    assert card_from_json(json.loads(json.dumps(data))) == card


def test_exponent_digits_are_written_plainly_and_read_back_equal():
    card = PriceCard(prices={"input": D("2.857142857142857E-7")})
    assert card_to_json(card)["prices"] == {"input": "0.0000002857142857142857"}
    assert card_from_json(card_to_json(card)).prices["input"] == D("2.857142857142857E-7")


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d.update(format=2), "format: expected 1"),
        (lambda d: d["prices"].update(input="cheap"), "prices.input: not a decimal"),
        (lambda d: d["prices"].update(input="NaN"), "prices.input: not a finite decimal"),
        (lambda d: d["prices"].update(input=1.5), "prices.input: expected str"),
        (lambda d: d["prices"].update(gold="1"), "unknown price unit 'gold'"),
        (lambda d: d["prices"].update(input="-1"), "must be a finite Decimal >= 0"),
        (lambda d: d.update(tiers=[{"threshold": True, "inclusive": False, "prices": {}}]), "tiers[0].threshold"),
        (lambda d: d.update(tiers=[{"threshold": 1, "inclusive": 0, "prices": {}}]), "tiers[0].inclusive"),
        (lambda d: d.update(tiers=[5]), "tiers[0]: expected dict"),
        (lambda d: d.update(tiers=[{"threshold": 1, "inclusive": False, "prices": {}}] * 2), "share one threshold"),
        (lambda d: d.update(windows=[{"spans": [[1]], "prices": {}}]), "windows[0].spans"),
        (lambda d: d.update(windows=[{"spans": [[1, 2000]], "prices": {}}]), "out of the day"),
        (lambda d: d.update(windows=[{"spans": [], "prices": {}}]), "at least one span"),
        (lambda d: d.update(windows=[{"spans": [[1, 2]], "weekdays": [9], "prices": {}}]), "ISO numbers"),
        (lambda d: d.update(service_tiers={"turbo": {"prices": {}}}), "service_tiers.turbo: unknown"),
        (lambda d: d.update(ranges={"input": ["2", "1"]}), "min 2 above max 1"),
        (lambda d: d.update(ranges={"input": "1"}), "ranges.input: expected [min, max]"),
        (lambda d: d.update(provenance={"input": 3}), "provenance.input: expected str"),
        (lambda d: d.update(provenance={"gold": "x"}), "unknown unit 'gold' in provenance"),
        (lambda d: d.update(windows=[{"spans": [[1, 2]], "weekday_timezone": "Mars/Base", "prices": {}}]), "card:"),
    ],
)
def test_garbage_is_refused_with_a_clear_value_error(mutate, message):
    data = card_to_json(PriceCard(prices={"input": D("0.000001")}))
    mutate(data)
    with pytest.raises(ValueError) as raised:
        card_from_json(data)
    assert message in str(raised.value)


def test_a_non_dict_is_refused():
    with pytest.raises(ValueError, match="card: expected dict"):
        card_from_json([1])


def test_legacy_card_keeps_the_two_per_mtok_prices_exactly():
    card = legacy_card(D("0.285714286"), D("15"))
    assert card.prices == {"input": D("2.85714286E-7"), "output": D("0.000015")}
    assert card.provenance == {"input": "legacy", "output": "legacy"}
    assert per_mtok(card) == (D("0.285714286"), D("15"))
    assert per_mtok(legacy_card(None, D("2"))) == (None, D("2"))
    assert legacy_card(None, None).is_empty


def test_card_shape_is_validated_at_construction():
    with pytest.raises(ValueError, match="tier threshold"):
        Tier(-1, False, {})
    with pytest.raises(ValueError, match="not a time of day"):
        Window.from_hours(["25:00-01:00"], {})
