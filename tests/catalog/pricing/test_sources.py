"""Source parsers on the real captures: every key kept or reported, exact digits, conditions as documented."""

from datetime import UTC, datetime
from decimal import Decimal as D

import pytest

from catalog.pricing import Usage, card_from_litellm, card_from_openrouter, quote
from catalog.pricing.source_litellm import is_price_key
from catalog.pricing.source_openrouter import UNIT_OF_KEY
from tests.catalog.pricing.data import cost_map, load, openrouter_models


def test_every_openrouter_key_of_both_captures_is_a_unit_or_a_finding():
    for name in ("openrouter_models.json", "openrouter_models_all_modalities_2026-08-19.json"):
        for model_id, model in openrouter_models(name).items():
            card, findings = card_from_openrouter(model["pricing"])
            named = {finding.split(":")[0].split(".")[-1] for finding in findings}
            for key in model["pricing"]:
                assert key == "overrides" or key in named or UNIT_OF_KEY[key] in card.prices, (model_id, key)
            assert card.raw is model["pricing"]


def test_openrouter_findings_name_the_router_prices_and_per_image_token_keys():
    models = openrouter_models("openrouter_models_all_modalities_2026-08-19.json")
    router, router_findings = card_from_openrouter(models["openrouter/auto"]["pricing"])
    assert "input" not in router.prices and "prompt: not a usable price: '-1'" in router_findings
    _, image_findings = card_from_openrouter(models["krea/krea-2-large"]["pricing"])
    assert image_findings == [
        "image_token: per-image-token price, no card unit (kept in raw)",
        "image_output: per-image-token price, no card unit (kept in raw)",
    ]


def test_openrouter_every_unit_maps_from_its_key():
    pricing = {"prompt": "1", "completion": "2", "input_cache_read": "3", "input_cache_write": "4",
               "input_cache_write_1h": "5", "internal_reasoning": "6", "audio": "7", "audio_output": "8",
               "input_audio_cache": "9", "image": "10", "web_search": "11", "request": "12", "discount": 0}  # fmt: skip
    card, findings = card_from_openrouter(pricing)
    assert [str(price) for price in card.prices.values()] == [str(n) for n in range(1, 13)]
    assert findings == []
    _, discounted = card_from_openrouter({"prompt": "1", "completion": "2", "discount": 0.25, "tokens": "3"})
    assert discounted == ["discount: discount 0.25 not applied to the card", "tokens: unknown price key"]


@pytest.mark.parametrize(
    ("overrides", "finding"),
    [
        ([{"min_prompt_tokens": 10, "utc_start": 100, "utc_end": 200, "prompt": "1"}], "a tier and a window"),
        ([{"prompt": "1"}], "no condition field"),
        (["x"], "not an object"),
        ([{"utc_start": 2500, "utc_end": 100, "prompt": "1"}], "not an HHMM clock number"),
        ([{"utc_days": ["funday"], "prompt": "1"}], "not a list of weekday names"),
        ([{"min_prompt_tokens": "many", "prompt": "1"}], "not a token count"),
        ({"min_prompt_tokens": 1}, "overrides: not a list"),
        ([{"utc_days": ["monday"], "prompt": "1"}, {"min_prompt_tokens": 5, "prompt": "2"}], "a tier after a window"),
    ],
)
def test_openrouter_unusable_overrides_are_findings(overrides, finding):
    card, findings = card_from_openrouter({"prompt": "0.000001", "completion": "0.000002"}, overrides)
    assert any(finding in text for text in findings), findings
    assert card.raw["overrides"] == overrides


