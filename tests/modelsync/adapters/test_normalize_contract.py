"""The normalization helpers at their edges: exact messages, boundaries and fallbacks (SPEC §5), on real captures.

Upstream data comes from tests/modelsync/payloads/ (real captures, see its README); variants are derived in code.
"""

import copy
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from modelsync.adapters.base import SourceConfig
from modelsync.adapters.openrouter import parse_model
from modelsync.exceptions import PayloadError
from modelsync.sync.build import InvalidItem, build_records, clear_caches, item_id, payload_items, require_id, valid_id
from modelsync.sync.names import category_for_mode, display_name, provider_for
from modelsync.sync.normalize import (
    as_dict,
    as_int,
    clean_text,
    derive_tags,
    free_pricing,
    is_positive_price,
    iso_datetime,
    matches_any,
    per_mtok,
    pricing,
    safety_score,
    str_list,
    to_decimal,
)
from modelsync.sync.records import Finding
from tests.modelsync.payloads import load, raw

CONFIG = SourceConfig(name="openrouter", kind="openrouter", base_url="https://openrouter.ai/api/v1")


def openrouter_items(*ids: str) -> list[dict]:
    """Fresh copies of the named items of the real OpenRouter capture (openrouter/models.json), in that order."""
    by_id = {item["id"]: item for item in load("openrouter/models.json")["data"]}
    return [copy.deepcopy(by_id[model_id]) for model_id in ids]


# --- payload_items: the messages a refused payload leaves on the run -------------------------------------------


@pytest.mark.parametrize(
    ("capture", "message"),
    [
        ("litellm/unauthorized_model_info__wrong_key.json", "/model/info answered 200 with an error object instead of"),
        ("litellm/v2_model_info.json", "/model/info answered 200 with an error object instead of"),
        ("litellm/v1_models_one_unknown.json", "/model/info answered 200 with an error object instead of"),
    ],
)
def test_a_real_error_body_is_refused_with_a_message_naming_endpoint_and_key(capture, message):
    with pytest.raises(PayloadError) as raised:
        payload_items(load(capture), "data", endpoint="/model/info")
    assert (str(raised.value), raised.value.kind) == (f"{message} 'data'", "error_in_body")


def test_a_real_plain_text_answer_is_refused_as_not_json():
    text = raw("litellm/v1.106.2/unauthorized_model_info__no_key.txt").decode()
    for payload in (text, text.encode()):
        with pytest.raises(PayloadError) as raised:
            payload_items(payload, "data", endpoint="/model/info")
        assert (str(raised.value), raised.value.kind) == ("/model/info: expected a JSON object, got text", "not_json")


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"object": "list"}, "/models: expected a list under 'data', got nothing"),
        ({"data": {"id": "x"}}, "/models: expected a list under 'data', got dict"),
        ({"data": "gpt-4o"}, "/models: expected a list under 'data', got str"),
        ({"error": None, "data": None}, "/models: expected a list under 'data', got nothing"),
        (None, "/models: expected a JSON object with 'data', got nothing"),
        ([{"id": "x"}], "/models: expected a JSON object with 'data', got list"),
        (42, "/models: expected a JSON object with 'data', got int"),
    ],
)
def test_a_payload_of_the_wrong_shape_says_what_it_got(payload, message):
    with pytest.raises(PayloadError) as raised:
        payload_items(payload, "data", endpoint="/models")
    assert (str(raised.value), raised.value.kind) == (message, "wrong_shape")


def test_the_items_of_a_real_payload_are_returned_as_they_are():
    payload = load("openrouter/models.json")
    assert payload_items(payload, "data", endpoint="/models") is payload["data"]
    # A list next to an error key is the answer: error keys only refuse a payload that has no list.
    with_error = {**payload, "error": {"message": "partial"}}
    assert payload_items(with_error, "data", endpoint="/models") is payload["data"]


# --- build_records: every item becomes a record or one finding ---------------------------------------------------


def test_every_real_item_becomes_a_record_in_payload_order():
    items = openrouter_items("openai/gpt-4o-mini", "stealth/ox-alpha", "openrouter/auto")
    result = build_records(items, lambda item: parse_model(item, CONFIG))
    assert [r.external_id for r in result.records] == ["openai/gpt-4o-mini", "stealth/ox-alpha", "openrouter/auto"]
    assert result.findings == ()


