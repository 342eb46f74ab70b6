"""The Ollama parser on real /api/tags and /api/show captures: local models, free and keyless."""

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from modelsync.adapters import adapter_for
from modelsync.adapters.base import SourceConfig
from modelsync.adapters.ollama import OllamaAdapter, parse_tags
from modelsync.exceptions import PayloadError
from tests.modelsync.payloads import load

OLLAMA = SourceConfig(name="ollama", kind="ollama", base_url="http://127.0.0.1:11434/", recommended_patterns=("qwen*",))
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=25,
)


def by_id(result) -> dict:
    return {record.external_id: record for record in result.records}


@pytest.mark.parametrize(("capture", "count"), [("api_tags.json", 12), ("api_tags_with_capabilities.json", 4)])
def test_every_tag_is_a_free_keyless_local_model(capture, count):
    result = parse_tags(load(f"ollama/{capture}"), OLLAMA)
    assert len(result.records) == count and result.findings == ()
    for record in result.records:
        assert (record.pricing_status, record.is_free, record.requires_api_key, record.api_key_available) == (
            "free", True, False, True,
        )  # fmt: skip
        assert record.input_cost_per_mtok == record.output_cost_per_mtok == Decimal(0)
        assert "free" in record.tags and "local" in record.tags


def test_names_with_registry_hosts_and_tags_parse_and_read_well():
    records = by_id(parse_tags(load("ollama/api_tags.json"), OLLAMA))
    hf = records["hf.co/bartowski/Qwen2.5-14B_Uncencored-GGUF:F16"]
    assert (hf.model, hf.provider, hf.provider_raw) == (
        "hf.co/bartowski/Qwen2.5-14B_Uncencored-GGUF:F16",
        "qwen",
        "qwen2",
    )
    assert records["gemma4:latest"].display_name == "Gemma4"  # ":latest" is left out
    assert records["gemma4:e4b"].display_name == "Gemma4 (e4b)"
    assert records["deepseek-r1:32b"].provider == "deepseek"
    assert records["Nevoria-R1:latest"].provider == "meta"  # from its family, "llama"


def test_one_blob_under_two_tags_is_two_models():
    records = by_id(parse_tags(load("ollama/api_tags.json"), OLLAMA))
    assert records["gemma4:e4b"].details == records["gemma4:latest"].details == {
        "parameter_size": "8.0B", "quantization_level": "Q4_K_M", "size": 9608350718,
    }  # fmt: skip


def test_newer_tags_give_capabilities_and_context_length():
    records = by_id(parse_tags(load("ollama/api_tags_with_capabilities.json"), OLLAMA))
    qwen = records["qwen2.5:3b"]
    assert (qwen.capabilities, qwen.context_window, qwen.category) == (("function_calling",), 32768, "chat")
    assert all(record.is_recommended for record in records.values())


def test_api_show_fills_capabilities_and_context_when_tags_lack_them():
    payload = load("ollama/api_tags_with_capabilities.json")
    item = payload["models"][1]  # qwen2.5:0.5b-instruct-q4_K_M: the model the /api/show capture describes
    del item["capabilities"], item["details"]["context_length"]
    shows = {item["name"]: load("ollama/api_show.json")}
    record = by_id(parse_tags(payload, OLLAMA, shows=shows))[item["name"]]
    assert (record.capabilities, record.context_window) == (("function_calling",), 32768)
    bare = by_id(parse_tags(payload, OLLAMA))[item["name"]]
    assert (bare.capabilities, bare.context_window) == ((), None)


def test_invalid_items_become_findings():
    payload = load("ollama/api_tags.json")
    payload["models"] += [[], {"size": 3}, {"name": 7, "model": None}, {"name": "ok:1b", "capabilities": [["x"]]}]
    result = parse_tags(payload, OLLAMA)
    assert len(result.records) == 13 and result.invalid_count == 3


@pytest.mark.parametrize(
    ("payload", "kind"),
    [({"error": "model not found"}, "error_in_body"), ({"models": None}, "wrong_shape"), ([], "wrong_shape"),
     ("404 page not found", "not_json")],
)  # fmt: skip
def test_wrong_shapes_are_payload_errors(payload, kind):
    with pytest.raises(PayloadError) as raised:
        parse_tags(payload, OLLAMA)
    assert raised.value.kind == kind


def test_adapter_reads_only_api_tags():
    urls = []

    class Client:
        def get_json(self, url, *, items_under=None):
            assert items_under is None  # its items are built with /api/show's answers too: decoded whole
            urls.append(url)
            return load("ollama/api_tags.json")

    adapter = adapter_for(OLLAMA)
    assert isinstance(adapter, OllamaAdapter)
    assert len(adapter.parse(adapter.fetch(Client())).records) == 12
    assert urls == ["http://127.0.0.1:11434/api/tags"]


ITEMS = JSON | st.fixed_dictionaries(
    {},
    optional={"name": JSON | st.just("llama3:8b"), "model": JSON, "details": JSON, "capabilities": JSON,
              "size": JSON},
)  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(items=st.lists(ITEMS, max_size=8), show=JSON)
def test_arbitrary_items_become_records_or_findings_never_exceptions(items, show):
    result = OllamaAdapter(OLLAMA).parse({"tags": {"models": items}, "show": {"llama3:8b": show}})
    assert len(result.records) + result.invalid_count <= len(items)
    assert all(record.is_free for record in result.records)


@settings(max_examples=150, deadline=None)
@given(payload=JSON)
def test_arbitrary_payloads_parse_or_raise_only_payload_errors(payload):
    try:
        parse_tags(payload, OLLAMA)
    except PayloadError as error:
        assert error.kind in {"error_in_body", "wrong_shape", "not_json"}
