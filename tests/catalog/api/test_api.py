"""The catalog API (SPEC §8): contract fields, filters on the real catalog, auth, ETags, cost and selection."""

from decimal import Decimal
from unittest import mock

import pytest

from catalog.models import LLMModel
from catalog.version import catalog_version_bump
from modelsync.models import Source, SyncRun
from tests.factories import LLMModelFactory

pytestmark = pytest.mark.django_db
ENTRY_FIELDS = {
    "id", "source", "model", "provider", "display_name", "category", "tags", "capabilities", "context_window",
    "max_output_tokens", "pricing", "price_card", "is_free", "requires_api_key", "api_key_available", "is_active",
    "is_recommended", "popularity", "safety_score", "first_seen_at", "last_seen_at", "deactivated_at", "callable",
    "not_callable_reason",
}  # fmt: skip
SELECTION_FIELDS = {"selected", "fallbacks", "eligible", "considered", "rejections", "callable_only",
                    "nothing_callable", "reasons", "stale"}  # fmt: skip
DEMO = {"callable_only": False}  # the real catalog here is the bundled demo one: nothing in it can be called


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
    selected = reader.post("/api/v1/select/", {"preferred": ["deepseek/deepseek-chat"], **DEMO}, format="json").json()
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
    from catalog.version import catalog_version_bump

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
            "strategy": "cheapest", "fallbacks": 3, "input_tokens": 1000, "output_tokens": 500, **DEMO}  # fmt: skip
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
    assert set(answer) == SELECTION_FIELDS and answer["callable_only"] is False and not answer["nothing_callable"]
    assert all(m["callable"] is False and m["not_callable_reason"] == "demo_catalog" for m in chain)
    assert all(m["reasons"][0].startswith("cannot be called: the bundled demo catalog") for m in chain)


def test_select_prefers_preferred_models_when_eligible(reader, real_catalog):
    body = {"category": "chat", "preferred": ["deepseek/deepseek-chat", "not/a-model"], **DEMO}
    answer = reader.post("/api/v1/select/", body, format="json").json()
    assert answer["selected"]["model"] == "deepseek/deepseek-chat"
    assert "listed in preferred" in answer["selected"]["reasons"]


def test_select_nothing_fits(reader, real_catalog):
    answer = reader.post("/api/v1/select/", {"min_context": 10**9, **DEMO}, format="json").json()
    assert answer["selected"] is None and answer["fallbacks"] == [] and answer["rejections"] == {"context_window": 421}


def test_fallbacks_prefer_other_providers(reader, real_catalog):
    answer = reader.post("/api/v1/select/", {"category": "chat", "strategy": "most_capable", **DEMO}, format="json")
    answer = answer.json()
    providers = [m["provider"] for m in [answer["selected"], *answer["fallbacks"]]]
    assert len(set(providers)) == 4


def test_selections_count_toward_popularity_in_batches(reader, real_catalog):
    from catalog import usage

    with mock.patch.object(usage, "FLUSH_EVERY_SELECTIONS", 3):
        for _ in range(3):
            chosen = reader.post("/api/v1/select/", {"category": "chat", **DEMO}, format="json").json()["selected"]
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


# --- callability, and the demo catalog beside a real source --------------------------------------------------------


@pytest.fixture
def fresh_pages():
    """Each test's catalog starts at the same version, so a page another test cached would answer for it."""
    from django.core.cache import cache

    cache.clear()


def _select(client, **body) -> dict:
    response = client.post("/api/v1/select/", body, format="json")
    assert response.status_code == 200, response.content
    return response.json()


def test_on_the_demo_catalog_selection_picks_nothing_by_default_and_says_why(reader, fresh_pages, real_catalog):
    answer = _select(reader, category="chat", capabilities=["function_calling"])
    assert answer["selected"] is None and answer["fallbacks"] == [] and answer["eligible"] == 0
    assert answer["callable_only"] is True and answer["nothing_callable"] is True
    assert answer["reasons"] == [
        "no model in the catalog can be called: the bundled demo catalog is not a gateway; set LITELLM_PROXY_URL"
    ]
    assert answer["rejections"]["not_callable"] > 0
    assert sum(answer["rejections"].values()) == answer["considered"] == 421
    listed = models(reader, page_size=200)["results"]
    assert {(e["callable"], e["not_callable_reason"]) for e in listed} == {(False, "demo_catalog")}


def test_callable_only_must_be_a_json_boolean(reader, real_catalog):
    response = reader.post("/api/v1/select/", {"callable_only": "false"}, format="json")
    assert response.status_code == 400 and "callable_only" in response.json()["error"]["fields"]


