"""Adapter edges the capture-driven tests do not reach: shapes derived from real captures, and the key in a repr."""

import pytest

from modelsync.adapters.base import SourceConfig
from modelsync.adapters.litellm import parse_proxy
from modelsync.adapters.ollama import parse_tags
from modelsync.adapters.openrouter import parse_models
from tests.modelsync.payloads import litellm_payloads, load

KEY = "sk-edge-5d1e7a"
OLLAMA = SourceConfig(name="ollama", kind="ollama", base_url="http://127.0.0.1:11434/")
OPENROUTER = SourceConfig(name="openrouter", kind="openrouter", base_url="https://openrouter.ai/api/v1", api_key=KEY)


def test_a_source_configs_repr_never_shows_the_key():
    text = repr(OPENROUTER)
    assert KEY not in text and "api_key" not in text
    assert text == "SourceConfig(name='openrouter', kind='openrouter', base_url='https://openrouter.ai/api/v1')"


@pytest.mark.parametrize("payloads", [None, ["model_info"], tuple(litellm_payloads().values())])
def test_the_litellm_parser_wants_the_dict_fetch_returns(payloads):
    with pytest.raises(TypeError, match="payloads must be the dict fetch"):
        parse_proxy(payloads, SourceConfig(name="litellm", kind="litellm", base_url="http://127.0.0.1:4000"))


@pytest.mark.parametrize(
    ("name", "family", "category"),
    [("nomic-embed-text:latest", "nomic-bert", "embedding"), ("mxbai-embed-large:335m", "bert", "embedding"),
     ("all-minilm:latest", "bert", "embedding"), ("qwen2.5:3b", "qwen2", "chat")],
)  # fmt: skip
def test_ollama_embedding_models_are_told_by_name_or_bert_family(name, family, category):
    item = load("ollama/api_tags_with_capabilities.json")["models"][3]  # a real tag, renamed
    item.update(name=name, model=name, capabilities=["completion"])
    item["details"].update(family=family, families=[family])
    (record,) = parse_tags({"models": [item]}, OLLAMA).records
    assert (record.external_id, record.category, record.is_free) == (name, category, True)


def test_an_item_with_only_the_legacy_modality_string_still_gets_its_modalities():
    item = load("openrouter/models_older.json")["data"][0]  # anthropic, "text+image+file->text"
    listed = parse_models({"data": [item]}, OPENROUTER).records[0]
    for key in ("input_modalities", "output_modalities"):
        del item["architecture"][key]
    (legacy,) = parse_models({"data": [item]}, OPENROUTER).records
    assert {"vision", "pdf_input"} <= set(legacy.capabilities)
    assert (legacy.capabilities, legacy.category) == (listed.capabilities, listed.category)


def test_an_item_without_any_modality_is_read_as_text_only():
    item = load("openrouter/models_older.json")["data"][0]
    item["architecture"] = {"tokenizer": "Claude"}
    (record,) = parse_models({"data": [item]}, OPENROUTER).records
    assert record.category == "chat" and not {"vision", "pdf_input", "audio_input"} & set(record.capabilities)
