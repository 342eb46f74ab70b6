"""A real LiteLLM proxy on loopback: sync, change its config, restart it, sync again."""

import os
from decimal import Decimal

import pytest
from django.core.management import call_command

from catalog.models import LLMModel
from catalog.pricing import card_from_json, per_mtok
from modelsync.adapters.litellm import CAPABILITY_FLAGS, GROUP_CAPABILITIES
from modelsync.models import ModelChange, Source, SyncRun
from modelsync.sync.names import category_for_mode, category_for_name
from modelsync.sync.normalize import as_int
from modelsync.sync.pipeline import source_sync
from tests.conftest import unavailable
from tests.modelsync.litellm_proxy import LITELLM_BIN, LiteLLMProxy

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

MASTER_KEY = "sk-canary-litellm-master-7f3a9c"  # a canary: it must never reach the catalog or a run


def _deployment(name: str, model: str, **model_info) -> dict:
    entry = {"model_name": name, "litellm_params": {"model": model, "api_key": "os.environ/OPENAI_API_KEY"}}
    if model_info:
        entry["model_info"] = model_info
    return entry


FIRST_CONFIG = [
    _deployment("gpt-4o-mini", "openai/gpt-4o-mini", safety_score=0.7),
    _deployment("gpt-4o", "openai/gpt-4o"),
    _deployment("embed-small", "openai/text-embedding-3-small"),
    _deployment("claude-sonnet", "anthropic/claude-3-5-sonnet-20241022"),
    _deployment("claude-haiku", "anthropic/claude-3-5-haiku-20241022"),
]
SECOND_CONFIG = [
    _deployment("gpt-4o-mini", "openai/gpt-4o-mini", safety_score=0.9),  # staff-visible change upstream
    _deployment("gpt-4o", "openai/gpt-4o"),
    _deployment("embed-small", "openai/text-embedding-3-small"),
    _deployment("claude-sonnet", "anthropic/claude-3-5-sonnet-20241022"),
    _deployment("o3-mini", "openai/o3-mini"),  # new; claude-haiku is gone
]
# Load-balanced groups: one public name, several deployments of different models (LiteLLM 1.106.2's cost map).
LOAD_BALANCED_CONFIG = [
    # The narrowest deployment first: gpt-4o-mini 128k/16k, gpt-4.1 1M/32k and web search, an unmapped Claude.
    _deployment("balanced-chat", "openai/gpt-4o-mini"),
    _deployment("balanced-chat", "openai/gpt-4.1"),
    _deployment("balanced-chat", "anthropic/claude-3-5-haiku-20241022"),
    # Vision on the first deployment, reasoning (and a wider window) on the second.
    _deployment("balanced-reasoning", "openai/gpt-4o"),
    _deployment("balanced-reasoning", "openai/o3-mini"),
    # Audio in and out, which /model_group/info does not report, on the second deployment only.
    _deployment("balanced-audio", "openai/gpt-3.5-turbo"),
    _deployment("balanced-audio", "openai/gpt-audio-mini"),
    # Led by a deployment the cost map does not know: no mode, no limits, no flags in its /model/info row.
    _deployment("balanced-claude", "anthropic/claude-3-5-sonnet-20241022"),
    _deployment("balanced-claude", "anthropic/claude-sonnet-4-5"),
    # Config-supplied model_info on one deployment of a group.
    _deployment("balanced-custom", "openai/gpt-4o", max_input_tokens=64000, supports_web_search=True),
    _deployment("balanced-custom", "openai/gpt-4o-mini"),
    # Different modes behind one name: a misconfiguration the catalog must still read as the gateway does.
    _deployment("balanced-modes", "openai/text-embedding-3-small"),
    _deployment("balanced-modes", "openai/gpt-4o-mini"),
    _deployment("gpt-4o-mini", "openai/gpt-4o-mini"),
    _deployment("embed-small", "openai/text-embedding-3-small"),
]
LOAD_BALANCED_ROUTER = {"model_group_alias": {"balanced": "balanced-chat"}}  # an alias onto a group


def _litellm_source(proxy, monkeypatch, settings) -> Source:
    monkeypatch.setenv("LITELLM_API_KEY", MASTER_KEY)
    settings.MODELSYNC_MISS_THRESHOLD = 1
    settings.MODELSYNC_MAX_DEACTIVATE_FRACTION = 0.5
    return Source.objects.create(name="litellm", kind="litellm", base_url=proxy.url, api_key_env="LITELLM_API_KEY")


