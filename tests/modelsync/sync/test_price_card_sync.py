"""A sync carries each model's price card; a changed card is a model.price_changed event with its changes per unit.

Payloads are variants of the real OpenRouter capture (tests/modelsync/payloads/openrouter/models.json).
"""

import pytest

from catalog.models import LLMModel
from catalog.pricing import card_from_json, card_to_json, legacy_card, per_mtok
from modelsync.changes.payloads import event_summary
from modelsync.models import Event, ModelChange, SyncRun
from modelsync.sync.pipeline import source_sync
from tests.modelsync.payloads import load

pytestmark = pytest.mark.django_db
CACHED, TIERED = "google/gemini-2.5-pro", "x-ai/grok-4.6"


def sync(source) -> SyncRun:
    run = source_sync(source=source, trigger=SyncRun.Trigger.CLI)
    assert run.status == "succeeded", (run.error_kind, run.error_message)
    return run


def item(payload: dict, model_id: str) -> dict:
    return next(entry for entry in payload["data"] if entry["id"] == model_id)


def one_cache_price_and_one_threshold_changed() -> dict:
    """The capture with Gemini 2.5 Pro's cache read price raised and Grok 4.6's long-context tier moved to 256k."""
    payload = load("openrouter/models.json")
    item(payload, CACHED)["pricing"]["input_cache_read"] = "0.00000015"  # was 0.000000125
    item(payload, TIERED)["pricing"]["overrides"][0]["min_prompt_tokens"] = 256000  # was 200000
    return payload


def test_a_synced_row_stores_the_card_its_source_states(catalog_file, file_source):
    catalog_file.write(load("openrouter/models.json"))
    sync(file_source)
    row = LLMModel.objects.get(source=file_source, external_id=CACHED)
    card = card_from_json(row.price_card)
    assert card.prices["cache_read"] == card.prices["input_audio"] / 10 and str(card.prices["web_search"]) == "0.014"
    assert [(tier.threshold, tier.inclusive, str(tier.prices["input"])) for tier in card.tiers] == [
        (200000, False, "0.0000025")
    ]
    assert set(card.provenance.values()) == {"snapshot"}  # the source's name
    assert per_mtok(card) == (row.input_cost_per_mtok, row.output_cost_per_mtok)
    assert card.raw == item(load("openrouter/models.json"), CACHED)["pricing"]


def test_one_cache_price_and_one_tier_threshold_changed_are_exactly_those_price_events(catalog_file, file_source):
    catalog_file.write(load("openrouter/models.json"))
    sync(file_source)
    catalog_file.write(one_cache_price_and_one_threshold_changed())
    run = sync(file_source)
    assert (run.created, run.updated, run.deactivated) == (0, 2, 0)

    events = {event.data["model"]: event for event in Event.objects.filter(run=run)}
    assert set(events) == {CACHED, TIERED} and {event.type for event in events.values()} == {"model.price_changed"}
    assert events[CACHED].data["price_card_changes"] == [
        {"where": "base", "unit": "cache_read", "old": "0.000000125", "new": "0.00000015"}
    ]
    assert events[TIERED].data["price_card_changes"] == [
        {"where": "tier >200000", "unit": "input", "old": "0.000004", "new": None},
        {"where": "tier >200000", "unit": "output", "old": "0.000012", "new": None},
        {"where": "tier >200000", "unit": "cache_read", "old": "0.000001", "new": None},
        {"where": "tier >256000", "unit": "input", "old": None, "new": "0.000004"},
        {"where": "tier >256000", "unit": "output", "old": None, "new": "0.000012"},
        {"where": "tier >256000", "unit": "cache_read", "old": None, "new": "0.000001"},
    ]
    # The change log holds the whole card before and after; the per-Mtok columns did not move.
    for model_id in (CACHED, TIERED):
        change = ModelChange.objects.get(run=run, llm_model__external_id=model_id)
        assert set(change.changes) == {"price_card"}
        old, new = change.changes["price_card"]
        assert new == LLMModel.objects.get(pk=change.llm_model_id).price_card and old != new
    assert event_summary("model.price_changed", events[CACHED].data) == (
        "google/gemini-2.5-pro: cache_read 0.000000125 → 0.00000015 per token"
    )

    again = sync(file_source)  # the same list again: nothing to write
    assert (again.updated, again.created) == (0, 0) and not Event.objects.filter(run=again).exists()


def test_a_cardless_change_to_the_raw_object_is_an_update_not_a_price_event(catalog_file, file_source):
    catalog_file.write(load("openrouter/models.json"))
    sync(file_source)
    payload = load("openrouter/models.json")
    item(payload, CACHED)["pricing"]["discount"] = 0  # kept in the card's raw; no price moves
    catalog_file.write(payload)
    run = sync(file_source)
    (event,) = Event.objects.filter(run=run)
    assert event.type == "model.updated" and "price_card_changes" not in event.data
    assert event_summary(event.type, event.data) == "google/gemini-2.5-pro: price card restated"


def test_the_first_card_over_the_migrations_legacy_card_tells_no_one(catalog_file, file_source):
    catalog_file.write(load("openrouter/models.json"))
    sync(file_source)
    row = LLMModel.objects.get(source=file_source, external_id=CACHED)
    stated = row.price_card
    # As catalog/0005 left the row: the base card from its two prices, and the hash of a record without a card.
    legacy = card_to_json(legacy_card(row.input_cost_per_mtok, row.output_cost_per_mtok, "snapshot"))
    LLMModel.objects.filter(pk=row.pk).update(price_card=legacy, content_hash="before cards")
    run = sync(file_source)
    assert run.updated == 1 and not Event.objects.filter(run=run).exists()
    assert ModelChange.objects.get(run=run).changes == {"price_card": [legacy, stated]}
    assert LLMModel.objects.get(pk=row.pk).price_card == stated
