"""The OpenRouter parser on the real captures (tests/modelsync/payloads/openrouter/, see its README)."""

from collections import Counter
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from modelsync.adapters import adapter_for
from modelsync.adapters.base import SourceConfig
from modelsync.adapters.openrouter import OpenRouterAdapter, parse_models
from modelsync.exceptions import PayloadError
from modelsync.sync import jsonio
from modelsync.sync.records import ParseResult
from tests.modelsync.payloads import load, other_findings, raw

CONFIG = SourceConfig(name="openrouter", kind="openrouter", base_url="https://openrouter.ai/api/v1/")
KEYED = SourceConfig(
    name="openrouter", kind="openrouter", base_url="https://openrouter.ai/api/v1", api_key="sk-or-test",
    recommended_patterns=("anthropic/claude-sonnet-4.?", "openai/gpt-4o"),
)  # fmt: skip
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=25,
)


def by_id(result: ParseResult) -> dict:
    return {record.external_id: record for record in result.records}


def item_of(payload: dict, model_id: str) -> dict:
    return next(item for item in payload["data"] if item["id"] == model_id)


class RecordingClient:
    """Stands in for UpstreamClient: decodes one real capture as it would, and remembers what it was asked for."""

    def __init__(self, body: bytes) -> None:
        self.body, self.urls = body, []

    def get_json(self, url: str, *, items_under: str | None = None) -> object:
        self.urls.append((url, items_under))
        return jsonio.loads(self.body, items_under=items_under)


# --- the real captures -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("capture", "count", "free", "variable"),
    [
        ("models.json", 421, 18, 5),
        ("models_older.json", 345, 15, 5),
        ("models_legacy_2025-05.json", 321, 68, 1),
        ("models_all_modalities_2026-08-19.json", 549, 22, 5),
    ],
)
def test_every_capture_parses_into_one_record_per_model_without_findings(capture, count, free, variable):
    result = parse_models(load(f"openrouter/{capture}"), CONFIG)
    statuses = Counter(record.pricing_status for record in result.records)
    assert len(result.records) == count and other_findings(result) == ()
    assert sum(record.is_free for record in result.records) == statuses["free"] == free
    assert statuses["variable"] == variable
    assert all(record.external_id.endswith(":free") for record in result.records if record.is_free)


def test_prices_are_exact_decimals_per_mtok_from_per_token_strings():
    records = by_id(parse_models(load("openrouter/models.json"), CONFIG))
    mini, flash = records["openai/gpt-4o-mini"], records["google/gemini-2.5-flash"]
    assert (mini.input_cost_per_mtok, mini.output_cost_per_mtok) == (Decimal("0.15"), Decimal("0.6"))
    assert (flash.input_cost_per_mtok, flash.output_cost_per_mtok) == (Decimal("0.3"), Decimal("2.5"))
    assert isinstance(mini.input_cost_per_mtok, Decimal) and mini.pricing_status == "known" and not mini.is_free


def test_a_price_change_between_the_two_snapshots_is_read_exactly():
    older = by_id(parse_models(load("openrouter/models_older.json"), CONFIG))["deepseek/deepseek-chat"]
    newer = by_id(parse_models(load("openrouter/models.json"), CONFIG))["deepseek/deepseek-chat"]
    assert (older.input_cost_per_mtok, newer.input_cost_per_mtok) == (Decimal("0.2002"), Decimal("0.2574"))


def test_minus_one_is_variable_pricing_without_amounts():
    records = by_id(parse_models(load("openrouter/models.json"), CONFIG))
    auto = records["openrouter/auto"]
    assert auto.pricing_status == "variable" and auto.input_cost_per_mtok is None and not auto.is_free


def test_zero_prices_without_a_free_suffix_are_unknown_not_free():
    records = by_id(parse_models(load("openrouter/models.json"), CONFIG))
    unknown = sorted(r.external_id for r in records.values() if r.pricing_status == "unknown")
    assert unknown == [
        "google/lyria-3-clip-preview", "google/lyria-3-pro-preview", "openrouter/free", "stealth/ox-alpha",
    ]  # fmt: skip
    assert not any(records[model_id].is_free for model_id in unknown)