def test_an_invalid_item_is_a_finding_with_the_id_its_row_has_and_the_next_items_still_count():
    good, no_id, bad_id = openrouter_items("openai/gpt-4o-mini", "stealth/ox-alpha", "openrouter/auto")
    del no_id["id"]
    bad_id["id"] = "bad\nid"
    items = [no_id, "not an object", bad_id, good, None]
    result = build_records(items, lambda item: parse_model(item, CONFIG), id_keys=("id", "canonical_slug"))
    assert [r.external_id for r in result.records] == ["openai/gpt-4o-mini"]
    assert result.findings == (
        Finding("invalid_item", "missing or invalid id", "stealth/ox-alpha"),  # from canonical_slug
        Finding("invalid_item", "unreadable item (TypeError)", None),
        Finding("invalid_item", "missing or invalid id", "openrouter/auto"),
        Finding("invalid_item", "unreadable item (TypeError)", None),
    )
    assert result.invalid_count == 4


@pytest.mark.parametrize("error", [TypeError, ValueError, AttributeError, KeyError, ArithmeticError, ZeroDivisionError])
def test_any_reading_error_of_an_item_is_a_finding_that_never_echoes_the_item(error):
    (item,) = openrouter_items("openai/gpt-4o-mini")
    item["name"] = "sk-live-secret-name"

    def build(item):
        raise error(item["name"])

    result = build_records([item], build)
    assert result.records == ()
    assert result.findings == (Finding("invalid_item", f"unreadable item ({error.__name__})", "openai/gpt-4o-mini"),)


def test_other_errors_are_bugs_and_propagate():
    def build(item):
        raise RuntimeError("bug")

    with pytest.raises(RuntimeError):
        build_records(openrouter_items("openai/gpt-4o-mini"), build)


def test_findings_of_a_record_are_kept_and_duplicates_reported_after_them():
    gpt, auto = openrouter_items("openai/gpt-4o-mini", "openrouter/auto")
    free = copy.deepcopy(gpt)
    free["id"] = "openai/gpt-4o-mini:free"  # ":free" with a price: a free_with_cost finding
    result = build_records([gpt, free, copy.deepcopy(gpt), auto], lambda item: parse_model(item, CONFIG))
    ids = ["openai/gpt-4o-mini", "openai/gpt-4o-mini:free", "openrouter/auto"]
    assert [r.external_id for r in result.records] == ids
    assert [(f.kind, f.external_id) for f in result.findings] == [
        ("free_with_cost", "openai/gpt-4o-mini:free"),
        ("duplicate_id", "openai/gpt-4o-mini"),
    ]
    assert result.invalid_count == 0


# --- ids -----------------------------------------------------------------------------------------------------------


def test_an_id_of_exactly_the_column_length_fits():
    assert valid_id("a" * 512) == "a" * 512 and valid_id("a" * 513) is None
    assert valid_id(" padded ") == " padded " and valid_id("\t") is None and valid_id("a\u2028b") is None


def test_require_id_names_what_is_missing():
    assert require_id("openai/gpt-4o") == "openai/gpt-4o"
    with pytest.raises(InvalidItem, match=r"^missing or invalid id$"):
        require_id(None)
    with pytest.raises(InvalidItem, match=r"^missing or invalid model_name$"):
        require_id("", "model_name")


def test_item_id_takes_the_first_readable_id_of_the_keys_given():
    (item,) = openrouter_items("stealth/ox-alpha")
    assert item_id(item, "id") == "stealth/ox-alpha"
    assert item_id(item, "hugging_face_id", "name", "id") == "Ox Alpha"  # hugging_face_id is null here
    assert item_id(item, "missing", "canonical_slug") == "stealth/ox-alpha"
    assert item_id(item) is None and item_id(item, "created") is None
    assert item_id([item], "id") is None and item_id(None, "id") is None


# --- small readers ---------------------------------------------------------------------------------------------------


def test_as_dict_passes_objects_and_replaces_anything_else_with_an_empty_one():
    (item,) = openrouter_items("openai/gpt-4o-mini")
    assert as_dict(item["pricing"]) is item["pricing"]
    assert [as_dict(v) for v in (None, [], "x", 3)] == [{}, {}, {}, {}]


def test_str_list_keeps_only_the_strings_of_a_real_list():
    (item,) = openrouter_items("openai/gpt-4o-mini")
    modalities = item["architecture"]["input_modalities"]
    assert str_list(modalities) == tuple(modalities) and str_list(modalities) != ()
    assert str_list(["text", 1, None, ["image"], "file"]) == ("text", "file")
    assert [str_list(v) for v in ("text", ("text",), {"text": 1}, None)] == [(), (), (), ()]


