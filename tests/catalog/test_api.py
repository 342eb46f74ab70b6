"""The catalog API (SPEC §8): contract fields, filters on the real catalog, auth, ETags, cost and selection."""

from decimal import Decimal
from unittest import mock

import pytest

from catalog.models import LLMModel
from catalog.services import catalog_version_bump
from modelsync.models import SyncRun
from tests.factories import LLMModelFactory

pytestmark = pytest.mark.django_db
ENTRY_FIELDS = {
    "id", "source", "model", "provider", "display_name", "category", "tags", "capabilities", "context_window",
    "max_output_tokens", "pricing", "is_free", "requires_api_key", "api_key_available", "is_active",
    "is_recommended", "popularity", "safety_score", "first_seen_at", "last_seen_at", "deactivated_at",
}  # fmt: skip


def models(client, **params) -> dict:
    response = client.get("/api/v1/models/", params)
    assert response.status_code == 200, response.content
    return response.json()


def test_list_entries_have_exactly_the_contract_fields(reader, real_catalog):
    page = models(reader, page_size=5)
    assert page["count"] == 421 and len(page["results"]) == 5
    entry = page["results"][0]
    assert set(entry) == ENTRY_FIELDS
    assert set(entry["pricing"]) == {"status", "input_per_mtok", "output_per_mtok"}
    assert isinstance(entry["id"], int)


def test_prices_are_decimal_strings(reader, real_catalog):
    (entry,) = models(reader, search="deepseek/deepseek-chat", source="static")["results"][:1]
    assert entry["pricing"] == {"status": "known", "input_per_mtok": "0.2574", "output_per_mtok": "1.0287"}


@pytest.mark.parametrize(
    ("params", "check"),
    [
        ({"category": "chat"}, lambda e: e["category"] == "chat"),
        ({"provider": "anthropic"}, lambda e: e["provider"] == "anthropic"),
        ({"capability": ["vision", "function_calling"]}, lambda e: {"vision", "function_calling"} <= {*e["capabilities"]}),  # noqa: E501
        ({"min_context": 1_000_000}, lambda e: e["context_window"] >= 1_000_000),
        ({"max_input_cost": "0.1"}, lambda e: e["is_free"] or Decimal(e["pricing"]["input_per_mtok"]) <= Decimal(".1")),
        ({"max_output_cost": "1"}, lambda e: e["is_free"] or Decimal(e["pricing"]["output_per_mtok"]) <= 1),
        ({"is_free": "true"}, lambda e: e["is_free"] and e["model"].endswith(":free")),
        ({"search": "claude"}, lambda e: "claude" in (e["model"] + e["display_name"]).lower()),
    ],
)  # fmt: skip
def test_filters_on_the_real_catalog(reader, real_catalog, params, check):
    page = models(reader, page_size=200, **params)
    assert 0 < page["count"] < 421 or params == {"category": "chat"}  # the default list is text models only
    assert all(check(entry) for entry in page["results"])


def test_effective_values_drive_recommended_and_safety_filters(reader, real_catalog):
    chosen = LLMModel.objects.get(model="deepseek/deepseek-chat")
    chosen.staff_is_recommended, chosen.staff_safety_score = True, Decimal("0.9")
    chosen.save()
    assert [e["model"] for e in models(reader, is_recommended="true")["results"]] == ["deepseek/deepseek-chat"]
    (entry,) = models(reader, min_safety="0.5")["results"]
    assert entry["safety_score"] == "0.9" and entry["is_recommended"] is True


def listed_entry(client, model: LLMModel) -> dict:
    return next(entry for entry in models(client, search=model.model)["results"] if entry["id"] == model.pk)


