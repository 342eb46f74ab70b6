"""The matcher and the enrichment rule (modelsync.linking.match), on the real captures and on generated inputs."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from modelsync.adapters.base import SourceConfig
from modelsync.adapters.costmap import parse_cost_map
from modelsync.adapters.litellm import parse_proxy
from modelsync.adapters.openrouter import parse_models
from modelsync.linking.match import (
    FACTS,
    PRICE_FACTS,
    Described,
    Index,
    Routed,
    costmap_names,
    enrichment,
    model_routes,
    price_card_enrichment,
    route_keys,
)
from tests.modelsync import expected_links
from tests.modelsync.payloads import litellm_payloads, load

GATEWAY, TARGET = 1, 2


def gateway_records():
    return parse_proxy(litellm_payloads(), SourceConfig(name="litellm", kind="litellm", base_url="")).records


def routed(record, index: int) -> Routed:
    deployments = [d.get("model", "") for d in record.details.get("deployments", [])]
    return Routed(10**6 + index, GATEWAY, model_routes(record.model, record.provider, deployments))


def links_against(targets, names) -> dict[str, tuple[str, str]]:
    """Gateway model -> (target id, method) for the LiteLLM 1.109.1 capture against one descriptive capture."""
    index = Index(Described(position, TARGET, names(record)) for position, record in enumerate(targets))
    found = {}
    for position, record in enumerate(gateway_records()):
        if match := index.match(routed(record, position)).get(TARGET):
            found[record.external_id] = (targets[match.target_id].external_id, match.method)
    return found


def openrouter(capture: str):
    return parse_models(load(f"openrouter/{capture}"), SourceConfig(name="openrouter", kind="openrouter", base_url=""))


def cost_map():
    return parse_cost_map(load("costmap/model_prices_and_context_window_backup.json"))


CAPTURES = {
    "openrouter 2026-08-22": (lambda: openrouter("models.json").records, expected_links.OPENROUTER_2026_08_22),
    "openrouter 2026-08-08": (lambda: openrouter("models_older.json").records, expected_links.OPENROUTER_2026_08_08),
}


@pytest.mark.parametrize("capture", CAPTURES)
def test_every_openrouter_link_for_the_litellm_capture_is_the_hand_checked_one(capture):
    records, expected = CAPTURES[capture]
    targets = list(records())
    assert links_against(targets, lambda record: (record.external_id,)) == expected
    # Recall: the counterparts a person finds that the matcher leaves unlinked exist in the capture, unlinked.
    ids = {record.external_id for record in targets}
    missed = {model for model, target in expected_links.MISSED.items() if target in ids}
    assert not missed & set(expected) and missed >= {"groq-llama-3.3-70b", "corp-gpt-4o"}
    recall = len(expected) / (len(expected) + len(missed))
    assert recall >= 0.95, f"{capture}: recall {recall:.1%} ({len(expected)} linked, {len(missed)} missed)"


def test_every_cost_map_link_for_the_litellm_capture_is_the_hand_checked_one():
    targets = list(cost_map().records)
    assert len(targets) > 4000
    found = links_against(targets, lambda record: costmap_names(record.external_id, record.provider_raw))
    assert found == expected_links.COSTMAP_1_106_2


def test_a_route_through_openrouter_names_openrouters_record():
    index = Index([Described(7, TARGET, ("anthropic/claude-3.5-sonnet",))])
    match = index.match(Routed(1, GATEWAY, ("openrouter/anthropic/claude-3.5-sonnet",)))[TARGET]
    assert (match.target_id, match.method, match.route) == (7, "exact", "openrouter/anthropic/claude-3.5-sonnet")


@pytest.mark.parametrize(
    ("route", "record", "method"),
    [
        ("gemini/gemini-2.5-pro", "google/gemini-2.5-pro", "exact"),  # LiteLLM's provider prefix, OpenRouter's slug
        ("anthropic/claude-sonnet-4-5", "anthropic/claude-sonnet-4.5", "normalized"),
        ("anthropic/claude-3-haiku-20240307", "anthropic/claude-3-haiku", "dated"),
        ("openai/gpt-4o-2024-08-06", "openai/gpt-4o", "dated"),
        ("openrouter/meta-llama/llama-3.3-70b-instruct:free", "meta-llama/llama-3.3-70b-instruct", "variant"),
        ("openai/gpt-5.2-chat-latest", "openai/gpt-5.2-chat", "variant"),
    ],
)
def test_each_method_links_a_route_to_its_record(route, record, method):
    match = Index([Described(3, TARGET, (record,))]).match(Routed(1, GATEWAY, (route,)))[TARGET]
    assert (match.target_id, match.method) == (3, method)


def test_the_strictest_method_wins_over_a_looser_one_on_an_earlier_route():
    index = Index([Described(1, TARGET, ("openai/gpt-4o",)), Described(2, TARGET, ("openai/gpt-4.1",))])
    match = index.match(Routed(9, GATEWAY, ("openai/gpt-4o-2024-08-06", "openai/gpt-4.1")))[TARGET]
    assert (match.target_id, match.method, match.route) == (2, "exact", "openai/gpt-4.1")


def test_a_record_is_never_shortened_so_a_paid_route_never_links_to_a_free_record():
    index = Index([Described(1, TARGET, ("meta-llama/llama-3.3-70b-instruct:free",))])
    assert index.match(Routed(9, GATEWAY, ("meta-llama/llama-3.3-70b-instruct",))) == {}


def test_a_shortened_route_is_not_linked_to_a_family_the_source_also_lists_by_version():
    """OpenRouter's mistral-large is Large 2; mistral-large-latest is Large 3 (mistral-large-2512)."""
    records = [
        Described(1, TARGET, ("mistralai/mistral-large",)),
        Described(2, TARGET, ("mistralai/mistral-large-2512",)),
    ]
    assert Index(records).match(Routed(9, GATEWAY, ("mistral/mistral-large-latest",))) == {}
    assert Index(records[:1]).match(Routed(9, GATEWAY, ("mistral/mistral-large-latest",)))[TARGET].target_id == 1