def test_litellm_mode_names_are_categories():
    assert category_for_mode("audio_transcription") == "audio_transcription"
    assert category_for_mode("image_generation") == "image_generation" and category_for_mode("CHAT") == "other"


def test_a_vendors_own_name_wins_over_a_model_name_that_hints_at_another():
    # In the real capture: DeepSeek's distillation of a Llama model is DeepSeek's.
    (item,) = openrouter_items("deepseek/deepseek-r1-distill-llama-70b")
    assert provider_for("deepseek", item["id"]) == ("deepseek", "deepseek")


def test_providers_of_hosts_come_from_the_model_name_and_unknown_vendors_are_other():
    assert provider_for("openrouter", "openrouter/auto") == ("other", "openrouter")
    assert provider_for("groq", "groq/llama-3.3-70b") == ("meta", "groq")
    assert provider_for("together_ai", "Qwen/Qwen2.5-72B") == ("qwen", "together_ai")
    assert provider_for("azure", "azure/my-deployment") == ("openai", "azure")  # a host that is a vendor too
    assert provider_for(" OpenAI ", "x") == ("openai", " OpenAI ")


# --- numbers -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (10**30 - 1, Decimal(10**30 - 1)),
        (10**30, None),
        (-(10**30) + 1, Decimal(-(10**30) + 1)),
        (-(10**30), None),
        (-1, Decimal(-1)),
        ("1e30", Decimal("1e30")),
        ("1e31", None),
        (1e30, Decimal("1e30")),
        (1e31, None),
        (float("inf"), None),
        (float("nan"), None),
        ("0." + "0" * 61 + "1", Decimal("1e-62")),  # 64 characters: still read
        ("0." + "0" * 62 + "1", None),  # 65: too long to be a price
        ("\t0.5\n", Decimal("0.5")),
        (Decimal("0.5"), None),  # only what JSON decodes to
    ],
)
def test_to_decimal_bounds(value, expected):
    assert to_decimal(value) == expected
    if expected is not None:
        assert str(to_decimal(value)) == str(expected)


def test_per_mtok_rounds_half_even_to_nine_places_below_the_column_limit():
    assert per_mtok(Decimal("9999.9999999999999")) == Decimal("9999999999.999999900")
    assert per_mtok(Decimal("10000")) is None
    assert per_mtok(Decimal("0.0000000000000005")) == Decimal("0E-9")
    assert str(per_mtok(Decimal("0.0000025"))) == "2.500000000"


@pytest.mark.parametrize(
    ("value", "expected"),
    [(2_147_483_647, 2_147_483_647), (2_147_483_647.0, 2_147_483_647), (2_147_483_648, None), (0.0, 0),
     (-0.0, 0), (False, None), (None, None)],
)  # fmt: skip
def test_as_int_accepts_exactly_the_database_integer_range(value, expected):
    assert as_int(value) == expected and (expected is None or type(as_int(value)) is int)


def test_safety_scores_keep_three_places():
    assert [str(safety_score(v)) for v in (0.93, 0.12345, 1)] == ["0.930", "0.123", "1.000"]
    assert safety_score(1e-9) == Decimal("0.000") and safety_score([0.5]) is None


# --- prices (SPEC §5) ----------------------------------------------------------------------------------------------


def test_real_prices_become_known_per_mtok_prices():
    for item in openrouter_items("openai/gpt-4o-mini", "openai/gpt-4", "tencent/hy-mt2-1.8b"):
        fields, findings = pricing(item["id"], item["pricing"]["prompt"], item["pricing"]["completion"],
                                   source_says_free=False)  # fmt: skip
        assert fields == {
            "pricing_status": "known",
            "input_cost_per_mtok": Decimal(item["pricing"]["prompt"]) * 1_000_000,
            "output_cost_per_mtok": Decimal(item["pricing"]["completion"]) * 1_000_000,
        }
        assert findings == [] and fields["input_cost_per_mtok"] > 0


