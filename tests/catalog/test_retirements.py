"""Retirements read from the catalog (catalog.retirements): staff over synced over linked, window, source, order."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from catalog.retirements import effective_retirement, retirements
from modelsync.models import Source
from tests.factories import LLMModelFactory, SourceFactory

pytestmark = pytest.mark.django_db
UTC = dt.UTC


def at(day: str) -> dt.datetime:
    return dt.datetime.fromisoformat(day).replace(tzinfo=UTC)


@pytest.fixture
def gateway():
    return SourceFactory(name="gateway", kind=Source.Kind.LITELLM)


def test_each_date_source_is_listed_with_its_provenance_in_date_order(gateway):
    openrouter = SourceFactory(name="or", kind=Source.Kind.OPENROUTER, api_key_env="OPENROUTER_API_KEY")
    successor = LLMModelFactory(source=gateway, model="gpt-5")
    staff = LLMModelFactory(source=gateway, model="staff-dated", expires_at=at("2027-09-01"),
                            staff_retirement_date=dt.date(2027, 1, 5), staff_successor=successor)  # fmt: skip
    synced = LLMModelFactory(source=openrouter, model="or-dated", expires_at=at("2027-02-01"))
    linked = LLMModelFactory(source=gateway, model="linked-dated",
                             enrichment={"expires_at": {"value": "2027-03-01", "from": "costmap"}})  # fmt: skip
    LLMModelFactory(source=gateway, model="undated")

    found = retirements()

    assert [(r.model, r.date, r.provenance) for r in found] == [
        (staff, dt.date(2027, 1, 5), "staff"),
        (synced, dt.date(2027, 2, 1), "openrouter"),
        (linked, dt.date(2027, 3, 1), "linked:costmap"),
    ]
    assert found[0].successor.id == successor.pk and found[0].successor.chosen_by == "staff"


def test_window_and_source_filter_the_list(gateway):
    other = SourceFactory(name="other", kind=Source.Kind.LITELLM)
    LLMModelFactory(source=gateway, model="a", expires_at=at("2027-01-01"))
    LLMModelFactory(source=gateway, model="b", expires_at=at("2027-02-01"))
    LLMModelFactory(source=other, model="c", expires_at=at("2027-02-01"))

    assert [r.model.model for r in retirements(start=dt.date(2027, 2, 1))] == ["b", "c"]
    assert [r.model.model for r in retirements(end=dt.date(2027, 1, 31))] == ["a"]
    assert [r.model.model for r in retirements(source="other")] == ["c"]
    assert retirements(start=dt.date(2027, 1, 2), end=dt.date(2027, 1, 31)) == []


def test_hidden_inactive_and_descriptive_models_are_not_listed(gateway):
    costmap = SourceFactory(name="costmap", kind=Source.Kind.COSTMAP, is_callable=False, api_key_env="")
    LLMModelFactory(source=gateway, model="hidden", expires_at=at("2027-01-01"), is_hidden=True)
    LLMModelFactory(source=gateway, model="gone", expires_at=at("2027-01-01"), is_active=False)
    described = LLMModelFactory(source=costmap, model="described", expires_at=at("2027-01-01"))
    assert retirements() == []
    assert effective_retirement(described).date == dt.date(2027, 1, 1)  # one model: whatever its visibility


def test_a_model_cannot_succeed_itself(gateway):
    model = LLMModelFactory(source=gateway)
    model.staff_successor = model
    with pytest.raises(ValidationError, match="succeed itself"):
        model.full_clean()


@pytest.fixture
def synced(monkeypatch):
    """The real LiteLLM capture (gpt-4o with a deprecation_date in /model/info) and the real cost map, synced."""
    import json

    from modelsync.sync.pipeline import source_sync
    from tests.modelsync.fake_upstream import LITELLM_PATHS, fake_upstream
    from tests.modelsync.payloads import PAYLOADS
    from tests.modelsync.retirement_captures import litellm_with_deprecations

    monkeypatch.setenv("LITELLM_API_KEY", "sk-test-only")
    with fake_upstream() as proxy:
        for name, body in litellm_with_deprecations({"gpt-4o": "2026-11-20"}).items():
            proxy.json(LITELLM_PATHS[name], json.dumps(body).encode())
        gateway = Source.objects.create(name="litellm", kind="litellm", base_url=proxy.url,
                                        api_key_env="LITELLM_API_KEY")  # fmt: skip
        cost_map = PAYLOADS / "costmap" / "model_prices_and_context_window_backup.json"
        costmap = Source.objects.create(name="costmap", kind="costmap", base_url=str(cost_map), is_callable=False)
        for source in (gateway, costmap):
            assert source_sync(source=source, trigger="cli").status in ("succeeded", "partial")
        yield gateway


def test_the_gateways_own_date_and_the_cost_maps_through_the_link_are_both_listed(synced):
    found = {r.model.model: (r.date, r.provenance) for r in retirements(source="litellm")}
    assert found["gpt-4o"] == (dt.date(2026, 11, 20), "litellm")  # /model/info carries it: the gateway's own
    assert found["o3-mini"] == (dt.date(2026, 10, 23), "linked:costmap")  # the linked cost-map record's
    assert found["claude-sonnet-4-5"] == (dt.date(2026, 11, 30), "linked:costmap")
    assert "gpt-4o-mini" not in found  # nobody states a date
    assert all(r.model.source == synced for r in retirements())  # cost-map records themselves are not listed


def test_each_named_successor_is_callable_meets_the_category_capabilities_and_context_and_outlives_the_model(synced):
    from catalog.snapshot import snapshot_get

    found = retirements()
    entries = snapshot_get().entries
    day = {r.model.pk: r.date for r in found}
    named = 0
    for r in found:
        if r.successor is None:
            continue
        named += 1
        successor, retiring = entries[r.successor.id], entries[r.model.pk]
        assert successor["callable"] and successor["category"] == retiring["category"]
        assert set(retiring["capabilities"]) <= set(successor["capabilities"])
        assert (successor["context_window"] or 0) >= (retiring["context_window"] or 0)
        assert r.successor.id != r.model.pk and day.get(r.successor.id, dt.date.max) > r.date
        assert r.successor.chosen_by == "selection" and r.successor.reasons[1] == f"category {retiring['category']}"
    assert named >= 3
    o3_mini = next(r for r in found if r.model.model == "o3-mini")
    assert o3_mini.successor.source == "litellm" and entries[o3_mini.successor.id]["provider"] == "openai"
    assert o3_mini.successor.reasons[0] == "same provider (openai)"


def test_staffs_successor_wins_over_selections(synced):
    from catalog.models import LLMModel

    o3_mini = LLMModel.objects.get(source=synced, model="o3-mini")
    o3_mini.staff_successor = LLMModel.objects.get(source=synced, model="gpt-4o-mini")
    o3_mini.save()
    retirement = effective_retirement(o3_mini)
    assert (retirement.successor.model, retirement.successor.chosen_by) == ("gpt-4o-mini", "staff")
    assert retirement.provenance == "linked:costmap"