def test_a_tie_links_nothing_and_an_own_id_beats_a_derived_spelling():
    tie = Index([Described(1, TARGET, ("openai/gpt-4.1",)), Described(2, TARGET, ("openai/gpt-4-1",))])
    assert tie.match(Routed(9, GATEWAY, ("openai/gpt-4_1",))) == {}
    ranked = Index([Described(1, TARGET, ("gpt-4o", "openai/gpt-4o")), Described(2, TARGET, ("openai/gpt-4o",))])
    assert ranked.match(Routed(9, GATEWAY, ("openai/gpt-4o",)))[TARGET].target_id == 2


def test_a_model_is_never_linked_to_a_record_of_its_own_source():
    index = Index([Described(1, GATEWAY, ("openai/gpt-4o",))])
    assert index.match(Routed(9, GATEWAY, ("openai/gpt-4o",))) == {}


def test_routes_of_a_model_without_deployments_are_its_name_and_provider_slash_name():
    assert model_routes("gpt-4o", "openai") == ("gpt-4o", "openai/gpt-4o")
    assert model_routes("corp-chat", "other") == ("corp-chat",)
    assert model_routes("openai/gpt-4o", "openai") == ("openai/gpt-4o",)
    assert model_routes("gpt-4", "openai", ["", "openai/gpt-4o"]) == ("openai/gpt-4o",)
    assert costmap_names("gpt-4o", "openai") == ("gpt-4o", "openai/gpt-4o")
    assert costmap_names("azure/gpt-4o", "azure") == ("azure/gpt-4o",)


def test_route_keys_go_from_strict_to_loose():
    assert list(route_keys("Mistral/Mistral-Large-2407-latest")) == [
        ("exact", "mistralai/mistral-large-2407-latest"),
        ("normalized", "mistralai/mistral-large-2407-latest"),
        ("variant", "mistralai/mistral-large-2407"),
    ]
    assert list(route_keys("x/m-2024-08-06:free")) == [
        ("exact", "x/m-2024-08-06:free"), ("normalized", "x/m-2024-08-06:free"), ("variant", "x/m-2024-08-06"),
        ("variant", "x/m"),
    ]  # fmt: skip


# --- Enrichment -----------------------------------------------------------------------------------------------

EMPTY = {"capabilities": [], "context_window": None, "max_output_tokens": None, "description": "",
         "pricing_status": "unknown", "input_cost_per_mtok": None, "output_cost_per_mtok": None,
         "is_free": False, "expires_at": None}  # fmt: skip
