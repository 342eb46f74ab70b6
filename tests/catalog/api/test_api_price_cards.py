"""Issue #28, read side: the cost endpoint prices a full usage under the effective card, selection ranks by it, and
the list and detail show the card. Cards come from the real captures (tests/catalog/cards_data.py)."""

import re
from decimal import Decimal

import pytest

from catalog.cards import effective_card, effective_card_json
from catalog.pricing import card_to_json, legacy_card
from modelsync.models import ModelChange
from tests.catalog.cards_data import litellm_card_json, openrouter_card_json
from tests.factories import LLMModelFactory, SyncRunFactory

pytestmark = pytest.mark.django_db
GEMINI = "google/gemini-2.5-pro"


def cost(reader, model, **usage):
    return reader.get(f"/api/v1/models/{model.pk}/cost/", usage)


@pytest.fixture
def gemini():
    return LLMModelFactory(model=GEMINI, external_id=GEMINI, provider="google", price_card=openrouter_card_json(GEMINI),
                           input_cost_per_mtok=Decimal("1.25"), output_cost_per_mtok=Decimal("10"))  # fmt: skip


def test_a_long_gemini_prompt_is_billed_at_the_long_context_tier(reader, gemini):
    body = cost(reader, gemini, input_tokens=300000, output_tokens=1000).json()
    # OpenRouter's override above 200,000 prompt tokens: $2.50 in, $15 out per Mtok for the whole request (the bill).
    assert body["total_cost"] == "0.765" and body["input_cost"] == "0.75" and body["output_cost"] == "0.015"
    assert body["tier"] == 200000 and body["service_tier"] == "standard" and body["window"] is None
    assert body["complete"] is True and body["warnings"] == []
    assert body["lines"] == [
        {"unit": "input", "quantity": 300000, "unit_price": "0.0000025", "cost": "0.75", "priced_as": "input"},
        {"unit": "output", "quantity": 1000, "unit_price": "0.000015", "cost": "0.015", "priced_as": "output"},
    ]


def test_cache_hits_are_priced_at_the_tiers_cache_read_price(reader, gemini):
    body = cost(reader, gemini, input_tokens=300000, output_tokens=1000, cache_read_tokens=200000).json()
    # 100,000 uncached x $2.50 + 200,000 cached x $0.25 + 1,000 out x $15, per Mtok
    assert body["total_cost"] == "0.315" and body["tier"] == 200000
    assert {line["unit"]: line["cost"] for line in body["lines"]} == {"input": "0.25", "cache_read": "0.05",
                                                                        "output": "0.015"}  # fmt: skip
    short = cost(reader, gemini, input_tokens=100000, output_tokens=1000).json()
    assert short["total_cost"] == "0.135" and short["tier"] is None


def test_batch_prices_apply_for_the_batch_service_tier(reader):
    model = LLMModelFactory(price_card=litellm_card_json("claude-sonnet-4-5"))
    standard = cost(reader, model, input_tokens=100000, output_tokens=10000).json()
    batch = cost(reader, model, input_tokens=100000, output_tokens=10000, service_tier="batch").json()
    assert (standard["total_cost"], batch["total_cost"]) == ("0.45", "0.225")
    assert batch["service_tier"] == "batch" and batch["complete"]


def test_a_unit_with_no_price_makes_the_answer_incomplete_and_says_which(reader, gemini):
    body = cost(reader, gemini, input_tokens=1000, output_images=2).json()
    assert body["complete"] is False and any(w.startswith("output_image") for w in body["warnings"])
    stated = cost(reader, gemini, input_tokens=1000, requests=1).json()  # stated, the unpriced request is named
    assert stated["complete"] is False and any(w.startswith("request") for w in stated["warnings"])


@pytest.mark.parametrize(
    ("usage", "field"),
    [
        ({"input_tokens": 10, "cache_read_tokens": 11}, "cache_read_tokens"),
        ({"output_tokens": 5, "reasoning_tokens": 6}, "reasoning_tokens"),
        ({"input_tokens": -1}, "input_tokens"),
        ({"service_tier": "turbo"}, "service_tier"),
        ({"at": "yesterday"}, "at"),
        ({"cache_hits": 3}, "cache_hits"),
    ],
)
def test_a_usage_that_cannot_be_priced_is_a_400_naming_the_field(reader, gemini, usage, field):
    response = cost(reader, gemini, **usage)
    assert response.status_code == 400 and field in response.json()["error"]["fields"]