def test_the_real_router_price_is_variable_and_the_real_free_model_is_free():
    (auto,) = openrouter_items("openrouter/auto")
    assert pricing("openrouter/auto", auto["pricing"]["prompt"], auto["pricing"]["completion"],
                   source_says_free=False) == ({"pricing_status": "variable"}, [])  # fmt: skip
    (free,) = openrouter_items("dots-studio/dots-3-note-preview:free")
    fields, findings = pricing(free["id"], free["pricing"]["prompt"], free["pricing"]["completion"],
                               source_says_free=True)  # fmt: skip
    assert fields == free_pricing() == {"pricing_status": "free", "input_cost_per_mtok": Decimal(0),
                                        "output_cost_per_mtok": Decimal(0), "is_free": True}  # fmt: skip
    assert findings == []


@pytest.mark.parametrize(
    ("prices", "says_free", "fields", "problem"),
    [
        (("-1", "0.000001"), False, {"pricing_status": "variable"}, None),
        (("0.000001", -1), True, {"pricing_status": "variable"}, None),
        ((-1.0, -1.0), False, {"pricing_status": "unknown"}, "negative_price"),  # a float -1 is no marker
        (("0.000001", "-0.000001"), False, {"pricing_status": "unknown"}, "negative_price"),
        (("-0.000001", None), True, {"pricing_status": "unknown"}, "negative_price"),
        (("-0", "-0"), False, {"pricing_status": "unknown"}, None),
        (("0.000001", "10000"), False, {"pricing_status": "unknown"}, "price_out_of_range"),
        (("10000", "0.000001"), False, {"pricing_status": "unknown"}, "price_out_of_range"),
        ((None, "10000"), True, {"pricing_status": "unknown"}, "price_out_of_range"),
        (("9999.999", "0.000001"), False,
         {"pricing_status": "known", "input_cost_per_mtok": Decimal("9999999000"), "output_cost_per_mtok": Decimal(1)},
         None),
        (("0", "0.000002"), False,
         {"pricing_status": "known", "input_cost_per_mtok": Decimal(0), "output_cost_per_mtok": Decimal(2)}, None),
        (("0.000002", "0"), False,
         {"pricing_status": "known", "input_cost_per_mtok": Decimal(2), "output_cost_per_mtok": Decimal(0)}, None),
        (("0.000002", "0"), True,
         {"pricing_status": "known", "input_cost_per_mtok": Decimal(2), "output_cost_per_mtok": Decimal(0)},
         "free_with_cost"),
        ((None, "0.000002"), True,
         {"pricing_status": "known", "input_cost_per_mtok": None, "output_cost_per_mtok": Decimal(2)},
         "free_with_cost"),
        ((None, "0.000002"), False, {"pricing_status": "unknown"}, None),
        (("0.000002", None), False, {"pricing_status": "unknown"}, None),
        ((0, 0.0), True, free_pricing(), None),
        (("0", None), True, free_pricing(), None),
        (([], {}), True, free_pricing(), None),  # unreadable prices: no known price is non-zero
        (([1], ["x"]), False, {"pricing_status": "unknown"}, None),
        # An unreadable price next to a readable one: the readable one still counts.
        (("0.000001", []), True,
         {"pricing_status": "known", "input_cost_per_mtok": Decimal(1), "output_cost_per_mtok": None},
         "free_with_cost"),
        (({}, "0.000001"), True,
         {"pricing_status": "known", "input_cost_per_mtok": None, "output_cost_per_mtok": Decimal(1)},
         "free_with_cost"),
        (("-1", {"prompt": 1}), False, {"pricing_status": "variable"}, None),
        (([], "-1"), False, {"pricing_status": "variable"}, None),
    ],
)  # fmt: skip
def test_pricing_fields_and_findings(prices, says_free, fields, problem):
    got, findings = pricing("vendor/model", *prices, source_says_free=says_free)
    assert got == fields
    messages = {
        "negative_price": "negative price ignored",
        "price_out_of_range": "absurd price ignored",
        "free_with_cost": "marked free but has a non-zero price",
    }
    expected = [Finding(problem, messages[problem], "vendor/model", counts_as_invalid=False)] if problem else []
    assert findings == expected


@given(first=st.one_of(st.none(), st.decimals(min_value=0, max_value=Decimal("0.001"), places=12).map(str)),
       second=st.one_of(st.none(), st.decimals(min_value=0, max_value=Decimal("0.001"), places=12).map(str)),
       says_free=st.booleans())  # fmt: skip