def test_gateway_models_are_callable_with_the_key_in_the_environment(reader, fresh_pages, litellm_catalog):
    entries = models(reader, page_size=200)["results"]
    assert entries and all(e["callable"] is True and e["not_callable_reason"] is None for e in entries)
    detail = reader.get(f"/api/v1/models/{entries[0]['id']}/").json()
    assert (detail["callable"], detail["not_callable_reason"]) == (True, None)
    answer = _select(reader, category="chat", fallbacks=2)
    assert answer["selected"]["callable"] is True and not answer["nothing_callable"] and answer["reasons"] == []


@pytest.mark.parametrize(("key_env", "reason"), [("LITELLM_API_KEY", "key_not_in_environment"), ("", "no_api_key")])
def test_a_gateway_synced_without_its_key_is_not_callable_and_says_which_is_missing(
    reader, fresh_pages, monkeypatch, key_env, reason
):
    from modelsync.adapters.litellm import LiteLLMAdapter
    from modelsync.sync.pipeline import source_sync
    from tests.modelsync.payloads import litellm_payloads

    monkeypatch.delenv("LITELLM_API_KEY", raising=False)
    monkeypatch.setattr(LiteLLMAdapter, "fetch", lambda self, client: litellm_payloads())
    source = Source.objects.create(
        name="litellm", kind="litellm", base_url="http://127.0.0.1:4000", api_key_env=key_env
    )
    assert source_sync(source=source, trigger="cli").status in ("succeeded", "partial")
    entries = models(reader, page_size=200)["results"]
    assert entries and {(e["callable"], e["not_callable_reason"]) for e in entries} == {(False, reason)}
    answer = _select(reader, category="chat")
    assert answer["selected"] is None and answer["nothing_callable"]
    assert answer["reasons"][0].startswith("no model in the catalog can be called: ")
    assert ("names no key variable" if reason == "no_api_key" else "is not set in the environment") in answer[
        "reasons"
    ][0]


def test_a_disabled_source_offers_nothing_anywhere_and_the_cached_pages_renew(
    reader, fresh_pages, real_catalog, litellm_catalog
):
    from catalog.snapshot import snapshot_get
    from modelsync.sync.sources import source_save

    before = reader.get("/api/v1/models/", {"page_size": 1})
    assert before.json()["count"] > 421  # both sources listed while both are on (created here without retiring)
    demo = LLMModel.objects.filter(source=real_catalog).first()
    real_catalog.enabled = False
    source_save(source=real_catalog, changed_fields=["enabled"])
    after = reader.get("/api/v1/models/", {"page_size": 200}, HTTP_IF_NONE_MATCH=before["ETag"])
    assert after.status_code == 200 and after["ETag"] != before["ETag"]
    assert {e["source"] for e in after.json()["results"]} == {"litellm"}
    assert reader.get("/api/v1/models/", {"source": "static"}).json()["count"] == 0
    assert reader.get(f"/api/v1/models/{demo.pk}/").status_code == 404
    answer = _select(reader, callable_only=False, fallbacks=10, preferred=[demo.model])
    assert {m["source"] for m in [answer["selected"], *answer["fallbacks"]]} == {"litellm"}
    assert {entry["source"] for entry in snapshot_get().entries.values()} == {"litellm"}


def test_selection_over_a_gateway_beside_an_enabled_demo_picks_only_the_gateway(reader, real_catalog, litellm_catalog):
    answer = _select(reader, category="chat", strategy="cheapest", fallbacks=5)
    picks = [answer["selected"], *answer["fallbacks"]]
    assert {m["source"] for m in picks} == {"litellm"} and all(m["callable"] for m in picks)
    assert answer["rejections"]["not_callable"] >= 300 and not answer["nothing_callable"]


@pytest.mark.parametrize(("key", "expected"), [("sk-or-test", (True, None)), (None, (False, "key_not_in_environment"))])
def test_a_static_source_with_its_own_file_is_judged_by_its_key_not_as_the_demo(
    reader, fresh_pages, monkeypatch, key, expected
):
    from modelsync.adapters.static import SNAPSHOT
    from modelsync.sync.pipeline import source_sync

    if key:
        monkeypatch.setenv("OPENROUTER_API_KEY", key)
    else:
        monkeypatch.delenv("OPENROUTER_API_KEY", raising=False)
    source = Source.objects.create(
        name="recorded", kind="static", base_url=str(SNAPSHOT), api_key_env="OPENROUTER_API_KEY"
    )
    assert source_sync(source=source, trigger="cli").status == "succeeded"
    entries = models(reader, page_size=50)["results"]
    assert {(e["callable"], e["not_callable_reason"]) for e in entries} == {expected}
    assert (_select(reader, category="chat")["selected"] is not None) is expected[0]
