"""group_card (a load-balanced LiteLLM name) and card_filled (a gateway card filled from linked records)."""

from decimal import Decimal as D

from catalog.pricing import PriceCard, Tier, card_filled, card_from_litellm, card_from_openrouter, group_card
from tests.catalog.pricing.data import load, openrouter_models

A = PriceCard(prices={"input": D("0.000001"), "output": D("0.000002"), "cache_read": D("0.0000001")}, raw={"a": 1})
B = PriceCard(prices={"input": D("0.000003"), "output": D("0.000001"), "web_search": D("0.01")}, raw={"b": 1})


def test_group_base_is_the_gateways_own_price_and_other_units_the_worst_deployment():
    card = group_card(D("0.000003"), D("0.000002"), [A, B])
    assert card.prices == {"input": D("0.000003"), "output": D("0.000002"), "cache_read": D("0.0000001"),
                           "web_search": D("0.01")}  # fmt: skip
    assert card.ranges["input"] == (D("0.000001"), D("0.000003"))
    assert card.ranges["output"] == (D("0.000001"), D("0.000002"))
    assert card.provenance["input"] == "litellm:model_group_info"
    assert card.provenance["cache_read"] == "litellm:deployments"
    assert card.raw["deployments"] == [{"a": 1}, {"b": 1}]


def test_group_without_gateway_prices_or_deployments():
    assert "input" not in group_card(None, None, [A]).prices
    empty = group_card(D("0.000001"), None, [])
    assert empty.prices == {"input": D("0.000001")} and empty.ranges == {}


def test_group_conditions_only_when_every_deployment_agrees():
    tier = Tier(200_000, False, {"input": D("0.000002")})
    tiered = PriceCard(prices=A.prices, tiers=[tier])
    assert group_card(None, None, [tiered, tiered]).tiers == (tier,)
    assert group_card(None, None, [tiered, A]).tiers == ()


def _price(value):
    return None if value is None else D(repr(value))


def test_every_group_of_the_real_proxy_captures_keeps_the_gateways_own_prices():
    deployments: dict[str, list] = {}
    for row in load("litellm_model_info.json")["data"]:
        deployments.setdefault(row["model_name"], []).append(card_from_litellm(row["model_info"])[0])
    groups = load("litellm_model_group_info.json")["data"]
    for group in groups:
        wanted_in, wanted_out = _price(group["input_cost_per_token"]), _price(group["output_cost_per_token"])
        card = group_card(wanted_in, wanted_out, deployments[group["model_group"]])
        assert (card.prices.get("input"), card.prices.get("output")) == (wanted_in, wanted_out), group["model_group"]
    assert len(groups) == 257 and len(deployments["gpt-4.1"]) == 2


def test_filled_takes_only_missing_units_with_their_provenance():
    gateway = PriceCard(prices={"input": D("0.00000125"), "output": D("0.00001")}, provenance={"input": "litellm",
                        "output": "litellm"})  # fmt: skip
    linked, _ = card_from_openrouter(openrouter_models()["google/gemini-2.5-pro"]["pricing"])
    filled = card_filled(gateway, linked, "openrouter")
    assert filled.prices["cache_read"] == D("0.000000125")
    assert filled.provenance["input"] == "litellm" and filled.provenance["cache_read"] == "openrouter"
    assert filled.tiers == linked.tiers  # same base: the linked tier describes this bill


def test_filled_keeps_its_own_conditions_or_refuses_a_tier_priced_against_another_base():
    linked, _ = card_from_openrouter(openrouter_models()["google/gemini-2.5-pro"]["pricing"])
    other_base = PriceCard(prices={"input": D("0.000002"), "output": D("0.00001")})
    assert card_filled(other_base, linked, "openrouter").tiers == ()
    own = PriceCard(prices=linked.prices, tiers=[Tier(1, False, {"input": D(1)})])
    assert card_filled(own, linked, "openrouter").tiers == own.tiers