def _start(tmp_path, model_list: list[dict], **config) -> LiteLLMProxy:
    if not LITELLM_BIN.exists():
        unavailable(f"a LiteLLM proxy at {LITELLM_BIN}", "make litellm-venv installs it")
    proxy = LiteLLMProxy(tmp_path, master_key=MASTER_KEY)
    proxy.write_config(model_list, **config)
    proxy.start()
    return proxy


@pytest.fixture
def proxy(tmp_path):
    proxy = _start(tmp_path, FIRST_CONFIG)
    yield proxy
    proxy.stop()


@pytest.fixture
def litellm_source(proxy, monkeypatch, settings):
    return _litellm_source(proxy, monkeypatch, settings)


@pytest.fixture
def balanced_proxy(tmp_path):
    proxy = _start(tmp_path, LOAD_BALANCED_CONFIG, router_settings=LOAD_BALANCED_ROUTER)
    yield proxy
    proxy.stop()


def test_sync_follows_a_real_proxy_through_a_config_change(proxy, litellm_source):
    first = source_sync(source=litellm_source, trigger=SyncRun.Trigger.CLI)
    assert first.status == SyncRun.Status.SUCCEEDED, (first.error_kind, first.error_message)
    assert first.created == 5
    names = set(LLMModel.objects.filter(source=litellm_source, is_active=True).values_list("model", flat=True))
    assert names == {entry["model_name"] for entry in FIRST_CONFIG}

    mini = LLMModel.objects.get(source=litellm_source, model="gpt-4o-mini")
    assert mini.category == LLMModel.Category.CHAT
    assert mini.provider == LLMModel.Provider.OPENAI
    assert mini.pricing_status == LLMModel.PricingStatus.KNOWN
    assert mini.input_cost_per_mtok == Decimal("0.15") and mini.output_cost_per_mtok == Decimal("0.6")
    assert mini.safety_score == Decimal("0.7")
    assert mini.api_key_available is True
    embed = LLMModel.objects.get(source=litellm_source, model="embed-small")
    assert embed.category == LLMModel.Category.EMBEDDING

    proxy.write_config(SECOND_CONFIG)
    proxy.restart()
    second = source_sync(source=litellm_source, trigger=SyncRun.Trigger.CLI)
    assert second.status == SyncRun.Status.SUCCEEDED, (second.error_kind, second.error_message)
    assert (second.created, second.updated, second.deactivated) == (1, 1, 1)
    assert LLMModel.objects.get(source=litellm_source, model="claude-haiku").is_active is False
    assert LLMModel.objects.get(source=litellm_source, model="o3-mini").is_active is True
    change = ModelChange.objects.get(run=second, llm_model__model="gpt-4o-mini", kind=ModelChange.Kind.UPDATED)
    assert [Decimal(str(value)) for value in change.changes["safety_score"]] == [Decimal("0.7"), Decimal("0.9")]

    third = source_sync(source=litellm_source, trigger=SyncRun.Trigger.CLI)
    assert (third.status, third.created, third.updated, third.unchanged) == (SyncRun.Status.SUCCEEDED, 0, 0, 5)


def test_the_proxy_key_is_never_stored(proxy, litellm_source, tmp_path):
    source_sync(source=litellm_source, trigger=SyncRun.Trigger.CLI)
    dump = tmp_path / "dump.json"
    call_command("dumpdata", "catalog", "modelsync", output=str(dump))
    assert LLMModel.objects.filter(source=litellm_source).count() == 5
    assert MASTER_KEY not in dump.read_text()
    assert os.environ["LITELLM_API_KEY"] == MASTER_KEY  # the canary really was the key in use