def test_a_repeated_parameter_is_still_a_400(reader, gemini):
    response = reader.get(f"/api/v1/models/{gemini.pk}/cost/?input_tokens=1&input_tokens=2")
    assert response.status_code == 400 and "input_tokens" in response.json()["error"]["fields"]


def test_a_linked_card_is_the_effective_card(reader):
    filled = openrouter_card_json(GEMINI)
    model = LLMModelFactory(price_card={}, pricing_status="unknown", input_cost_per_mtok=None,
                            output_cost_per_mtok=None, enrichment={
                                "price_card": {"value": filled, "from": "openrouter"},
                                "pricing_status": {"value": "known", "from": "openrouter"}})  # fmt: skip
    assert cost(reader, model, input_tokens=300000, output_tokens=1000).json()["total_cost"] == "0.765"
    detail = reader.get(f"/api/v1/models/{model.pk}/").json()
    assert detail["provenance"]["pricing"] == "linked:openrouter"
    assert detail["price_card"]["prices"]["input"]["provenance"] == "openrouter"


def test_a_row_without_a_card_keeps_its_two_prices(reader):
    model = LLMModelFactory(price_card={}, input_cost_per_mtok=Decimal("0.2574"), output_cost_per_mtok=Decimal("1"))
    body = cost(reader, model, input_tokens=1234567, output_tokens=7).json()
    assert body["input_cost"] == "0.3177775458" and body["total_cost"] == "0.3177845458" and body["complete"]


def test_effective_card_rules():
    own, linked = {"format": 1, "prices": {"input": "1"}}, {"format": 1, "prices": {"input": "2"}}
    assert effective_card_json(own, {"price_card": {"value": linked, "from": "openrouter"}}) is linked
    assert effective_card_json(own, {}) is own and effective_card_json({}, None) is None
    known = {"pricing_status": "known", "input_per_mtok": Decimal("0.15"), "output_per_mtok": Decimal("0.6")}
    assert effective_card(None, **known) == legacy_card(Decimal("0.15"), Decimal("0.6"))
    assert effective_card({"garbage": 1}, **known) == legacy_card(Decimal("0.15"), Decimal("0.6"))
    assert effective_card(None, **{**known, "pricing_status": "free", "input_per_mtok": None}).prices == {
        "input": 0, "output": 0}  # fmt: skip
    assert effective_card(card_to_json(legacy_card(1, 2)), **{**known, "pricing_status": "variable"}) is None
    assert effective_card(None, **{**known, "pricing_status": "unknown"}) is None


def test_the_detail_shows_the_whole_card_and_the_list_a_compact_one(reader, gemini):
    detail = reader.get(f"/api/v1/models/{gemini.pk}/").json()["price_card"]
    assert detail["prices"]["input"] == {"price": "0.00000125", "per_mtok": "1.25", "provenance": "openrouter"}
    assert detail["prices"]["web_search"] == {"price": "0.014", "per_mtok": None, "provenance": "openrouter"}
    (tier,) = detail["tiers"]
    assert tier["threshold"] == 200000 and tier["inclusive"] is False
    assert tier["prices"]["output"] == {"price": "0.000015", "per_mtok": "15"}
    (listed,) = reader.get("/api/v1/models/", {"q": "gemini-2.5-pro"}).json()["results"]
    assert listed["price_card"]["prices"]["cache_read"] == "0.000000125" and listed["price_card"]["tiers"] == [200000]


