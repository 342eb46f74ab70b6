"""A model list read with its items undecoded (jsonio.RawItem) parses exactly as the decoded list, and the next list
of the same source decodes and builds only the items whose bytes changed (build.build_records, SPEC §9)."""

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from modelsync.adapters import openai, openrouter
from modelsync.adapters.base import SourceConfig
from modelsync.exceptions import PayloadError
from modelsync.sync import build, jsonio
from modelsync.sync.build import build_records, clear_caches
from tests.modelsync.adapters.test_adapters_openrouter import ITEMS
from tests.modelsync.payloads import load, other_findings, raw

CONFIG = SourceConfig(name="openrouter", kind="openrouter", base_url="https://openrouter.ai/api/v1")
KEYED = SourceConfig(
    name="openrouter", kind="openrouter", base_url="https://openrouter.ai/api/v1", api_key="sk-or-test",
    recommended_patterns=("openai/*",),
)  # fmt: skip
CAPTURES = [
    "openrouter/models.json", "openrouter/models_older.json", "openrouter/models_all_modalities_2026-08-19.json"
]  # fmt: skip


@pytest.fixture(autouse=True)
def _nothing_remembered():
    clear_caches()
    yield
    clear_caches()


@pytest.fixture
def builds(monkeypatch):
    """The ids openrouter.parse_model was called for: the items that were decoded and built, not replayed."""
    built, parse_model = [], openrouter.parse_model

    def counting(item, config):
        built.append(item.get("id") if isinstance(item, dict) else item)
        return parse_model(item, config)

    monkeypatch.setattr(openrouter, "parse_model", counting)
    return built


def undecoded(body: bytes, config: SourceConfig = CONFIG):
    return openrouter.parse_models(jsonio.loads(body, items_under="data"), config)


def item_bytes(body: bytes) -> list[bytes]:
    return [bytes(item) for item in jsonio.loads(body, items_under="data")["data"]]


@pytest.mark.parametrize("capture", CAPTURES)
def test_a_real_capture_parses_undecoded_as_decoded_first_and_remembered(capture, builds):
    decoded = openrouter.parse_models(load(capture), CONFIG)
    builds.clear()
    assert undecoded(raw(capture)) == decoded
    assert len(builds) == len(load(capture)["data"])
    assert undecoded(raw(capture)) == decoded  # every item replayed
    assert len(builds) == len(load(capture)["data"])


def test_the_next_list_builds_only_the_items_whose_bytes_changed(builds):
    older, newer = raw("openrouter/models_older.json"), raw("openrouter/models.json")
    undecoded(older)
    builds.clear()
    result = undecoded(newer)
    changed = [item for item in item_bytes(newer) if item not in set(item_bytes(older))]
    assert 0 < len(builds) == len(changed) < len(item_bytes(newer))  # the real two dates differ in some items
    assert result == openrouter.parse_models(load("openrouter/models.json"), CONFIG)


def test_findings_are_replayed_with_the_records(builds):
    payload = load("openrouter/models.json")
    payload["data"][0]["id"] += ":free"  # free by its id, yet priced: free_with_cost
    payload["data"][1] = "not a model"  # invalid_item
    payload["data"].append(payload["data"][2])  # duplicate_id
    body = json.dumps(payload).encode()
    first = undecoded(body)
    assert {finding.kind for finding in other_findings(first)} == {"free_with_cost", "invalid_item", "duplicate_id"}
    assert len(builds) == len(payload["data"]) - 1  # the same bytes twice in one list are built once
    builds.clear()
    assert undecoded(body) == first and builds == []


def test_what_the_parser_reads_from_the_config_is_part_of_the_memo_key(builds):
    body, expected = raw("openrouter/models.json"), openrouter.parse_models(load("openrouter/models.json"), KEYED)
    builds.clear()
    plain = undecoded(body, CONFIG)
    keyed = undecoded(body, KEYED)
    assert keyed == expected != plain
    assert all(record.api_key_available for record in keyed.records)
    assert len(builds) == 2 * len(plain.records)


def test_a_source_whose_kind_changed_parses_its_list_with_its_new_parser():
    body, renamed = raw("openrouter/models.json"), SourceConfig(name="openrouter", kind="openai", base_url="")
    as_openai = openai.parse_models(jsonio.loads(body, items_under="data"), renamed)
    assert as_openai == openai.parse_models(load("openrouter/models.json"), renamed)
    assert undecoded(body) == openrouter.parse_models(load("openrouter/models.json"), CONFIG) != as_openai


def test_the_list_read_from_another_address_is_the_sources_next_list(builds):
    undecoded(raw("openrouter/models.json"))
    builds.clear()
    moved = SourceConfig(name="openrouter", kind="openrouter", base_url="https://mirror.example/api/v1")
    assert undecoded(raw("openrouter/models.json"), moved) == undecoded(raw("openrouter/models.json"))
    assert builds == []


def test_an_item_missing_from_the_last_list_is_built_again(builds):
    payload = load("openrouter/models.json")
    whole = json.dumps(payload).encode()
    payload["data"] = payload["data"][1:]
    undecoded(whole)
    undecoded(json.dumps(payload).encode())  # the memo now holds this list only
    builds.clear()
    undecoded(whole)
    assert builds == [load("openrouter/models.json")["data"][0]["id"]]


def test_a_process_remembers_a_bounded_number_of_sources(builds, monkeypatch):
    monkeypatch.setattr(build, "BUILT_SOURCES_KEPT", 2)
    body = raw("openrouter/models_older.json")
    first, second, third = (SourceConfig(name=f"s{n}", kind="openrouter", base_url="") for n in range(3))
    for source in (first, second, first, third):  # the second is now the least recently synced
        undecoded(body, source)
    builds.clear()
    undecoded(body, third)
    undecoded(body, first)
    assert builds == []
    undecoded(body, second)  # forgotten
    assert len(builds) == len(item_bytes(body))


def test_clear_caches_forgets_the_remembered_lists(builds):
    body = raw("openrouter/models_older.json")
    undecoded(body)
    clear_caches()
    builds.clear()
    undecoded(body)
    assert len(builds) == len(item_bytes(body))


def test_undecoded_items_without_a_memo_key_are_decoded_and_built_each_time():
    items = jsonio.loads(raw("openrouter/models.json"), items_under="data")["data"]
    build = lambda item: openrouter.parse_model(item, CONFIG)  # noqa: E731
    expected = build_records(load("openrouter/models.json")["data"], build)
    assert build_records(items, build) == build_records(items, build) == expected


@settings(max_examples=200, deadline=None)
@given(items=st.lists(ITEMS, max_size=8), ascii_only=st.booleans())
def test_arbitrary_items_parse_undecoded_as_decoded(items, ascii_only):
    body = json.dumps({"data": items}, ensure_ascii=ascii_only).encode("utf-8", "surrogatepass")
    try:
        decoded = openrouter.parse_models(jsonio.loads(body), CONFIG)
    except ValueError:  # not UTF-8 (a lone surrogate written raw): the whole list is not JSON either way
        with pytest.raises((ValueError, PayloadError)) as raised:
            undecoded(body)
        assert raised.type is ValueError or raised.value.kind == "not_json"
        return
    assert undecoded(body) == decoded
    assert undecoded(body) == decoded  # remembered
