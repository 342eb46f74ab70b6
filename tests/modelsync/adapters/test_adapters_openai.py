"""The OpenAI-compatible parser on real /v1/models captures: OpenAI itself and vLLM servers."""

from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from modelsync.adapters import adapter_for
from modelsync.adapters.base import SourceConfig
from modelsync.adapters.openai import OpenAIAdapter, parse_models
from modelsync.exceptions import PayloadError
from modelsync.sync import jsonio
from tests.modelsync.payloads import load, raw

OPENAI = SourceConfig(name="openai", kind="openai", base_url="https://api.openai.com/v1/", api_key="sk-test")
VLLM = SourceConfig(name="vllm", kind="openai", base_url="http://127.0.0.1:8000/v1")
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=25,
)


def by_id(result) -> dict:
    return {record.external_id: record for record in result.records}


def test_openai_list_parses_every_model_with_unknown_prices():
    result = parse_models(load("openai/v1_models.json"), OPENAI)
    assert len(result.records) == 116 and result.findings == ()
    assert {record.pricing_status for record in result.records} == {"unknown"}
    assert not any(record.is_free or record.input_cost_per_mtok for record in result.records)
    # owned_by is "system" / "openai-internal" / "openai": all of it is OpenAI's.
    assert {record.provider for record in result.records} == {"openai"}


def test_openai_categories_come_from_the_model_names():
    result = parse_models(load("openai/v1_models.json"), OPENAI)
    assert Counter(record.category for record in result.records) == {
        "chat": 88, "audio_speech": 7, "image_generation": 6, "audio_transcription": 6, "completion": 4,
        "embedding": 3, "moderation": 2,
    }  # fmt: skip
    records = by_id(result)
    assert records["text-embedding-3-large"].category == "embedding"
    assert records["whisper-1"].category == "audio_transcription"
    assert records["gpt-3.5-turbo-instruct"].category == "completion"


def test_openai_display_names_are_readable():
    records = by_id(parse_models(load("openai/v1_models.json"), OPENAI))
    assert records["gpt-4o-mini"].display_name == "GPT-4o mini"
    assert records["gpt-4o-2024-08-06"].display_name == "GPT-4o (2024-08-06)"
    assert records["o1-2024-12-17"].display_name == "o1 (2024-12-17)"


def test_a_configured_key_means_the_server_requires_one():
    keyed = parse_models(load("openai/v1_models.json"), OPENAI).records
    assert all(record.requires_api_key and record.api_key_available for record in keyed)
    local = parse_models(load("vllm/v1_models_hf_id.json"), VLLM).records
    assert all(not record.requires_api_key and record.api_key_available for record in local)


@pytest.mark.parametrize(
    ("capture", "model_id", "context", "category", "provider"),
    [
        ("v1_models_hf_id.json", "swiss-ai/Apertus-8B-Instruct-2509", 65536, "chat", "other"),
        ("v1_models_served_name_local_root.json", "Qwen2.5-1.5B-Instruct", 4096, "chat", "qwen"),
        ("v1_models_1m_context_short_permid.json", "nemotron-3-super_vllm", 1_000_000, "chat", "other"),
        ("v1_models_2024_no_max_model_len_path_id.json",
         "/fsx/models/meta-llama/Meta-Llama-3-8B-tuned/fine-tuned-meta-llama/Meta-Llama-3-8B-hf", None, "chat", "meta"),
        ("v1_models_embedding_path_id.json", "/home/jiangyinzuo/Qwen3-Embedding-0.6B/", 32768, "embedding", "qwen"),
    ],
)  # fmt: skip
def test_vllm_captures_give_context_length_category_and_provider(capture, model_id, context, category, provider):
    (record,) = parse_models(load(f"vllm/{capture}"), VLLM).records
    assert (record.external_id, record.model, record.context_window) == (model_id, model_id, context)
    assert (record.category, record.provider, record.provider_raw) == (category, provider, "vllm")
    assert record.pricing_status == "unknown"


def test_vllm_root_is_kept_as_plain_text_detail():
    (record,) = parse_models(load("vllm/v1_models_served_name_local_root.json"), VLLM).records
    assert record.details["root"].startswith("/workspace/hf-cache/models--Qwen--Qwen2.5-1.5B-Instruct/")
    assert set(record.details) == {"root"}  # parent is null; the permission list is not copied


def test_vllm_path_ids_get_readable_names():
    (record,) = parse_models(load("vllm/v1_models_embedding_path_id.json"), VLLM).records
    assert record.display_name == "Qwen3 Embedding 0.6b"


def test_invalid_items_and_duplicates_become_findings():
    payload = load("openai/v1_models.json")
    payload["data"] += [None, {"id": ""}, {"object": "model"}, dict(payload["data"][0])]
    result = parse_models(payload, OPENAI)
    assert len(result.records) == 116 and result.invalid_count == 3
    assert Counter(f.kind for f in result.findings) == {"invalid_item": 3, "duplicate_id": 1}


@pytest.mark.parametrize(
    ("payload", "kind"),
    [
        ({"error": {"message": "Incorrect API key provided", "type": "invalid_request_error"}}, "error_in_body"),
        ({"data": "x"}, "wrong_shape"),
        ([], "wrong_shape"),
        ("Internal Server Error", "not_json"),
    ],
)
def test_wrong_shapes_are_payload_errors(payload, kind):
    with pytest.raises(PayloadError) as raised:
        parse_models(payload, OPENAI)
    assert raised.value.kind == kind


def test_adapter_fetches_models_under_the_base_url():
    urls = []

    class Client:
        def get_json(self, url, *, items_under=None):
            urls.append((url, items_under))
            return jsonio.loads(raw("vllm/v1_models_hf_id.json"), items_under=items_under)

    adapter = adapter_for(OPENAI)
    assert isinstance(adapter, OpenAIAdapter)
    assert adapter.parse(adapter.fetch(Client())) == parse_models(load("vllm/v1_models_hf_id.json"), OPENAI)
    assert urls == [("https://api.openai.com/v1/models", "data")]  # its items arrive undecoded


ITEMS = JSON | st.fixed_dictionaries(
    {}, optional={"id": JSON | st.sampled_from(["gpt-4o", "/models/x/"]), "owned_by": JSON, "max_model_len": JSON,
                  "root": JSON, "parent": JSON}
)  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(items=st.lists(ITEMS, max_size=8))
def test_arbitrary_items_become_records_or_findings_never_exceptions(items):
    result = parse_models({"data": items}, VLLM)
    assert len(result.records) + result.invalid_count <= len(items)


@settings(max_examples=150, deadline=None)
@given(payload=JSON)
def test_arbitrary_payloads_parse_or_raise_only_payload_errors(payload):
    try:
        parse_models(payload, VLLM)
    except PayloadError as error:
        assert error.kind in {"error_in_body", "wrong_shape", "not_json"}