def test_openrouter_days_without_hours_cover_the_whole_day_and_later_entries_win():
    card, findings = card_from_openrouter(
        {"prompt": "0.000001", "completion": "0.000002"},
        [{"utc_days": ["saturday", "sunday"], "prompt": "0.0000005"},
         {"min_prompt_tokens": 100, "prompt": "0.000003"}, {"min_prompt_tokens": 100, "completion": "0.000004"}],
    )  # fmt: skip
    assert findings == [f"overrides[{n}]: a tier after a window; the card applies windows last" for n in (1, 2)]
    assert len(card.tiers) == 1 and card.tiers[0].prices == {"input": D("0.000003"), "output": D("0.000004")}
    sunday = quote(card, Usage(input_tokens=10, at=datetime(2026, 8, 30, 23, 59, tzinfo=UTC)))
    assert sunday.total_cost == D("0.000005")


def test_litellm_floats_keep_their_repr_digits():
    card, findings = card_from_litellm({"input_cost_per_token": 2.857142857142857e-07, "output_cost_per_token": 1e-06})
    assert card.prices["input"] == D("2.857142857142857E-7") and findings == []
    assert str(card.prices["output"]) == "0.000001"


def test_litellm_every_cost_key_of_the_cost_map_is_a_unit_condition_or_finding():
    reported, represented = set(), 0
    for name, entry in cost_map().items():
        card, findings = card_from_litellm(entry)
        reported.update(finding.split(":")[0] for finding in findings)
        represented += bool(card.prices)
        assert set(card.raw) == {k for k, v in entry.items() if is_price_key(k) and v is not None}, name
    assert represented > 3000
    # Keys that are not per-token/per-image/per-request/per-second/per-character prices of this card's units:
    assert {"input_cost_per_image_token", "output_cost_per_pixel", "input_cost_per_token_cache_hit",
            "input_cost_per_token_ultrafast", "cache_creation_input_audio_token_cost"} <= reported  # fmt: skip
    assert not reported & {"input_cost_per_token", "input_cost_per_token_above_272k_tokens_priority",
                           "cache_creation_input_token_cost_above_1hr_above_200k_tokens"}  # fmt: skip
    # Two search APIs carry a per-query `tiered_pricing` keyed on `max_results_range`: reported, not read as tokens.


def test_litellm_model_info_capture_parses_its_tiers_and_service_tiers():
    entries = {row["model_name"]: row["model_info"] for row in load("litellm_model_info.json")["data"]}
    card, _ = card_from_litellm(entries["gpt-4o"])
    assert card.prices["input"] == D("0.0000025")
    assert card.service_tiers["priority"].prices["input"] == D("0.00000425")


def test_litellm_key_shapes():
    card, findings = card_from_litellm({
        "litellm_provider": "xai", "input_cost_per_token": 1e-06, "input_cost_per_token_above_128k_tokens": 2e-06,
        "input_cost_per_token_priority_above_200k_tokens": 5e-06, "input_cost_per_token_batches": 5e-07,
        "output_cost_per_token_above_272k_tokens_flex": 3e-06, "search_context_cost_per_query":
        {"search_context_size_low": 0.01, "search_context_size_medium": 0.02, "search_context_size_high": 0.03},
        "input_cost_per_token_priority_batches": 1.0, "pricing_overrides": [{"x": 1}], "max_tokens": 10,
    })  # fmt: skip
    assert card.tiers[0].inclusive and card.tiers[0].threshold == 128_000
    assert card.service_tiers["priority"].tiers[0].threshold == 200_000
    assert card.service_tiers["batch"].prices == {"input": D("5E-7")}
    assert card.service_tiers["flex"].tiers[0].prices == {"output": D("0.000003")}
    assert card.prices["web_search"] == D("0.02")
    assert sorted(f.split(":")[0] for f in findings) == [
        "input_cost_per_token_priority_batches", "pricing_overrides", "search_context_cost_per_query"]  # fmt: skip