def test_the_same_prices_give_the_same_answer_cached_or_not(first, second, says_free):
    answer = pricing("m", first, second, source_says_free=says_free)
    assert pricing("m", first, second, source_says_free=says_free) == answer
    clear_caches()
    assert pricing("m", first, second, source_says_free=says_free) == answer


def test_priced_extras_are_the_positive_prices_of_the_real_capture():
    (item,) = openrouter_items("meta/muse-spark-1.2-contributor")
    assert is_positive_price(item["pricing"]["web_search"]) and is_positive_price(item["pricing"]["input_cache_read"])
    assert not any(is_positive_price(v) for v in ("0", 0, "-0.1", None, "free", True))


# --- globs, tags, dates, text ------------------------------------------------------------------------------------


def test_any_one_of_several_globs_matches():
    patterns = ("anthropic/*", "openai/gpt-4o*", "google/gemini-?.?-flash")
    assert [matches_any(n, patterns) for n in ("openai/gpt-4o-mini", "anthropic/claude-3", "google/gemini-3.7-flash",
                                               "google/gemini-13.7-flash", "meta/llama")] == [True, True, True, False,
                                                                                             False]  # fmt: skip


@pytest.mark.parametrize(
    ("context", "tags"), [(999_999, ()), (1_000_000, ("long-context",)), (2_000_000, ("long-context",)), (0, ())]
)
def test_long_context_starts_at_a_million_tokens(context, tags):
    assert derive_tags(is_free=False, capabilities=("function_calling",), context_window=context) == tags


def test_each_tag_comes_from_its_own_fact():
    assert derive_tags(is_free=True, capabilities=(), context_window=None) == ("free",)
    assert derive_tags(is_free=False, capabilities=("reasoning",), context_window=None) == ("reasoning",)
    assert derive_tags(is_free=False, capabilities=("vision",), context_window=None) == ("multimodal",)


def test_real_expiration_dates_and_long_fractions_are_read():
    (item,) = openrouter_items("stealth/ox-alpha")
    assert iso_datetime(item["expiration_date"]) == datetime(2098, 12, 31, tzinfo=UTC)
    assert iso_datetime(item["expiration_date"]).tzinfo is UTC
    fraction = "2026-08-10T12:00:00." + "5" * 44  # 64 characters: still read
    assert iso_datetime(fraction) == datetime(2026, 8, 10, 12, 0, 0, 555555, tzinfo=UTC)
    assert iso_datetime(fraction + "5") is None
    assert iso_datetime("2026-08-10T12:00:00+02:00").utcoffset() == timedelta(hours=2)
    assert iso_datetime("2026-08-10T12:00:00Z").tzinfo == UTC
    assert iso_datetime("2098-12-31Z") == datetime(2098, 12, 31, tzinfo=UTC)  # a day in UTC, "Z" or not


def test_clean_text_keeps_a_text_of_exactly_the_limit_and_redacts_a_key_across_it():
    assert clean_text("x" * 499 + "y") == "x" * 499 + "y" and clean_text("ab", 1) == "a"
    key = " sk-" + "a" * 200  # a key is a word of its own
    assert clean_text("x" * 489 + key) == "x" * 489 + " [redacted]"
    assert clean_text("x" * 89 + key + " tail", 100) == "x" * 89 + " [redacted]"
    assert clean_text("Ox Alpha", 0) == ""


def test_clean_text_reads_at_most_a_hundred_characters_past_the_limit():
    # Bounded work on untrusted text: invisible characters (dropped) cannot pull in an unbounded tail.
    assert clean_text("\u200b" * 150 + "x" * 1000) == "x" * 450
    assert clean_text("\u200b" * 150 + "x" * 1000, 100) == "x" * 50


def test_display_names_of_real_ids():
    assert display_name("openai/gpt-3.5-turbo-instruct") == "GPT-3.5 turbo instruct"
    assert display_name("tencent/hy-mt2-1.8b") == "Hy Mt2 1.8b"
    assert display_name("z-ai/glm-5.3") == "GLM 5.3"
    assert display_name("qwen/qwen2.5-vl-72b-instruct") == "Qwen2.5 VL 72b instruct"
    assert display_name("openai/o4-mini-high") == "o4 mini High"
    assert display_name("openai/tts-1-hd") == "TTS 1 HD"
    assert display_name("deepseek/deepseek-r1") == "Deepseek R1"
    assert display_name("x-ai/grok-4") == "Grok 4"
    assert display_name("mistralai/mistral-large-latest") == "Mistral Large latest"