def test_free_suffix_with_zero_prices_is_free_and_tagged():
    record = by_id(parse_models(load("openrouter/models.json"), CONFIG))["google/gemma-4-31b-it:free"]
    assert record.pricing_status == "free" and record.is_free and "free" in record.tags
    assert (record.input_cost_per_mtok, record.output_cost_per_mtok) == (Decimal(0), Decimal(0))


def test_capabilities_come_from_parameters_modalities_and_priced_extras():
    records = by_id(parse_models(load("openrouter/models.json"), CONFIG))
    assert records["anthropic/claude-sonnet-4.5"].capabilities == (
        "function_calling", "json_schema", "pdf_input", "prompt_caching", "reasoning", "vision", "web_search",
    )  # fmt: skip
    flash = records["google/gemini-2.5-flash"]
    assert {"audio_input", "vision", "pdf_input", "reasoning"} <= set(flash.capabilities)
    assert "parallel_function_calling" not in records["openai/gpt-4o-mini"].capabilities


def test_identity_display_name_provider_and_limits():
    sonnet = by_id(parse_models(load("openrouter/models.json"), CONFIG))["anthropic/claude-sonnet-4.5"]
    assert (sonnet.external_id, sonnet.model) == ("anthropic/claude-sonnet-4.5", "anthropic/claude-sonnet-4.5")
    assert sonnet.display_name == "Anthropic: Claude Sonnet 4.5"
    assert (sonnet.provider, sonnet.provider_raw, sonnet.category) == ("anthropic", "anthropic", "chat")
    assert (sonnet.context_window, sonnet.max_output_tokens) == (1_000_000, 64000)
    assert sonnet.tags == ("reasoning", "multimodal", "long-context")


def test_unknown_vendor_maps_to_other_and_keeps_the_raw_string():
    record = by_id(parse_models(load("openrouter/models.json"), CONFIG))["stealth/ox-alpha"]
    assert (record.provider, record.provider_raw) == ("other", "stealth")


def test_vendor_aliases_map_to_the_enum():
    records = by_id(parse_models(load("openrouter/models.json"), CONFIG))
    providers = {records[i].provider for i in ("~x-ai/grok-latest", "z-ai/glm-5.3", "~moonshotai/kimi-latest")}
    assert providers == {"xai", "zhipu", "moonshot"}


def test_expiration_date_becomes_expires_at_and_tilde_ids_are_aliases():
    records = by_id(parse_models(load("openrouter/models_older.json"), CONFIG))
    assert records["openai/gpt-5.3-chat"].expires_at == datetime(2026, 8, 10, tzinfo=UTC)
    newer = parse_models(load("openrouter/models.json"), CONFIG).records
    aliases = {record.external_id for record in newer if record.is_alias}
    assert len(aliases) == 12 and all(model_id.startswith("~") for model_id in aliases)


def test_details_are_allow_listed_plain_text():
    payload = load("openrouter/models.json")
    records = parse_models(payload, CONFIG).records
    assert all(set(record.details) <= {"description", "canonical_slug"} for record in records)
    assert all(len(record.details["description"]) <= 500 for record in records)
    assert not any("\n" in record.details["description"] for record in records)


def test_legacy_2025_shape_parses_with_every_price_key_present():
    records = by_id(parse_models(load("openrouter/models_legacy_2025-05.json"), CONFIG))
    experimental = records["google/gemini-2.5-pro-exp-03-25"]  # all prices "0" but no ":free": not free
    assert experimental.pricing_status == "unknown" and not experimental.is_free
    assert all(record.expires_at is None for record in records.values())


def test_all_modalities_list_maps_to_categories():
    result = parse_models(load("openrouter/models_all_modalities_2026-08-19.json"), CONFIG)
    assert Counter(record.category for record in result.records) == {
        "chat": 414, "image_generation": 34, "embedding": 34, "other": 23, "audio_transcription": 19,
        "audio_speech": 18, "rerank": 7,
    }  # fmt: skip
    records = by_id(result)
    assert records["cohere/rerank-v3.5"].category == "rerank"
    assert records["openai/sora-2-pro"].category == "other"  # video output has no category of its own


