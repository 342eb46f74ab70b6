"""One model, many sources: the LiteLLM gateway's models enriched from OpenRouter and the cost map, end to end.

Real captures over real HTTP on loopback (LiteLLM 1.109.1, OpenRouter on 2026-08-08 then 2026-08-22), the cost
map from a file, the real sync pipeline, and the API and admin as clients use them.
"""

from decimal import Decimal

import pytest
from django.urls import reverse

from catalog.models import LLMModel, ModelLink
from catalog.version import catalog_version_get
from modelsync.linking.refresh import links_refresh
from modelsync.models import Source
from modelsync.sync.pipeline import source_sync
from tests.modelsync import expected_links
from tests.modelsync.fake_upstream import fake_upstream, litellm_proxy
from tests.modelsync.payloads import PAYLOADS, raw

pytestmark = pytest.mark.django_db
COST_MAP = PAYLOADS / "costmap" / "model_prices_and_context_window_backup.json"


class Catalog:
    """A gateway, a descriptive OpenRouter and the cost map, synced from the real captures."""

    def __init__(self, proxy, openrouter) -> None:
        self.openrouter_upstream = openrouter
        self.gateway = Source.objects.create(name="litellm", kind="litellm", base_url=proxy.url,
                                             api_key_env="LITELLM_API_KEY")  # fmt: skip
        self.openrouter = Source.objects.create(name="openrouter", kind="openrouter", base_url=openrouter.url,
                                                is_callable=False)  # fmt: skip
        self.costmap = Source.objects.create(name="costmap", kind="costmap", base_url=str(COST_MAP), is_callable=False)

    def serve_openrouter(self, capture: str) -> None:
        self.openrouter_upstream.json("/models", raw(f"openrouter/{capture}"))

    def sync(self, source: Source) -> None:
        run = source_sync(source=source, trigger="cli")
        assert run.status in ("succeeded", "partial"), (run.error_kind, run.error_message)

    def model(self, name: str) -> LLMModel:
        return LLMModel.objects.get(source=self.gateway, external_id=name)

    def links(self, source: Source) -> dict[str, tuple[str, str]]:
        rows = ModelLink.objects.filter(target_source=source).values_list(
            "llm_model__external_id", "target__external_id", "method"
        )
        return {model: (target, method) for model, target, method in rows}


@pytest.fixture
def catalog(monkeypatch, settings):
    settings.MODELSYNC_MISS_THRESHOLD = 1
    settings.MODELSYNC_MAX_DEACTIVATE_FRACTION = 0.5  # the 2026-08-22 list lacks a fifth of the 2026-08-08 one
    monkeypatch.setenv("LITELLM_API_KEY", "sk-test-only")
    with litellm_proxy() as proxy, fake_upstream() as openrouter:
        catalog = Catalog(proxy, openrouter)
        catalog.serve_openrouter("models_older.json")
        for source in (catalog.gateway, catalog.openrouter, catalog.costmap):
            catalog.sync(source)
        yield catalog


def test_links_are_the_hand_checked_ones_and_follow_each_openrouter_sync(catalog):
    assert catalog.links(catalog.openrouter) == expected_links.OPENROUTER_2026_08_08
    assert catalog.links(catalog.costmap) == expected_links.COSTMAP_1_106_2
    catalog.serve_openrouter("models.json")
    catalog.sync(catalog.openrouter)  # only the descriptive side changed
    assert catalog.links(catalog.openrouter) == expected_links.OPENROUTER_2026_08_22
    assert catalog.links(catalog.costmap) == expected_links.COSTMAP_1_106_2


def test_a_bare_gateway_model_gains_capabilities_context_and_price_from_its_link(catalog, reader):
    haiku = catalog.model("claude-3-haiku")  # /model/info knows nothing of anthropic/claude-3-haiku-20240307
    assert (haiku.capabilities, haiku.context_window, haiku.pricing_status) == ([], None, "unknown")
    entry = reader.get(f"/api/v1/models/{haiku.pk}/").json()
    assert entry["context_window"] == 200_000 and {"vision", "function_calling"} <= set(entry["capabilities"])
    assert entry["pricing"] == {"status": "known", "input_per_mtok": "0.25", "output_per_mtok": "1.25"}
    assert entry["description"].startswith("Claude 3 Haiku")
    provenance = entry["provenance"]
    assert {provenance[name] for name in ("capabilities", "context_window", "pricing", "description")} == {
        "linked:openrouter"
    }
    assert provenance["display_name"] == provenance["category"] == provenance["provider"] == "source"
    assert {(link["source"], link["external_id"]) for link in entry["links"]} == {
        ("openrouter", "anthropic/claude-3-haiku")
    }