def test_staff_overrides_are_what_list_detail_and_selection_show(reader, real_catalog):
    chosen = LLMModel.objects.get(model="deepseek/deepseek-chat")
    chosen.staff_display_name, chosen.staff_tags = "House default", ["house"]
    chosen.staff_is_recommended, chosen.staff_safety_score = True, Decimal("0.25")
    chosen.save()
    catalog_version_bump()
    listed = listed_entry(reader, chosen)
    detail = reader.get(f"/api/v1/models/{chosen.pk}/").json()
    selected = reader.post("/api/v1/select/", {"preferred": ["deepseek/deepseek-chat"]}, format="json").json()
    for entry in (listed, detail, selected["selected"]):
        shown = (entry["display_name"], entry["tags"], entry["is_recommended"], entry["safety_score"])
        assert shown == ("House default", ["house"], True, "0.25")
    chosen.staff_display_name, chosen.staff_tags = "", None  # cleared overrides: the synced values again
    chosen.save()
    catalog_version_bump()
    listed = listed_entry(reader, chosen)
    assert (listed["display_name"], listed["tags"]) == (chosen.display_name, chosen.tags)


def test_a_list_page_costs_the_same_queries_whatever_its_size(reader, real_catalog, django_assert_num_queries):
    listed = LLMModel.objects.visible().filter(provider="openai").count()
    assert listed > 50
    for size in (1, 50):
        with django_assert_num_queries(3):  # catalog version, count, page: no query per row
            assert len(models(reader, page_size=size, provider="openai")["results"]) == size


def test_hidden_and_inactive_models_are_not_listed(reader, real_catalog):
    LLMModel.objects.filter(model="deepseek/deepseek-chat").update(is_hidden=True)
    LLMModel.objects.filter(model="openai/gpt-4o").update(is_active=False)
    listed = {e["model"] for e in models(reader, page_size=200, search="deepseek-chat")["results"]}
    assert "deepseek/deepseek-chat" not in listed
    assert (
        models(reader, search="openai/gpt-4o", include_inactive="1")["count"]
        > models(reader, search="openai/gpt-4o")["count"]
    )


def test_ordering_is_an_allow_list(reader, real_catalog):
    cheapest = models(reader, ordering="input_cost_per_mtok", category="chat", page_size=3)["results"]
    assert cheapest[0]["pricing"]["input_per_mtok"] in (None, "0") or cheapest == sorted(
        cheapest, key=lambda e: Decimal(e["pricing"]["input_per_mtok"] or 0)
    )
    assert reader.get("/api/v1/models/", {"ordering": "staff_notes"}).status_code == 200  # ignored, not honoured


def test_detail_has_recent_changes(reader, real_catalog):
    model = LLMModel.objects.get(model="deepseek/deepseek-chat")
    body = reader.get(f"/api/v1/models/{model.pk}/").json()
    assert body["model"] == "deepseek/deepseek-chat" and body["recent_changes"][0]["kind"] == "created"