def test_api_key_and_recommended_patterns_come_from_the_config():
    records = by_id(parse_models(load("openrouter/models.json"), KEYED))
    assert all(record.requires_api_key and record.api_key_available for record in records.values())
    recommended = sorted(model_id for model_id, record in records.items() if record.is_recommended)
    # Globs match the whole id, case-sensitively: "4.?" leaves out "4", "5" and the ":batch" variants.
    assert recommended == ["anthropic/claude-sonnet-4.5", "anthropic/claude-sonnet-4.6", "openai/gpt-4o"]
    keyless = parse_models(load("openrouter/models.json"), CONFIG).records
    assert not any(record.api_key_available or record.is_recommended for record in keyless)


# --- rules of SPEC §5 on variants derived from the real list ---------------------------------


def test_missing_price_keys_mean_zero_since_2026():
    payload = load("openrouter/models.json")
    del item_of(payload, "openai/gpt-4o-mini")["pricing"]["prompt"]
    free = item_of(payload, "google/gemma-4-31b-it:free")
    free["pricing"] = {}
    records = by_id(parse_models(payload, CONFIG))
    assert records["openai/gpt-4o-mini"].input_cost_per_mtok == Decimal(0)
    assert records["openai/gpt-4o-mini"].output_cost_per_mtok == Decimal("0.6")
    assert records["google/gemma-4-31b-it:free"].is_free


def test_free_suffix_with_a_cost_is_a_finding_and_not_free():
    payload = load("openrouter/models.json")
    item_of(payload, "google/gemma-4-31b-it:free")["pricing"]["completion"] = "0.000002"
    result = parse_models(payload, CONFIG)
    record = by_id(result)["google/gemma-4-31b-it:free"]
    assert not record.is_free and record.pricing_status == "known" and record.output_cost_per_mtok == Decimal(2)
    assert [(f.kind, f.external_id, f.counts_as_invalid) for f in other_findings(result)] == [
        ("free_with_cost", "google/gemma-4-31b-it:free", False)
    ]


def test_negative_price_is_a_finding_and_unknown():
    payload = load("openrouter/models.json")
    item_of(payload, "openai/gpt-4o")["pricing"]["prompt"] = "-0.000001"
    result = parse_models(payload, CONFIG)
    record = by_id(result)["openai/gpt-4o"]
    assert record.pricing_status == "unknown" and record.input_cost_per_mtok is None
    assert [f.kind for f in other_findings(result)] == ["negative_price"] and result.invalid_count == 0


def test_absurd_price_is_a_finding_not_an_overflow():
    payload = load("openrouter/models.json")
    item_of(payload, "openai/gpt-4o")["pricing"]["completion"] = "1e25"
    result = parse_models(payload, CONFIG)
    assert by_id(result)["openai/gpt-4o"].pricing_status == "unknown"
    assert [f.kind for f in other_findings(result)] == ["price_out_of_range"]


def test_invalid_items_are_skipped_with_findings_that_count_as_invalid():
    payload = load("openrouter/models.json")
    broken_pricing = dict(payload["data"][1], pricing="cheap")
    payload["data"][:2] = ["not a model", {"name": "no id"}]
    payload["data"] += [{"id": 42}, {"id": "x" * 600}, {"id": "nul\x00id"}, broken_pricing]
    result = parse_models(payload, CONFIG)
    assert len(result.records) == 420  # broken pricing is read as "no prices", not a broken model
    assert result.invalid_count == 5 and {f.kind for f in other_findings(result)} == {"invalid_item"}
    assert by_id(result)[broken_pricing["id"]].pricing_status == "unknown"


def test_wrong_typed_fields_degrade_to_none_instead_of_failing():
    payload = load("openrouter/models.json")
    item = item_of(payload, "openai/gpt-4o")
    item.update(context_length="128k", top_provider=[1], supported_parameters="tools", expiration_date=20260101)
    item["architecture"] = {"input_modalities": [["image"]], "output_modalities": None}
    record = by_id(parse_models(payload, CONFIG))["openai/gpt-4o"]
    assert (record.context_window, record.max_output_tokens, record.expires_at) == (None, None, None)
    assert record.capabilities == ("prompt_caching",) and record.category == "chat"


def test_entries_of_a_parameter_list_that_are_not_strings_are_skipped():
    payload = load("openrouter/models.json")
    item = item_of(payload, "openai/gpt-4o")
    item["supported_parameters"] = [{"x": 1}, "tools", ["structured_outputs"], 3, None, "reasoning"]
    record = by_id(parse_models(payload, CONFIG))["openai/gpt-4o"]
    assert set(record.capabilities) >= {"function_calling", "reasoning"} and "json_schema" not in record.capabilities


