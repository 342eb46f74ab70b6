"""Every source fills the price card its records carry (modelsync.sync.cards over catalog.pricing), on real captures:
tests/modelsync/payloads/openrouter/models.json, litellm/model_info.json, costmap/, ollama/ and openai/."""

from decimal import Decimal

from catalog.pricing import card_from_json, per_mtok
from modelsync.adapters.base import SourceConfig
from modelsync.adapters.costmap import COST_MAP_FILE, parse_cost_map
from modelsync.adapters.litellm import parse_proxy
from modelsync.adapters.ollama import parse_tags
from modelsync.adapters.openai import parse_models as parse_openai
from modelsync.adapters.openrouter import parse_models
from modelsync.sync import cards
from modelsync.sync.build import clear_caches
from tests.modelsync.payloads import PRICE_NOTE, litellm_payloads, load

OPENROUTER = SourceConfig(name="openrouter-main", kind="openrouter", base_url="https://openrouter.ai/api/v1/")
LITELLM = SourceConfig(name="gateway", kind="litellm", base_url="http://127.0.0.1:4000/", api_key="sk-master")


def by_id(result) -> dict:
    return {record.external_id: record for record in result.records}


def card_of(record):
    return card_from_json(record.price_card)


def test_the_gemini_25_pro_openrouter_card_has_its_200k_tier_and_every_unit():
    record = by_id(parse_models(load("openrouter/models.json"), OPENROUTER))["google/gemini-2.5-pro"]
    card = card_of(record)
    ((tier),) = card.tiers
    assert (tier.threshold, tier.inclusive) == (200000, False)  # OpenRouter: strictly more than min_prompt_tokens
    assert {unit: format(price, "f") for unit, price in tier.prices.items()} == {
        "input": "0.0000025", "output": "0.000015", "cache_read": "0.00000025", "input_audio": "0.0000025",
        "cache_read_audio": "0.00000025",
    }  # fmt: skip
    assert {unit: format(price, "f") for unit, price in card.prices.items()} == {
        "input": "0.00000125", "output": "0.00001", "cache_read": "0.000000125", "cache_write": "0.000000375",
        "reasoning": "0.00001", "input_audio": "0.00000125", "cache_read_audio": "0.000000125",
        "input_image": "0.00000125", "web_search": "0.014",
    }  # fmt: skip
    assert set(card.provenance.values()) == {"openrouter-main"}  # the source's name
    assert per_mtok(card) == (record.input_cost_per_mtok, record.output_cost_per_mtok) == (Decimal("1.25"), 10)


def test_every_openrouter_record_has_a_card_agreeing_with_its_columns():
    result = parse_models(load("openrouter/models.json"), OPENROUTER)
    for record in result.records:
        card = card_of(record)
        if record.pricing_status in ("known", "free"):
            assert per_mtok(card) == (record.input_cost_per_mtok, record.output_cost_per_mtok), record.external_id
        assert card.raw is not None


def test_a_litellm_model_info_with_cache_batch_and_above_200k_keys_gives_those_units():
    record = by_id(parse_proxy(litellm_payloads(), LITELLM))["gemini-2.5-pro"]
    card = card_of(record)
    assert str(card.prices["cache_read"]) == "1.25E-7"  # the float's own digits, exactly
    ((tier),) = card.tiers
    assert (tier.threshold, tier.inclusive) == (200000, False)
    assert (str(tier.prices["input"]), str(tier.prices["output"]), str(tier.prices["cache_read"])) == (
        "0.0000025", "0.000015", "2.5E-7",
    )  # fmt: skip
    batch = card.service_tiers["batch"]
    assert (str(batch.prices["input"]), str(batch.prices["output"])) == ("6.25E-7", "0.000005")
    assert [(t.threshold, str(t.prices["input"])) for t in batch.tiers] == [(200000, "0.00000125")]
    assert "priority" in card.service_tiers and set(card.provenance.values()) == {"gateway"}


def test_an_unknown_price_key_is_a_finding_naming_it_never_a_failure():
    payloads = litellm_payloads()
    row = next(row for row in payloads["model_info"]["data"] if row["model_name"] == "gpt-4o-mini")
    row["model_info"]["input_cost_per_hologram"] = 0.5
    result = parse_proxy(payloads, LITELLM)
    assert result.invalid_count == 0 and "gpt-4o-mini" in by_id(result)
    (finding,) = [f for f in result.findings if f.external_id == "gpt-4o-mini" and f.kind == PRICE_NOTE]
    assert "input_cost_per_hologram" in finding.message and not finding.counts_as_invalid
    assert card_of(by_id(result)["gpt-4o-mini"]).raw["input_cost_per_hologram"] == 0.5  # kept for audit

    capture = load("openrouter/models.json")
    item = next(entry for entry in capture["data"] if entry["id"] == "openai/gpt-4o")
    item["pricing"]["input_hologram"] = "0.1"
    result = parse_models(capture, OPENROUTER)
    (finding,) = [f for f in result.findings if f.external_id == "openai/gpt-4o"]
    assert (finding.kind, finding.message, finding.counts_as_invalid) == (
        PRICE_NOTE, "price card: input_hologram: unknown price key", False,
    )  # fmt: skip


def test_cost_map_entries_carry_their_litellm_card():
    records = by_id(parse_cost_map(load(f"costmap/{COST_MAP_FILE}"), "costmap"))
    card = card_of(records["gpt-4o"])
    assert per_mtok(card) == (records["gpt-4o"].input_cost_per_mtok, records["gpt-4o"].output_cost_per_mtok)
    assert "cache_read" in card.prices and set(card.provenance.values()) == {"costmap"}


def test_ollama_cards_are_free_and_openai_compatible_sources_state_none():
    ollama = SourceConfig(name="ollama", kind="ollama", base_url="http://127.0.0.1:11434/")
    for record in parse_tags(load("ollama/api_tags.json"), ollama).records:
        card = card_of(record)
        assert card.prices == {"input": 0, "output": 0} and set(card.provenance.values()) == {"ollama"}
    openai = SourceConfig(name="openai", kind="openai", base_url="https://api.openai.com/v1/", api_key="sk-test")
    assert {str(record.price_card) for record in parse_openai(load("openai/v1_models.json"), openai).records} == {"{}"}


def test_card_parsing_is_memoized_on_the_price_object(monkeypatch):
    clear_caches()
    calls = []
    parse = cards.card_from_openrouter
    monkeypatch.setattr(cards, "card_from_openrouter", lambda *args: calls.append(1) or parse(*args))
    capture = load("openrouter/models.json")
    parse_models(capture, OPENROUTER)
    distinct = {repr(sorted(item["pricing"].items())) for item in capture["data"] if item.get("pricing")}
    assert len(calls) == len(distinct) < len(capture["data"])
    calls.clear()
    parse_models(load("openrouter/models.json"), OPENROUTER)
    assert calls == []