def test_etag_gives_304_until_the_catalog_changes(reader, real_catalog):
    first = reader.get("/api/v1/models/", {"page_size": 10})
    etag = first["ETag"]
    assert reader.get("/api/v1/models/", {"page_size": 10}, HTTP_IF_NONE_MATCH=etag).status_code == 304
    from catalog.services import catalog_version_bump

    catalog_version_bump()
    assert reader.get("/api/v1/models/", {"page_size": 10}, HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_cost_is_exact(reader):
    model = LLMModelFactory(input_cost_per_mtok=Decimal("0.2574"), output_cost_per_mtok=Decimal("1.0287"))
    body = reader.get(f"/api/v1/models/{model.pk}/cost/", {"input_tokens": 1234567, "output_tokens": 7}).json()
    assert body["input_cost"] == str(Decimal("0.2574") * 1234567 / 1_000_000)
    assert Decimal(body["total_cost"]) == Decimal(body["input_cost"]) + Decimal(body["output_cost"])
    assert body["currency"] == "USD"


@pytest.mark.parametrize("status", ["unknown", "variable"])
def test_cost_of_unpriced_model_is_a_clear_4xx(reader, status):
    model = LLMModelFactory(pricing_status=status, input_cost_per_mtok=None, output_cost_per_mtok=None)
    response = reader.get(f"/api/v1/models/{model.pk}/cost/", {"input_tokens": 10})
    assert response.status_code == 422 and status in response.json()["error"]["message"]


def test_select_returns_a_chain_with_reasons_and_costs(reader, real_catalog):
    body = {"category": "chat", "capabilities": ["function_calling", "vision"], "min_context": 100000,
            "strategy": "cheapest", "fallbacks": 3, "input_tokens": 1000, "output_tokens": 500}  # fmt: skip
    answer = reader.post("/api/v1/select/", body, format="json").json()
    chain = [answer["selected"], *answer["fallbacks"]]
    assert len(chain) == 4 and len({m["id"] for m in chain}) == 4
    assert all(
        {"vision", "function_calling"} <= set(m["capabilities"]) and m["context_window"] >= 100000 for m in chain
    )
    assert answer["selected"]["reasons"] and answer["selected"]["estimated_cost"]["total_cost"]
    assert answer["eligible"] < answer["considered"] == 421
    assert sum(answer["rejections"].values()) == answer["considered"] - answer["eligible"]
    assert set(answer["selected"]) == ENTRY_FIELDS | {"score", "reasons", "estimated_cost"}


def test_select_prefers_preferred_models_when_eligible(reader, real_catalog):
    body = {"category": "chat", "preferred": ["deepseek/deepseek-chat", "not/a-model"]}
    answer = reader.post("/api/v1/select/", body, format="json").json()
    assert answer["selected"]["model"] == "deepseek/deepseek-chat"
    assert "listed in preferred" in answer["selected"]["reasons"]


def test_select_nothing_fits(reader, real_catalog):
    answer = reader.post("/api/v1/select/", {"min_context": 10**9}, format="json").json()
    assert answer["selected"] is None and answer["fallbacks"] == [] and answer["rejections"] == {"context_window": 421}


def test_fallbacks_prefer_other_providers(reader, real_catalog):
    answer = reader.post("/api/v1/select/", {"category": "chat", "strategy": "most_capable"}, format="json").json()
    providers = [m["provider"] for m in [answer["selected"], *answer["fallbacks"]]]
    assert len(set(providers)) == 4


def test_selections_count_toward_popularity_in_batches(reader, real_catalog):
    from catalog import usage

    with mock.patch.object(usage, "FLUSH_EVERY_SELECTIONS", 3):
        for _ in range(3):
            chosen = reader.post("/api/v1/select/", {"category": "chat"}, format="json").json()["selected"]
    assert LLMModel.objects.get(pk=chosen["id"]).popularity == 3


def test_sync_trigger_history_and_status_are_staff_only(
    reader, staff, real_catalog, django_capture_on_commit_callbacks
):
    assert reader.post("/api/v1/sync/", {}, format="json").status_code == 403
    assert reader.get("/api/v1/sync-runs/").status_code == 403
    with django_capture_on_commit_callbacks(execute=False):
        response = staff.post("/api/v1/sync/", {"source": "static"}, format="json")
    assert response.status_code == 202
    run_id = response.json()["runs"][0]["id"]
    assert SyncRun.objects.get(pk=run_id).status == "queued"
    again = staff.post("/api/v1/sync/", {"source": "static"}, format="json")
    assert again.status_code == 409 and again.json()["runs"][0]["status"] == "skipped"
    assert staff.post("/api/v1/sync/", {"source": "nope"}, format="json").status_code == 404
    first_run = SyncRun.objects.filter(trigger="cli").first()
    detail = staff.get(f"/api/v1/sync-runs/{first_run.pk}/").json()
    assert detail["created"] == 421 and len(detail["changes"]) == 421
    status = staff.get("/api/v1/sync/status/").json()
    assert status[0]["source"] == "static" and status[0]["healthy"] is True
