"""The two real OpenRouter snapshots synced in sequence: the run's counters are the real diff between them."""

from decimal import Decimal

import pytest

from catalog.models import LLMModel
from modelsync.adapters import adapter_for
from modelsync.adapters.base import SourceConfig
from modelsync.models import ModelChange
from modelsync.sync.pipeline import source_sync
from tests.modelsync.payloads import load

pytestmark = pytest.mark.django_db


def parsed(relative: str) -> dict:
    """external_id -> record, by the real adapter (what the sync itself will see)."""
    adapter = adapter_for(SourceConfig(name="snapshot", kind="static", base_url=""))
    return {record.external_id: record for record in adapter.parse({"models": load(relative)}).records}


def test_older_then_newer_snapshot_counts_match_the_real_diff(catalog_file, file_source, settings):
    settings.MODELSYNC_MISS_THRESHOLD = 1
    older, newer = parsed("openrouter/models_older.json"), parsed("openrouter/models.json")
    added, removed, kept = newer.keys() - older.keys(), older.keys() - newer.keys(), newer.keys() & older.keys()
    changed = {i for i in kept if older[i].content_hash() != newer[i].content_hash()}
    assert (len(added), len(removed)) == (93, 17)  # openrouter/SOURCE.md: 93 added, 17 removed
    assert changed and len(changed) < len(kept)

    catalog_file.write(load("openrouter/models_older.json"))
    assert source_sync(source=file_source, trigger="cli").created == len(older)
    catalog_file.write(load("openrouter/models.json"))
    run = source_sync(source=file_source, trigger="cli")

    assert run.status == "succeeded", run.error_message
    assert (run.created, run.updated, run.deactivated) == (len(added), len(changed), len(removed))
    assert (run.unchanged, run.reactivated, run.seen) == (len(kept) - len(changed), 0, len(newer))
    inactive = set(LLMModel.objects.filter(source=file_source, is_active=False).values_list("external_id", flat=True))
    assert inactive == removed
    assert LLMModel.objects.filter(source=file_source).count() == len(older) + len(added)  # nothing deleted
    updated = set(ModelChange.objects.filter(run=run, kind="updated").values_list("llm_model__external_id", flat=True))
    assert updated == changed


def test_price_changes_are_recorded_old_to_new(catalog_file, file_source, settings):
    settings.MODELSYNC_MISS_THRESHOLD = 1
    older, newer = parsed("openrouter/models_older.json"), parsed("openrouter/models.json")
    chat = "deepseek/deepseek-chat"
    catalog_file.write(load("openrouter/models_older.json"))
    source_sync(source=file_source, trigger="cli")
    catalog_file.write(load("openrouter/models.json"))
    run = source_sync(source=file_source, trigger="cli")
    change = ModelChange.objects.get(run=run, llm_model__external_id=chat)
    for name in ("input_cost_per_mtok", "output_cost_per_mtok"):
        old, new = getattr(older[chat], name), getattr(newer[chat], name)
        assert old != new and change.changes[name] == [format(old.normalize(), "f"), format(new.normalize(), "f")]
    assert change.changes["input_cost_per_mtok"] == ["0.2002", "0.2574"]
    assert LLMModel.objects.get(source=file_source, external_id=chat).input_cost_per_mtok == Decimal("0.2574")


def test_going_back_to_the_older_snapshot_reactivates_what_returned(catalog_file, file_source, settings):
    settings.MODELSYNC_MISS_THRESHOLD = 1
    settings.MODELSYNC_MAX_DEACTIVATE_FRACTION = 0.5  # 93 of 421 go away again: above the default brake
    older, newer = parsed("openrouter/models_older.json"), parsed("openrouter/models.json")
    for name in ("models_older", "models", "models_older"):
        catalog_file.write(load(f"openrouter/{name}.json"))
        run = source_sync(source=file_source, trigger="cli")
    assert (run.reactivated, run.deactivated, run.created) == (len(older.keys() - newer.keys()), 93, 0)