def test_duplicate_ids_keep_one_record_whatever_the_payload_order():
    payload = load("openrouter/models.json")
    twin = dict(item_of(payload, "openai/gpt-4o"), name="A twin with another name")
    forwards = parse_models({"data": [*payload["data"], twin]}, CONFIG)
    backwards = parse_models({"data": [twin, *reversed(payload["data"])]}, CONFIG)
    assert len(forwards.records) == len(backwards.records) == 421
    assert by_id(forwards)["openai/gpt-4o"] == by_id(backwards)["openai/gpt-4o"]
    assert [(f.kind, f.external_id, f.counts_as_invalid) for f in other_findings(forwards)] == [
        ("duplicate_id", "openai/gpt-4o", False)
    ]


@pytest.mark.parametrize(
    ("payload", "kind"),
    [
        ({"error": {"message": "Rate limit exceeded", "code": 429}}, "error_in_body"),
        ({"detail": "Not Found"}, "error_in_body"),
        ({"data": "x"}, "wrong_shape"),
        ({"models": []}, "wrong_shape"),
        ([], "wrong_shape"),
        (None, "wrong_shape"),
        ("Internal Server Error", "not_json"),
    ],
)
def test_wrong_top_level_shapes_raise_payload_errors_with_a_kind(payload, kind):
    with pytest.raises(PayloadError) as raised:
        parse_models(payload, CONFIG)
    assert raised.value.kind == kind and "/models" in str(raised.value)


def test_an_empty_list_parses_to_no_records_for_the_guards_to_refuse():
    assert parse_models({"data": []}, CONFIG) == ParseResult(())


# --- the adapter -----------------------------------------------------------------------------


def test_adapter_fetches_models_under_the_base_url_and_parses_them():
    adapter = adapter_for(CONFIG)
    client = RecordingClient(raw("openrouter/models_older.json"))
    payloads = adapter.fetch(client)
    assert isinstance(adapter, OpenRouterAdapter)
    assert client.urls == [("https://openrouter.ai/api/v1/models", "data")]  # its items arrive undecoded
    assert adapter.parse(payloads) == parse_models(load("openrouter/models_older.json"), CONFIG)
    assert len(adapter.parse(payloads).records) == 345


def test_adapter_parse_of_a_missing_payload_is_a_payload_error():
    with pytest.raises(PayloadError):
        OpenRouterAdapter(CONFIG).parse({})


# --- never raises on arbitrary JSON ----------------------------------------------------------

ITEM_KEYS = st.sampled_from(
    ["id", "name", "pricing", "architecture", "context_length", "top_provider", "supported_parameters",
     "expiration_date", "description", "canonical_slug"]
)  # fmt: skip
PRICING = st.dictionaries(
    st.sampled_from(["prompt", "completion", "input_cache_read", "web_search"]),
    st.sampled_from(["0", "-1", "0.000001", "-2", "1e400", "NaN", "abc", ""]) | JSON,
)
ITEMS = JSON | st.dictionaries(ITEM_KEYS, JSON | PRICING | st.sampled_from(["a/b", "a/b:free", "~x"]), max_size=8)


@settings(max_examples=200, deadline=None)
@given(items=st.lists(ITEMS, max_size=8))
def test_arbitrary_items_become_records_or_findings_never_exceptions(items):
    result = parse_models({"data": items}, CONFIG)
    assert len(result.records) + result.invalid_count <= len(items)
    assert all(r.pricing_status in {"known", "free", "variable", "unknown"} for r in result.records)
    assert all(r.is_free == (r.pricing_status == "free") for r in result.records)


@settings(max_examples=200, deadline=None)
@given(payload=JSON)
def test_arbitrary_payloads_parse_or_raise_only_payload_errors(payload):
    try:
        result = parse_models(payload, CONFIG)
    except PayloadError as error:
        assert error.kind in {"error_in_body", "wrong_shape", "not_json"}
    else:
        assert isinstance(payload, dict) and isinstance(payload["data"], list) and isinstance(result, ParseResult)