capabilities = st.lists(st.sampled_from(["vision", "function_calling", "reasoning", "json_schema"]), unique=True)
prices = st.one_of(st.none(), st.decimals(min_value=0, max_value=1000, places=3))
facts = st.fixed_dictionaries({
    "capabilities": capabilities,
    "context_window": st.one_of(st.none(), st.integers(1, 2_000_000)),
    "max_output_tokens": st.one_of(st.none(), st.integers(1, 200_000)),
    "description": st.sampled_from(["", "A model.", "Another model."]),
    "pricing_status": st.sampled_from(["known", "free", "variable", "unknown"]),
    "input_cost_per_mtok": prices,
    "output_cost_per_mtok": prices,
    "is_free": st.booleans(),
    "expires_at": st.one_of(st.none(), st.sampled_from(["2026-10-23", "2027-01-14"])),
})  # fmt: skip


@given(own=facts, linked=st.lists(st.tuples(st.sampled_from(["openrouter", "costmap"]), facts), max_size=3))
def test_enrichment_never_changes_a_fact_the_callable_source_states(own, linked):
    added = enrichment(own, linked)
    for fact in FACTS:
        if own[fact] not in (None, "", []):
            assert fact not in added
    if own["pricing_status"] != "unknown":
        assert not set(PRICE_FACTS) & set(added)
    for fact in (*FACTS, *PRICE_FACTS):  # an empty fact some link knows is filled, from the first that knows it
        knows = _knows_price if fact in PRICE_FACTS else (lambda values, fact=fact: not _empty(values[fact]))
        first = next(((name, values) for name, values in linked if knows(values)), None)
        empty = own["pricing_status"] == "unknown" if fact in PRICE_FACTS else _empty(own[fact])
        if empty and first:
            assert added[fact] == {"value": first[1][fact], "from": first[0]}
        else:
            assert fact not in added


def _knows_price(values: dict) -> bool:
    return values["pricing_status"] != "unknown"


def _empty(value) -> bool:
    return value in (None, "", [])


def test_enrichment_fills_empty_facts_from_the_first_link_and_prices_only_together():
    openrouter_says = {**EMPTY, "capabilities": ["vision"], "context_window": 200_000, "pricing_status": "known",
                       "input_cost_per_mtok": Decimal("0.25"), "output_cost_per_mtok": Decimal("1.25")}  # fmt: skip
    costmap_says = {**EMPTY, "context_window": 100_000, "max_output_tokens": 4096}
    added = enrichment(EMPTY, [("openrouter", openrouter_says), ("costmap", costmap_says)])
    assert added == {
        "capabilities": {"value": ["vision"], "from": "openrouter"},
        "context_window": {"value": 200_000, "from": "openrouter"},
        "max_output_tokens": {"value": 4096, "from": "costmap"},
        "pricing_status": {"value": "known", "from": "openrouter"},
        "input_cost_per_mtok": {"value": Decimal("0.25"), "from": "openrouter"},
        "output_cost_per_mtok": {"value": Decimal("1.25"), "from": "openrouter"},
        "is_free": {"value": False, "from": "openrouter"},
    }
    assert enrichment({**EMPTY, "pricing_status": "free"}, [("openrouter", openrouter_says)]).keys() == {
        "capabilities",
        "context_window",
    }


# --- the price card a link fills ---------------------------------------------------------------------------------


def _openrouter_card(model_id: str) -> dict:
    capture = load("openrouter/models.json")
    return next(
        r
        for r in parse_models(capture, SourceConfig(name="OpenRouter", kind="openrouter", base_url="")).records
        if r.external_id == model_id
    ).price_card


def test_a_linked_card_fills_the_units_the_callable_card_leaves_empty_with_their_source():
    linked = _openrouter_card("x-ai/grok-4.6")  # input, output, cache read, web search and a 200k tier
    own = {"format": 1, "prices": {"input": "0.000002", "output": "0.000006"}, "provenance": {"input": "gateway",
           "output": "gateway"}}  # fmt: skip
    added = price_card_enrichment(own, [("OpenRouter", linked)])
    assert added["from"] == "OpenRouter"
    card = added["value"]
    assert card["prices"] == {**linked["prices"], **own["prices"]}
    assert card["provenance"] == {"input": "gateway", "output": "gateway", "cache_read": "OpenRouter",
                                  "web_search": "OpenRouter"}  # fmt: skip
    assert [tier["threshold"] for tier in card["tiers"]] == [200000]  # same base: the linked tier describes this bill
    assert price_card_enrichment(linked, [("OpenRouter", linked)]) is None  # nothing to add: nothing written
    cardless = price_card_enrichment({}, [("OpenRouter", linked)])["value"]
    assert cardless["prices"] == linked["prices"] and set(cardless["provenance"].values()) == {"OpenRouter"}