def test_litellm_tiered_pricing_table_is_exclusive_cliffs():
    entry = cost_map()["dashscope/qwen-plus-2025-07-28"]
    card, findings = card_from_litellm(entry)
    assert findings == []
    assert [(t.threshold, t.inclusive) for t in card.tiers] == [(256_000, False)]
    assert card.tiers[0].prices["reasoning"] == D("0.000012")
    assert quote(card, Usage(input_tokens=256_001)).total_cost == D("0.0000012") * 256_001
    bad, bad_findings = card_from_litellm({"tiered_pricing": [{"input_cost_per_token": 1, "rage": 1}]})
    assert bad.is_empty and bad_findings[0].startswith("tiered_pricing: not a list")


def test_litellm_off_peak_pricing_becomes_windows():
    block = {
        "hours_utc": ["16:30-00:30"], "input_cost_per_token": 1.35e-07, "cache_read_input_token_cost": 3.5e-08,
        "windows": [{"hours_utc": "00:00-00:00", "weekdays": ["sat", 7]}, {"hours_utc": "nope", "weekdays": [1]}],
        "weekday_timezone": "Asia/Shanghai", "surprise": 1,
    }  # fmt: skip
    card, findings = card_from_litellm({"input_cost_per_token": 2.7e-07, "off_peak_pricing": block})
    assert [w.label for w in card.windows] == ["16:30-00:30 UTC", "00:00-00:00 UTC days 6,7"]
    assert card.windows[1].weekday_timezone == "Asia/Shanghai"
    assert sorted(findings) == ["off_peak_pricing.surprise: unknown key",
                                "off_peak_pricing: unusable window 'nope' on [1]"]  # fmt: skip
    # Saturday 02:00 in Shanghai is Friday 18:00 UTC: inside the daily window anyway
    at = datetime(2026, 8, 28, 18, tzinfo=UTC)
    assert quote(card, Usage(input_tokens=1_000_000, at=at)).total_cost == D("0.135")
    _, not_a_block = card_from_litellm({"off_peak_pricing": "16:30-00:30"})
    assert not_a_block == ["off_peak_pricing: not an object: '16:30-00:30'"]


def test_litellm_values_that_are_not_prices_are_findings():
    card, findings = card_from_litellm({"input_cost_per_token": "abc", "output_cost_per_token": True,
                                        "input_cost_per_image": -1.0, "input_cost_per_second": [1]})  # fmt: skip
    assert card.prices == {} and len(findings) == 4


def test_odd_but_harmless_values():
    card, findings = card_from_litellm({
        "tiered_pricing": [], "unknown_cost_per_thing": {}, "input_cost_per_token": 1e-06,
        "search_context_cost_per_query": {"search_context_size_low": 0.01},
        "off_peak_pricing": {"hours_utc": "01:00-02:00", "output_cost_per_token": 2e-06, "cache_miss_cost": 1},
    })  # fmt: skip
    assert "web_search" not in card.prices and card.windows[0].prices == {"output": D("0.000002")}
    assert sorted(findings) == [
        "off_peak_pricing.cache_miss_cost: unknown key",
        "search_context_cost_per_query: no search_context_size_medium price: {'search_context_size_low': 0.01}",
    ]
    rows = [{"range": [0, 10], "input_cost_per_token": 1e-06, "input_cost_per_pixel": 1}]
    _, tier_findings = card_from_litellm({"tiered_pricing": rows})
    assert tier_findings == ["tiered_pricing.input_cost_per_pixel: unknown price key"]


def test_openrouter_null_and_bad_clock_values():
    card, findings = card_from_openrouter({"prompt": None, "completion": "0"}, [{"utc_start": "1am", "utc_end": 100}])
    assert card.prices == {"output": D(0)} and card.windows == ()
    assert findings == ["overrides[0].utc_start: not an HHMM clock number: '1am'"]


def test_a_card_refuses_an_unknown_service_tier():
    from catalog.pricing import PriceCard, ServiceTierPrices

    with pytest.raises(ValueError, match="unknown service tier 'turbo'"):
        PriceCard(service_tiers={"turbo": ServiceTierPrices(prices={})})