def test_the_gateways_own_values_win_where_it_states_them(catalog, reader):
    vision_pro = catalog.model("vision-pro")  # routed to openai/gpt-4o, at the team's own price and context
    entry = reader.get(f"/api/v1/models/{vision_pro.pk}/").json()
    assert entry["pricing"] == {"status": "known", "input_per_mtok": "3", "output_per_mtok": "12"}
    assert entry["context_window"] == 64_000  # OpenRouter and the cost map say 128,000
    assert entry["provenance"]["pricing"] == entry["provenance"]["context_window"] == "source"
    assert entry["description"] == "Premium vision model for document QA" and entry["provenance"]["description"] == (
        "source"
    )
    free = reader.get(f"/api/v1/models/{catalog.model('llama-3.3-70b-free').pk}/").json()
    assert free["pricing"]["status"] == "free" and free["is_free"] and free["provenance"]["pricing"] == "source"
    assert "function_calling" in free["capabilities"] and free["provenance"]["capabilities"] == "linked:openrouter"


def test_a_staff_override_wins_over_the_source_and_the_link(catalog, reader):
    haiku = catalog.model("claude-3-haiku")
    haiku.staff_context_window, haiku.staff_capabilities = 150_000, ["reasoning"]
    haiku.staff_description = "Our cheap triage model."
    haiku.save()
    entry = reader.get(f"/api/v1/models/{haiku.pk}/?provenance=1").json()
    assert (entry["context_window"], entry["capabilities"], entry["description"]) == (
        150_000, ["reasoning"], "Our cheap triage model."
    )  # fmt: skip
    assert entry["provenance"]["context_window"] == entry["provenance"]["capabilities"] == "staff"
    assert entry["provenance"]["description"] == "staff" and entry["provenance"]["pricing"] == "linked:openrouter"
    gpt_4o = catalog.model("gpt-4o")
    gpt_4o.staff_context_window = 32_000
    gpt_4o.save()
    assert reader.get(f"/api/v1/models/{gpt_4o.pk}/").json()["context_window"] == 32_000  # over the source's 64,000


def test_every_enriched_value_is_the_linked_records_and_only_fills_what_the_source_left_empty(catalog):
    for capture in ("models_older.json", "models.json"):
        catalog.serve_openrouter(capture)
        catalog.sync(catalog.openrouter)
        checked = cards = 0
        for model in LLMModel.objects.filter(source=catalog.gateway).exclude(enrichment={}):
            links = {
                link.target_source.name: link.target for link in model.links.select_related("target", "target_source")
            }
            for fact, taken in model.enrichment.items():
                target = links[taken["from"]]
                if fact == "description":
                    assert taken["value"] == target.details["description"] and not model.details.get("description")
                elif fact == "price_card":  # the row's own units as stated; the others each from a linked card
                    own, filled = model.price_card.get("prices", {}), taken["value"]
                    assert filled["prices"].items() >= own.items() and filled["prices"].keys() > own.keys()
                    for unit in filled["prices"].keys() - own.keys():
                        linked = links[filled["provenance"][unit]].price_card
                        assert filled["prices"][unit] == linked["prices"][unit]
                    cards += 1
                elif fact == "expires_at":  # a retirement date, kept as its day
                    assert model.expires_at is None and taken["value"] == target.expires_at.date().isoformat()
                elif fact in ("input_cost_per_mtok", "output_cost_per_mtok"):
                    assert model.pricing_status == "unknown"
                    assert Decimal(taken["value"]) == getattr(target, fact)
                else:
                    assert getattr(model, fact) in (None, [], "unknown", False) and taken["value"] == getattr(
                        target, fact
                    )
                checked += 1
        assert checked > 20 and cards > 0


def test_the_list_is_what_the_team_can_call_unless_asked_for_descriptive_records_too(catalog, reader):
    callable_count = LLMModel.objects.filter(source=catalog.gateway, is_active=True).count()
    listed = reader.get("/api/v1/models/?page_size=200").json()
    assert listed["count"] == callable_count and {entry["source"] for entry in listed["results"]} == {"litellm"}
    assert "provenance" not in listed["results"][0]
    everything = reader.get("/api/v1/models/?callable=0&page_size=1").json()
    assert everything["count"] == LLMModel.objects.filter(is_active=True).count() > callable_count + 4000
    only_openrouter = reader.get("/api/v1/models/?callable=false&source=openrouter&page_size=1").json()
    assert only_openrouter["count"] == LLMModel.objects.filter(source=catalog.openrouter, is_active=True).count()
    with_provenance = reader.get("/api/v1/models/?provenance=1&search=claude-3-haiku").json()["results"]
    assert [entry["provenance"]["context_window"] for entry in with_provenance] == ["linked:openrouter"]
    for bad in ("callable=maybe", "provenance=yes-please", "callable="):
        response = reader.get(f"/api/v1/models/?{bad}")
        assert response.status_code == 400, bad


def test_filters_and_ordering_see_the_linked_values(catalog, reader):
    haiku = catalog.model("claude-3-haiku")
    found = reader.get("/api/v1/models/?capability=vision&min_context=200000&max_input_cost=0.3&page_size=200")
    assert haiku.pk in {entry["id"] for entry in found.json()["results"]}
    ordered = reader.get("/api/v1/models/?ordering=-context_window&page_size=200").json()["results"]
    contexts = [entry["context_window"] or 0 for entry in ordered]
    assert contexts == sorted(contexts, reverse=True)