def test_selection_ranks_by_what_the_stated_usage_costs(reader, gemini):
    # Flat prices: Gemini 2.5 Pro ($1.25 + $10 per Mtok) is cheaper than a flat $2 + $10 model; with a 300k prompt
    # its long-context tier makes it the dearer one, and with cache hits on that prompt the cheaper one again.
    flat = LLMModelFactory(model="acme/flat", provider="openai", input_cost_per_mtok=Decimal("2"),
                           output_cost_per_mtok=Decimal("10"),
                           price_card=card_to_json(legacy_card(Decimal("2"), Decimal("10"), "acme")))  # fmt: skip
    ask = {"strategy": "cheapest", "fallbacks": 1}

    def chain(**usage):
        answer = reader.post("/api/v1/select/", {**ask, **usage}, format="json").json()
        return [answer["selected"], *answer["fallbacks"]]

    assert [m["model"] for m in chain()] == [GEMINI, flat.model]
    long = chain(input_tokens=300000, output_tokens=1000)
    assert [m["model"] for m in long] == [flat.model, GEMINI]
    assert [m["estimated_cost"]["total_cost"] for m in long] == ["0.61", "0.765"]
    assert long[1]["estimated_cost"]["tier"] == 200000 and "long-context" in " ".join(long[1]["reasons"])
    cached = chain(input_tokens=300000, output_tokens=1000, cache_read_tokens=250000)
    assert [m["model"] for m in cached] == [GEMINI, flat.model]
    assert cached[0]["estimated_cost"]["total_cost"] == cost(reader, gemini, input_tokens=300000, output_tokens=1000,
                                                             cache_read_tokens=250000).json()["total_cost"]  # fmt: skip


def test_selection_refuses_an_impossible_usage(reader, gemini):
    answer = reader.post("/api/v1/select/", {"input_tokens": 5, "cache_read_tokens": 6}, format="json")
    assert answer.status_code == 400 and "cache_read_tokens" in answer.json()["error"]["fields"]


def test_prices_returns_whole_cards_over_time(reader, gemini):
    new = gemini.price_card
    old = {**new, "tiers": [], "prices": {**new["prices"], "cache_read": "0.00000031"}}
    run_1, run_2 = SyncRunFactory(source=gemini.source), SyncRunFactory(source=gemini.source)
    ModelChange.objects.create(run=run_1, llm_model=gemini, kind="created", changes={})
    ModelChange.objects.create(run=run_2, llm_model=gemini, kind="updated", changes={"price_card": [old, new]})
    prices = reader.get(f"/api/v1/models/{gemini.pk}/prices/").json()["prices"]
    assert [entry["run"] for entry in prices] == [run_2.pk, run_1.pk]
    now, then = prices[0]["price_card"], prices[1]["price_card"]
    assert now["tiers"][0]["threshold"] == 200000 and now["prices"]["cache_read"]["per_mtok"] == "0.125"
    assert then["tiers"] == [] and then["prices"]["cache_read"] == {"price": "0.00000031", "per_mtok": "0.31",
                                                                    "provenance": "openrouter"}  # fmt: skip
    assert prices[0]["input_cost_per_mtok"] == prices[1]["input_cost_per_mtok"] == "1.25"  # the existing fields stay


def test_prices_before_cards_show_the_two_prices_as_the_card(reader):
    model = LLMModelFactory(price_card={}, input_cost_per_mtok=Decimal("3"), output_cost_per_mtok=Decimal("15"))
    ModelChange.objects.create(run=SyncRunFactory(source=model.source), llm_model=model, kind="created", changes={})
    (entry,) = reader.get(f"/api/v1/models/{model.pk}/prices/").json()["prices"]
    assert entry["price_card"]["prices"]["output"] == {"price": "0.000015", "per_mtok": "15", "provenance": "legacy"}


def test_the_admin_model_page_shows_the_card_as_a_table(admin_client):
    model = LLMModelFactory(price_card=litellm_card_json("claude-sonnet-4-5"))
    page = admin_client.get(f"/admin/catalog/llmmodel/{model.pk}/change/").content.decode()
    table = page.split('class="ms-price-card"', 1)[1].split("</table>", 1)[0]
    cells = [re.findall(r"<td>(.*?)</td>", row, re.S) for row in table.split("<tr>")[2:]]
    rows = [[re.sub(r"<[^>]+>", "", cell).strip() for cell in row] for row in cells]
    assert ["base", "cache read", "0.0000003", "0.3", "litellm", "—"] in rows
    assert ["batch", "output", "0.0000075", "7.5", "—", "—"] in rows
    assert ["base", "web search", "0.01", "—", "litellm", "—"] in rows
