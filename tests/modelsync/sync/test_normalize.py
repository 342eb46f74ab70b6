"""The shared normalization helpers (SPEC §5), and the per-model normalization budget of SPEC §9."""

import time
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from modelsync.adapters.base import SourceConfig
from modelsync.adapters.openrouter import parse_models
from modelsync.exceptions import PayloadError
from modelsync.sync.build import clear_caches, payload_items, valid_id
from modelsync.sync.names import category_for_mode, category_for_name, display_name, provider_for
from modelsync.sync.normalize import (
    as_int,
    clean_text,
    derive_tags,
    iso_datetime,
    matches_any,
    per_mtok,
    pricing,
    safety_score,
    to_decimal,
)
from modelsync.sync.pipeline import _cyclic_gc_paused
from tests.modelsync.payloads import load, other_findings

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
)


# --- display names, providers, categories ----------------------------------------------------


@pytest.mark.parametrize(
    ("model_id", "readable"),
    [
        ("gpt-4o-mini", "GPT-4o mini"),
        ("claude-3-5-sonnet-20241022", "Claude 3.5 Sonnet (2024-10-22)"),
        ("anthropic/claude-3-5-sonnet-20241022", "Claude 3.5 Sonnet (2024-10-22)"),
        ("claude-sonnet-4-5", "Claude Sonnet 4.5"),
        ("gpt-4o-2024-08-06", "GPT-4o (2024-08-06)"),
        ("o3-mini", "o3 mini"),
        ("gpt-4.1-nano", "GPT-4.1 nano"),
        ("gemini-2.5-pro", "Gemini 2.5 pro"),
        ("text-embedding-3-small", "Text Embedding 3 Small"),
        ("meta-llama/llama-3.3-70b-instruct:free", "Llama 3.3 70b instruct"),
        ("/home/me/Qwen3-Embedding-0.6B/", "Qwen3 Embedding 0.6b"),
        ("---", "---"),
    ],
)
def test_display_names_are_readable(model_id, readable):
    assert display_name(model_id) == readable


@pytest.mark.parametrize(
    ("raw", "model", "expected"),
    [
        ("openai", "gpt-4o", ("openai", "openai")),
        ("azure", "azure/corp-gpt4o-prod-deployment", ("openai", "azure")),
        ("bedrock", "bedrock/anthropic.claude-3-sonnet-20240229-v1:0", ("anthropic", "bedrock")),
        ("vertex_ai", "vertex_ai/gemini-2.5-flash", ("google", "vertex_ai")),
        ("meta-llama", "meta-llama/llama-3.3-70b-instruct", ("meta", "meta-llama")),
        ("x-ai", "x-ai/grok-4", ("xai", "x-ai")),
        ("Mistralai", "mistralai/mistral-large", ("mistral", "Mistralai")),
        ("stealth", "stealth/ox-alpha", ("other", "stealth")),
        ("", "completely-unknown", ("other", "")),
        ("together_ai", "together_ai/deepseek-ai/deepseek-r1-distill-llama-70b", ("deepseek", "together_ai")),
        ("groq", "groq/meta-llama/llama-guard-4-12b", ("meta", "groq")),
        ("nvidia", "nvidia/llama-3.1-nemotron-70b-instruct", ("nvidia", "nvidia")),  # a vendor's own tune of Llama
    ],
)
def test_providers_map_to_the_enum_and_keep_the_raw_string(raw, model, expected):
    assert provider_for(raw, model) == expected


def test_provider_raw_is_cleaned_and_fits_its_column():
    assert provider_for("evil\x00" + "x" * 300, "m") == ("other", "evil " + "x" * 123)


@pytest.mark.parametrize(
    ("mode", "category"),
    [("chat", "chat"), ("responses", "chat"), ("embedding", "embedding"), ("moderations", "moderation"),
     ("realtime", "other"), (None, "other"), (["chat"], "other")],
)  # fmt: skip
def test_litellm_modes_map_to_categories(mode, category):
    assert category_for_mode(mode) == category


@pytest.mark.parametrize(
    ("name", "category"),
    [("whisper-1", "audio_transcription"), ("tts-1-hd", "audio_speech"), ("dall-e-3", "image_generation"),
     ("omni-moderation-latest", "moderation"), ("babbage-002", "completion"), ("claude-3-haiku", "chat")],
)  # fmt: skip
def test_names_decide_the_category_when_no_mode_is_given(name, category):
    assert category_for_name(name) == category