def test_selection_only_offers_callable_models_and_names_linked_facts(catalog, reader):
    body = {"capabilities": ["vision"], "preferred": ["claude-3-haiku"], "fallbacks": 5}
    answer = reader.post("/api/v1/select/", body, format="json").json()
    assert answer["selected"]["model"] == "claude-3-haiku"
    assert "has vision — from openrouter" in answer["selected"]["reasons"]
    assert any(reason.endswith("per Mtok — from openrouter") for reason in answer["selected"]["reasons"])
    assert {entry["source"] for entry in [answer["selected"], *answer["fallbacks"]]} == {"litellm"}
    assert answer["considered"] == LLMModel.objects.filter(source=catalog.gateway, is_active=True).count()


def _links_form(model: LLMModel, changes: dict[int, dict] | None = None) -> dict:
    """The model page's form as a browser posts it, with `changes` to the link rows ({row: {field: value}})."""
    form = {"staff_display_name": model.staff_display_name, "staff_tags": "", "staff_is_recommended": "unknown",
            "staff_notes": "", "staff_capabilities": "", "staff_description": ""}  # fmt: skip
    links, changes = list(model.links.order_by("id")), changes or {}
    form.update({"links-TOTAL_FORMS": str(len(links)), "links-INITIAL_FORMS": str(len(links))})
    for row, link in enumerate(links):
        form.update({f"links-{row}-id": link.pk, f"links-{row}-llm_model": model.pk,
                     f"links-{row}-target": link.target_id, f"links-{row}-status": link.status,
                     **{f"links-{row}-{name}": value for name, value in changes.get(row, {}).items()}})  # fmt: skip
    return form


def _post(admin_client, model: LLMModel, form: dict) -> None:
    response = admin_client.post(reverse("admin:catalog_llmmodel_change", args=[model.pk]), form)
    assert response.status_code == 302, response.content.decode()[:3000]


def test_staff_break_a_link_in_admin_and_the_matcher_never_makes_it_again(catalog, admin_client):
    haiku = catalog.model("claude-3-haiku")
    page = admin_client.get(reverse("admin:catalog_llmmodel_change", args=[haiku.pk])).content.decode()
    assert "linked:openrouter" in page and "200000 (from openrouter)" in page  # beside the field
    before = catalog_version_get()
    _post(admin_client, haiku, _links_form(haiku, {0: {"status": "broken"}}))
    haiku.refresh_from_db()
    assert haiku.enrichment == {} and catalog_version_get() > before
    assert haiku.links.get().status == ModelLink.Status.BROKEN
    catalog.sync(catalog.openrouter)
    catalog.serve_openrouter("models.json")
    catalog.sync(catalog.openrouter)
    haiku.refresh_from_db()
    assert haiku.enrichment == {} and haiku.links.get().status == ModelLink.Status.BROKEN


def test_staff_point_a_link_elsewhere_and_it_is_confirmed(catalog, admin_client, reader):
    llama = catalog.model("groq-llama-3.3-70b")  # a miss: Groq's name for Meta's model
    assert not llama.links.exists()
    target = LLMModel.objects.get(source=catalog.openrouter, external_id="meta-llama/llama-3.3-70b-instruct")
    form = _links_form(llama)
    form.update({"links-TOTAL_FORMS": "1", "links-0-llm_model": llama.pk, "links-0-target": target.pk,
                 "links-0-status": "auto"})  # fmt: skip
    _post(admin_client, llama, form)
    link = llama.links.get()
    assert (link.status, link.method, link.target_source_id) == ("confirmed", "staff", catalog.openrouter.pk)
    entry = reader.get(f"/api/v1/models/{llama.pk}/").json()
    assert entry["context_window"] == 131_072 and entry["provenance"]["context_window"] == "linked:openrouter"
    links_refresh()  # the matcher keeps a confirmed link
    assert llama.links.get().status == "confirmed"


def test_admin_refuses_a_link_to_a_callable_record_or_a_second_link_to_one_source(catalog, admin_client):
    haiku, gpt_4o = catalog.model("claude-3-haiku"), catalog.model("gpt-4o")
    response = admin_client.post(reverse("admin:catalog_llmmodel_change", args=[haiku.pk]),
                                 _links_form(haiku, {0: {"target": gpt_4o.pk}}))  # fmt: skip
    assert response.status_code == 200 and "descriptive source" in response.content.decode()
    form = _links_form(gpt_4o)
    rows = int(form["links-TOTAL_FORMS"])
    other = LLMModel.objects.get(source=catalog.openrouter, external_id="openai/gpt-4o-mini")
    form.update({"links-TOTAL_FORMS": str(rows + 1), f"links-{rows}-llm_model": gpt_4o.pk,
                 f"links-{rows}-target": other.pk, f"links-{rows}-status": "confirmed"})  # fmt: skip
    response = admin_client.post(reverse("admin:catalog_llmmodel_change", args=[gpt_4o.pk]), form)
    assert response.status_code == 200 and "One link per source" in response.content.decode()
    assert gpt_4o.links.count() == 2  # openrouter and costmap, as before