def test_every_public_name_takes_its_groups_facts_from_model_group_info(balanced_proxy, monkeypatch, settings):
    source = _litellm_source(balanced_proxy, monkeypatch, settings)
    run = source_sync(source=source, trigger=SyncRun.Trigger.CLI)
    assert run.status == SyncRun.Status.SUCCEEDED, (run.error_kind, run.error_message)
    # What the proxy itself says, read independently of the adapter.
    listed = {item["id"] for item in balanced_proxy.get_json("/v1/models")["data"]}
    groups = {group["model_group"]: group for group in balanced_proxy.get_json("/model_group/info")["data"]}
    rows: dict[str, list[dict]] = {}
    for row in balanced_proxy.get_json("/model/info")["data"]:
        rows.setdefault(row["model_name"], []).append(row.get("model_info") or {})
    assert listed == {entry["model_name"] for entry in LOAD_BALANCED_CONFIG} | {"balanced"}
    assert len(rows["balanced-chat"]) == 3 and groups.keys() == listed
    models = {m.model: m for m in LLMModel.objects.filter(source=source, is_active=True)}
    assert models.keys() == listed

    reported = dict(GROUP_CAPABILITIES)
    for name, group in groups.items():
        model = models[name]
        facts = (model.context_window, model.max_output_tokens, model.category)
        mode = group["mode"]
        expected = (as_int(group["max_input_tokens"]) or None, as_int(group["max_output_tokens"]) or None,
                    category_for_mode(mode) if mode else category_for_name(name))  # fmt: skip
        assert facts == expected, name
        # The flags /model_group/info reports are its own; the others are the union over the deployments' rows.
        capabilities = {
            capability
            for flag, capability in CAPABILITY_FLAGS.items()
            if (group[flag] if flag in reported else any(info.get(flag) is True for info in rows[name]))
        }
        assert set(model.capabilities) == capabilities, name

    # The groups really are mixed: the first deployment alone would have said otherwise.
    first = {name: infos[0] for name, infos in rows.items()}
    assert models["balanced-chat"].context_window > first["balanced-chat"]["max_input_tokens"]
    assert (
        "reasoning" in models["balanced-reasoning"].capabilities
        and not first["balanced-reasoning"]["supports_reasoning"]
    )
    assert (
        "audio_input" in models["balanced-audio"].capabilities and not first["balanced-audio"]["supports_audio_input"]
    )
    assert models["balanced-claude"].context_window == 200000 and first["balanced-claude"]["max_input_tokens"] is None
    assert models["balanced"].is_alias and models["balanced"].context_window == models["balanced-chat"].context_window


def _per_mtok(value) -> Decimal | None:
    """The proxy's per-token float as the exact decimal it spells, per million tokens."""
    return None if value is None else Decimal(repr(value)).scaleb(6)


def test_every_public_names_input_and_output_per_mtok_is_its_groups_exactly(balanced_proxy, monkeypatch, settings):
    source = _litellm_source(balanced_proxy, monkeypatch, settings)
    run = source_sync(source=source, trigger=SyncRun.Trigger.CLI)
    assert run.status == SyncRun.Status.SUCCEEDED, (run.error_kind, run.error_message)
    groups = {group["model_group"]: group for group in balanced_proxy.get_json("/model_group/info")["data"]}
    rows: dict[str, list[dict]] = {}
    for row in balanced_proxy.get_json("/model/info")["data"]:
        rows.setdefault(row["model_name"], []).append(row.get("model_info") or {})
    models = {m.model: m for m in LLMModel.objects.filter(source=source, is_active=True)}
    assert models.keys() == groups.keys()
    for name, group in groups.items():
        expected = (_per_mtok(group["input_cost_per_token"]), _per_mtok(group["output_cost_per_token"]))
        model = models[name]
        assert per_mtok(card_from_json(model.price_card)) == expected, name
        assert (model.input_cost_per_mtok, model.output_cost_per_mtok) == expected, name
    # The groups really are priced apart from their first deployment, and the card keeps every deployment's range.
    differs = [name for name, infos in rows.items() if len(infos) > 1
               and infos[0].get("output_cost_per_token") != groups[name]["output_cost_per_token"]]  # fmt: skip
    assert differs, "no load-balanced group whose price differs from its first deployment's"
    chat = card_from_json(models["balanced-chat"].price_card)
    outputs = [
        _per_mtok(info["output_cost_per_token"]) for info in rows["balanced-chat"] if info.get("output_cost_per_token")
    ]
    assert [price.scaleb(6) for price in chat.ranges["output"]] == [min(outputs), max(outputs)]
    assert chat.provenance["input"] == "litellm:model_group_info"