# --- prices ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0.0000025", Decimal("0.0000025")),
        (" 0.5 ", Decimal("0.5")),
        (2.5e-06, Decimal("0.0000025")),  # through repr: no binary expansion
        (1e-07, Decimal("1E-7")),
        (0, Decimal(0)),
        (3, Decimal(3)),
        ("-1", Decimal(-1)),
        (True, None),
        (None, None),
        ("NaN", None),
        ("Infinity", None),
        ("1e999999", None),
        ("abc", None),
        ("1" * 65, None),
        ([1], None),
    ],
)
def test_to_decimal_is_exact_and_total(value, expected):
    assert to_decimal(value) == expected


def test_float_prices_never_pick_up_binary_noise():
    assert to_decimal(0.1) == Decimal("0.1") and to_decimal(0.1) != Decimal.from_float(0.1)
    assert per_mtok(to_decimal(3e-06)) == Decimal("3")


def test_per_mtok_keeps_nine_places_and_refuses_absurd_values():
    assert per_mtok(Decimal("0.0000000833333333333333")) == Decimal("0.083333333")
    assert per_mtok(Decimal("0.00001")) == Decimal("10.000000000")
    assert per_mtok(Decimal("10000")) is None and per_mtok(None) is None


def test_known_prices_are_per_mtok():
    fields, findings = pricing("m", "0.00000015", "0.0000006", source_says_free=False)
    assert fields == {"pricing_status": "known", "input_cost_per_mtok": Decimal("0.15"),
                      "output_cost_per_mtok": Decimal("0.6")} and findings == []  # fmt: skip


@pytest.mark.parametrize(
    ("prices", "says_free", "status", "finding"),
    [
        (("0", "0"), False, "unknown", None),  # zero alone says nothing
        ((None, None), False, "unknown", None),
        (("0.000001", None), False, "unknown", None),  # half a price is no price
        (("0", "0"), True, "free", None),
        ((None, None), True, "free", None),  # every *known* price is zero
        (("0", "0.000001"), True, "known", "free_with_cost"),
        (("-1", "-1"), False, "variable", None),
        ((-1, -1), True, "variable", None),
        (("-0.5", "1"), False, "unknown", "negative_price"),
        (("1e6", "0"), False, "unknown", "price_out_of_range"),
        (([], {}), False, "unknown", None),
    ],
)
def test_pricing_rules_of_spec_section_5(prices, says_free, status, finding):
    fields, findings = pricing("m", *prices, source_says_free=says_free)
    assert fields["pricing_status"] == status
    assert fields.get("is_free", False) == (status == "free")
    assert [f.kind for f in findings] == ([finding] if finding else [])
    assert all(f.external_id == "m" and not f.counts_as_invalid for f in findings)


@settings(max_examples=300, deadline=None)
@given(first=JSON, second=JSON, says_free=st.booleans())
def test_pricing_never_raises_and_free_means_zero(first, second, says_free):
    fields, _ = pricing("m", first, second, source_says_free=says_free)
    assert fields["pricing_status"] in {"known", "free", "variable", "unknown"}
    if fields.get("is_free"):
        assert says_free and fields["input_cost_per_mtok"] == fields["output_cost_per_mtok"] == 0
    for key in ("input_cost_per_mtok", "output_cost_per_mtok"):
        value = fields.get(key)
        assert value is None or (isinstance(value, Decimal) and 0 <= value < Decimal("1e10"))


# --- small helpers ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "score"),
    [(0.93, Decimal("0.930")), (1, Decimal("1.000")), (0, Decimal("0.000")), (1.01, None), (-0.1, None),
     ("0.9", None), (True, None), (None, None), (float("nan"), None)],
)  # fmt: skip
def test_safety_score_is_read_only_from_numbers_in_0_1(value, score):
    assert safety_score(value) == score


@pytest.mark.parametrize(
    ("value", "expected"),
    [(64000.0, 64000), (128000, 128000), (0, 0), (-1, None), (1.5, None), (True, None), ("4096", None),
     (2**31, None), (float("inf"), None)],
)  # fmt: skip
def test_as_int_reads_token_counts(value, expected):
    assert as_int(value) == expected


def test_valid_ids_are_printable_non_blank_strings_that_fit():
    assert valid_id("openai/gpt-4o:free") == "openai/gpt-4o:free"
    assert [valid_id(v) for v in ("", "  ", "a\x00b", "x" * 513, 42, None)] == [None] * 6


def test_recommended_patterns_are_case_sensitive_whole_name_globs():
    patterns = ("openai/gpt-4o*", "anthropic/claude-sonnet-4.?")
    assert matches_any("openai/gpt-4o-mini", patterns) and matches_any("anthropic/claude-sonnet-4.5", patterns)
    assert not matches_any("OpenAI/gpt-4o", patterns) and not matches_any("x/openai/gpt-4o", patterns)
    assert not matches_any("anthropic/claude-sonnet-4.5:batch", patterns) and not matches_any("gpt-4o", ())


