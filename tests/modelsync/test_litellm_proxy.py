"""A real LiteLLM proxy on loopback: sync, change its config, restart it, sync again."""

import os
from decimal import Decimal

import pytest
from django.core.management import call_command

from catalog.models import LLMModel
from modelsync.models import ModelChange, Source, SyncRun
from modelsync.services import source_sync
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


@pytest.fixture
def proxy(tmp_path):
    if not LITELLM_BIN.exists():
        unavailable(f"a LiteLLM proxy at {LITELLM_BIN}", "make litellm-venv installs it")
    proxy = LiteLLMProxy(tmp_path, master_key=MASTER_KEY)
    proxy.write_config(FIRST_CONFIG)
    proxy.start()
    yield proxy
    proxy.stop()


@pytest.fixture
def litellm_source(proxy, monkeypatch, settings):
    monkeypatch.setenv("LITELLM_API_KEY", MASTER_KEY)
    settings.MODELSYNC_MISS_THRESHOLD = 1
    settings.MODELSYNC_MAX_DEACTIVATE_FRACTION = 0.5
    return Source.objects.create(name="litellm", kind="litellm", base_url=proxy.url, api_key_env="LITELLM_API_KEY")


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