def test_derived_tags():
    assert derive_tags(is_free=True, capabilities=("reasoning", "vision"), context_window=1_048_576) == (
        "free", "reasoning", "multimodal", "long-context",
    )  # fmt: skip
    assert derive_tags(is_free=False, capabilities=(), context_window=None) == ()


def test_clean_text_strips_control_characters_redacts_key_like_tokens_and_truncates():
    assert clean_text("line one\nline\x00 two") == "line one line  two"
    assert clean_text("uses sk-fake-in-notes-DO-NOT-LEAK-15 here") == "uses [redacted] here"
    assert clean_text("Authorization: Bearer abc.def") == "Authorization: [redacted]"
    assert clean_text("x" * 900) == "x" * 500 and clean_text(None) == "" and clean_text(["a"]) == ""


def test_iso_dates_become_aware_datetimes():
    assert iso_datetime("2026-08-10") == datetime(2026, 8, 10, tzinfo=UTC)
    assert iso_datetime("2026-04-20T14:04:30-04:00").utcoffset().total_seconds() == -4 * 3600
    assert iso_datetime("2098-12-31T00:00:00Z") == datetime(2098, 12, 31, tzinfo=UTC)
    assert [iso_datetime(v) for v in ("soon", 20260810, None, "9" * 100)] == [None] * 4


@pytest.mark.parametrize(
    ("payload", "kind"),
    [({"error": {"message": "x"}}, "error_in_body"), ({"detail": "Not Found"}, "error_in_body"),
     ({"errors": ["x"]}, "error_in_body"), ({"data": "x"}, "wrong_shape"), ({"data": {}}, "wrong_shape"),
     ([], "wrong_shape"), (None, "wrong_shape"), (3, "wrong_shape"), ("Internal Server Error", "not_json"),
     (b"<html>", "not_json")],
)  # fmt: skip
def test_payload_items_refuses_error_bodies_and_wrong_shapes(payload, kind):
    with pytest.raises(PayloadError) as raised:
        payload_items(payload, "data", endpoint="/models")
    assert raised.value.kind == kind


def test_payload_items_accepts_a_list_even_next_to_an_empty_error_key():
    assert payload_items({"data": [1], "error": None}, "data", endpoint="/models") == [1]


@settings(max_examples=300, deadline=None)
@given(value=JSON)
def test_helpers_are_total_over_arbitrary_json(value):
    as_int(value), to_decimal(value), safety_score(value), clean_text(value), iso_datetime(value), valid_id(value)
    category_for_mode(value)
    if isinstance(value, str):
        assert len(display_name(value)) <= 255 and provider_for(value, value)[0]


# --- SPEC §9: normalization ≤ 15 µs per model --------------------------------------------------


def varied_openrouter(count: int) -> dict:
    """`count` real items from all four OpenRouter captures (so every shape and modality), under unique ids."""
    seeds = [
        item
        for capture in ("models", "models_older", "models_legacy_2025-05", "models_all_modalities_2026-08-19")
        for item in load(f"openrouter/{capture}.json")["data"]
    ]
    items, seen = [], set()
    for index in range(count):
        item = seeds[index % len(seeds)]
        if item["id"] in seen:  # a shallow variant: only the changed keys are new objects
            pricing_ = dict(item.get("pricing") or {}, prompt=f"0.000000{index % 97 + 1}")
            item = dict(item, id=f"{item['id']}-v{index}", pricing=pricing_)
        seen.add(item["id"])
        items.append(item)
    return {"data": items}


@pytest.mark.benchmark
def test_normalization_per_model_within_budget(benchmark):
    payload = varied_openrouter(2_000)
    config = SourceConfig(name="bench", kind="openrouter", base_url="", recommended_patterns=("openai/*",))

    def normalize():
        started = time.perf_counter()
        with _cyclic_gc_paused():  # as source_sync runs it
            result = parse_models(payload, config)
        return result, (time.perf_counter() - started) / len(payload["data"])

    result, per_model = benchmark(normalize)
    # Correctness holds whether or not benchmarks are enabled.
    ids = [item["id"] for item in payload["data"]]
    assert len(result.records) == len(set(ids)) == 2_000 and other_findings(result) == ()
    assert {record.category for record in result.records} >= {"chat", "embedding", "rerank", "image_generation"}
    warm = benchmark.stats.stats.median / len(ids) if benchmark.stats else per_model
    clear_caches()  # a first sync after start-up: nothing memoized yet
    cold = normalize()[1]
    benchmark.extra_info.update(
        figure="normalization per model (varied OpenRouter)", budget=15, unit="us", measured=warm * 1e6,
        cold_us=round(cold * 1e6, 2),
    )  # fmt: skip
