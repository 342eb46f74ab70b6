"""Pure selection: every pick meets every hard requirement, none repeats, order follows the strategy."""

import random
from collections import Counter
from dataclasses import replace
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from catalog.candidates import NOT_CALLABLE, STRATEGIES, Candidate, Requirements
from catalog.ranking import _Scale, build_index, score
from catalog.selection import rejection, select
from tests.catalog.real_catalog import real_candidates

PROVIDERS = ["openai", "anthropic", "google", "mistral", "meta"]
CAPS = ["vision", "function_calling", "json_schema", "reasoning", "prompt_caching", "not_a_known_capability"]
PRICE = st.none() | st.decimals(min_value=0, max_value=100, places=3)
NAMES = st.text("abcdefg-/", min_size=1, max_size=6)


@st.composite
def candidates(draw, ids):
    status = draw(st.sampled_from(["known", "free", "unknown", "variable"]))
    input_cost, output_cost = (draw(PRICE), draw(PRICE)) if status == "known" else (None, None)
    why_not = draw(st.none() | st.sampled_from(sorted(NOT_CALLABLE)))  # None: callable (most of a real catalog)
    return Candidate(
        id=draw(ids),
        model=draw(NAMES),
        provider=draw(st.sampled_from(PROVIDERS)),
        category=draw(st.sampled_from(["chat", "embedding"])),
        capabilities=frozenset(draw(st.sets(st.sampled_from(CAPS)))),
        context_window=draw(st.none() | st.integers(0, 2_000_000)),
        max_output_tokens=draw(st.none() | st.integers(0, 200_000)),
        pricing_status=status,
        input_cost=input_cost,
        output_cost=output_cost,
        is_free=status == "free",
        safety_score=draw(st.none() | st.decimals(min_value=0, max_value=1, places=2)),
        popularity=draw(st.integers(0, 1000)),
        is_recommended=draw(st.booleans()),
        callable=why_not is None,
        not_callable_reason=why_not,
    )


CATALOGS = st.lists(candidates(st.integers(1, 10**6)), max_size=40, unique_by=lambda c: c.id)
REQUIREMENTS = st.builds(
    Requirements,
    category=st.none() | st.sampled_from(["chat", "embedding"]),
    capabilities=st.frozensets(st.sampled_from(CAPS), max_size=2),
    min_context=st.none() | st.integers(0, 1_000_000),
    min_output_tokens=st.none() | st.integers(0, 100_000),
    max_input_cost=st.none() | st.decimals(min_value=0, max_value=50, places=2),
    max_output_cost=st.none() | st.decimals(min_value=0, max_value=50, places=2),
    free_only=st.booleans(),
    providers=st.frozensets(st.sampled_from(PROVIDERS), max_size=3),
    exclude_providers=st.frozensets(st.sampled_from(PROVIDERS), max_size=1),
    min_safety=st.none() | st.decimals(min_value=0, max_value=1, places=2),
    preferred=st.lists(NAMES, max_size=3).map(tuple),
    strategy=st.sampled_from(STRATEGIES),
    fallbacks=st.integers(0, 10),
    callable_only=st.booleans(),
)


def chain_of(result) -> list:
    return ([result.selected] if result.selected else []) + result.fallbacks


def expected_chain(catalog, r: Requirements) -> list[int]:
    """A slow, obvious reference: rank every eligible model, preferred first, then new providers, then the rest."""
    scale = _Scale(catalog)
    eligible = sorted(
        (c for c in catalog if rejection(c, r) is None), key=lambda c: (-score(c, r.strategy, scale), c.model, c.id)
    )
    count = r.fallbacks + 1
    chain = [c for name in dict.fromkeys(r.preferred) for c in eligible if c.model == name][:count]
    for c in eligible:
        if len(chain) < count and c not in chain and (not chain or c.provider not in {x.provider for x in chain}):
            chain.append(c)
    chain += [c for c in eligible if c not in chain]
    return [c.id for c in chain[:count]]


@settings(max_examples=300, deadline=None)
@given(catalog=CATALOGS, requirements=REQUIREMENTS, seed=st.integers(0, 1000))
def test_every_pick_is_eligible_unique_ordered_and_independent_of_row_order(catalog, requirements, seed):
    result = select(build_index(catalog), requirements)
    chain = chain_of(result)
    assert all(rejection(r.candidate, requirements) is None for r in chain)
    assert len({r.candidate.id for r in chain}) == len(chain)
    assert result.eligible == sum(1 for c in catalog if rejection(c, requirements) is None)
    assert len(chain) == min(result.eligible, requirements.fallbacks + 1)
    assert result.rejections == dict(Counter(rejection(c, requirements) for c in catalog) - Counter({None: 10**9}))
    assert [r.candidate.id for r in chain] == expected_chain(catalog, requirements)
    shuffled = list(catalog)
    random.Random(seed).shuffle(shuffled)
    again = select(build_index(shuffled), requirements)
    assert [r.candidate.id for r in chain_of(again)] == [r.candidate.id for r in chain]


@settings(max_examples=200, deadline=None)
@given(catalog=CATALOGS, strategy=st.sampled_from(STRATEGIES))
def test_without_preferences_the_selected_model_has_the_top_score(catalog, strategy):
    result = select(build_index(catalog), Requirements(strategy=strategy, callable_only=False))
    if catalog:
        scale = _Scale(catalog)  # scores are scaled to the whole catalog, callable or not
        assert result.selected.score == round(max(score(c, strategy, scale) for c in catalog), 6)
        callable_ones = select(build_index(catalog), Requirements(strategy=strategy))
        best = max((score(c, strategy, scale) for c in catalog if c.callable), default=None)
        assert (callable_ones.selected and callable_ones.selected.score) == (best if best is None else round(best, 6))
    else:
        assert result.selected is None and result.considered == 0


def _candidate(id_, **overrides):
    base = {"model": f"m{id_}", "provider": "openai", "category": "chat", "capabilities": frozenset(),
            "context_window": 1000, "max_output_tokens": 100, "pricing_status": "known",
            "input_cost": Decimal(1), "output_cost": Decimal(1), "is_free": False, "safety_score": None,
            "popularity": 0, "is_recommended": False}  # fmt: skip
    return Candidate(id=id_, **{**base, **overrides})


def ids(result) -> list[int]:
    return [r.candidate.id for r in chain_of(result)]


def test_cheapest_picks_the_lowest_price_and_says_so():
    catalog = (_candidate(1, input_cost=Decimal(3)), _candidate(2, input_cost=Decimal("0.5")), _candidate(3))
    result = select(build_index(catalog), Requirements(strategy="cheapest", fallbacks=2))
    assert ids(result) == [2, 3, 1]
    assert "$0.5 in / $1 out per Mtok" in result.selected.reasons


def test_largest_context_and_preferred_first():
    catalog = (_candidate(1, context_window=10), _candidate(2, context_window=1000), _candidate(3, context_window=100))
    index = build_index(catalog)
    assert select(index, Requirements(strategy="largest_context")).selected.candidate.id == 2
    preferred = select(index, Requirements(strategy="largest_context", preferred=("m3", "m1")))
    assert ids(preferred) == [3, 1, 2] and "listed in preferred" in preferred.selected.reasons


def test_an_ineligible_preferred_model_is_skipped():
    catalog = (_candidate(1, context_window=10), _candidate(2, context_window=1000))
    result = select(build_index(catalog), Requirements(min_context=100, preferred=("m1",)))
    assert ids(result) == [2] and result.rejections == {"context_window": 1}


def test_fallbacks_prefer_other_providers_then_fill_with_the_rest():
    catalog = (
        _candidate(1, input_cost=Decimal("0.1")),
        _candidate(2, input_cost=Decimal("0.2")),
        _candidate(3, input_cost=Decimal("0.3"), provider="anthropic"),
    )
    result = select(build_index(catalog), Requirements(strategy="cheapest", fallbacks=2))
    assert ids(result) == [1, 3, 2]


def test_ties_break_on_model_name_then_id_whatever_the_row_order():
    twins = [_candidate(5, model="b"), _candidate(4, model="b"), _candidate(9, model="a")]
    for order in (twins, twins[::-1]):
        assert ids(select(build_index(order), Requirements(fallbacks=2))) == [9, 4, 5]


def test_unknown_price_never_passes_a_price_cap_but_free_does():
    unknown = _candidate(1, pricing_status="unknown", input_cost=None, output_cost=None)
    free = _candidate(2, pricing_status="free", is_free=True, input_cost=Decimal(0), output_cost=Decimal(0))
    result = select(build_index((unknown, free)), Requirements(max_input_cost=Decimal(1)))
    assert result.selected.candidate.id == 2 and result.rejections == {"input_cost": 1}


def test_nothing_fits_gives_no_selection_and_the_reasons():
    result = select(build_index((_candidate(1), _candidate(2, category="embedding"))), Requirements(min_context=10**6))
    assert result.selected is None and result.fallbacks == []
    assert result.rejections == {"context_window": 2} and result.eligible == 0 and result.considered == 2


def test_selection_on_the_real_openrouter_catalog_meets_the_requirements():
    index = build_index(real_candidates(421))
    wanted = Requirements(
        category="chat", capabilities=frozenset({"function_calling", "vision"}), min_context=128_000,
        max_input_cost=Decimal(3), strategy="cheapest", fallbacks=4,
    )  # fmt: skip
    result = select(index, wanted)
    chain = [r.candidate for r in chain_of(result)]
    assert len(chain) == 5 and result.considered == 421 and 0 < result.eligible < 421
    assert all({"function_calling", "vision"} <= c.capabilities and c.context >= 128_000 for c in chain)
    assert all(c.input_cap <= 3 for c in chain)
    prices = [c.blended_cost for c in chain[1:] if c.provider not in {chain[0].provider}]
    assert chain[0].blended_cost <= min(prices, default=chain[0].blended_cost)
    assert len({c.provider for c in chain}) == 5  # the real catalog has enough providers to spread the chain


# --- exact scores, boundaries and reasons: the values the API returns ------------------------------------------------

# One model with 5 of the 10 capabilities, 40% of the catalog's largest context, 30% of its largest output, 20% of
# its top popularity, $1 + $3 per Mtok (price score 1 / (1 + 4)) and recommended; and the model setting those maxima.
HALF_CAPABLE = _candidate(
    1, model="half", provider="openai", capabilities=frozenset(CAPS[:5]), context_window=400, max_output_tokens=30,
    input_cost=Decimal(1), output_cost=Decimal(3), popularity=20, is_recommended=True,
)  # fmt: skip
LARGEST = _candidate(
    2, model="largest", provider="anthropic", context_window=1000, max_output_tokens=100, popularity=100,
    pricing_status="unknown", input_cost=None, output_cost=None,
)  # fmt: skip


@pytest.mark.parametrize(
    ("strategy", "half", "largest"),
    [
        ("balanced", 0.35 * 0.5 + 0.25 * 0.2 + 0.2 * 0.4 + 0.1 + 0.1 * 0.2, 0.2 * 1 + 0.1 * 1),
        ("cheapest", 0.2, 0.0),
        ("most_capable", 0.6 * 0.5 + 0.2 * 0.4 + 0.2 * 0.3, 0.2 + 0.2),
        ("largest_context", 0.4, 1.0),
        ("popular", 0.9 * 0.2 + 0.1, 0.9),
    ],
)
def test_scores_weigh_the_strategy_factors_against_the_catalog_maxima(strategy, half, largest):
    result = select(build_index((HALF_CAPABLE, LARGEST)), Requirements(strategy=strategy, fallbacks=1))
    scores = {r.candidate.model: r.score for r in chain_of(result)}
    assert scores == {"half": round(half, 6), "largest": round(largest, 6)}
    assert result.selected.score == max(scores.values())


def test_scores_are_rounded_to_six_places():
    third = _candidate(1, input_cost=Decimal("0.5"), output_cost=Decimal("1.5"))  # 1 / (1 + 2)
    assert select(build_index((third,)), Requirements(strategy="cheapest")).selected.score == 0.333333


def test_a_model_without_a_price_is_the_least_cheap():
    unknown = _candidate(1, model="a", pricing_status="unknown", input_cost=None, output_cost=None)
    variable = _candidate(2, model="b", pricing_status="variable", input_cost=None, output_cost=None)
    pricey = _candidate(3, model="c", input_cost=Decimal(500), output_cost=Decimal(500))
    free = _candidate(4, model="d", pricing_status="free", is_free=True, input_cost=None, output_cost=None)
    result = select(build_index((unknown, variable, pricey, free)), Requirements(strategy="cheapest", fallbacks=3))
    assert ids(result) == [4, 3, 1, 2] and [r.score for r in chain_of(result)] == [1.0, round(1 / 1001, 6), 0, 0]


def test_an_empty_catalog_selects_nothing():
    result = select(build_index(()), Requirements(category="chat", capabilities=frozenset({"vision"})))
    assert (result.selected, result.fallbacks, result.eligible, result.considered) == (None, [], 0, 0)


def test_a_category_nobody_has_rejects_every_model_for_its_category():
    result = select(build_index((_candidate(1), _candidate(2))), Requirements(category="rerank", min_context=10))
    assert result.selected is None and result.rejections == {"category": 2} and result.eligible == 0


# Each hard requirement at its boundary: equal passes, one step beyond is rejected, with the reason counted.
BOUNDARIES = [
    ({"context_window": 1000}, {"min_context": 1000}, {"min_context": 1001}, "context_window"),
    ({"max_output_tokens": 100}, {"min_output_tokens": 100}, {"min_output_tokens": 101}, "max_output_tokens"),
    ({"input_cost": Decimal("0.5")}, {"max_input_cost": Decimal("0.5")}, {"max_input_cost": Decimal("0.49")},
     "input_cost"),
    ({"output_cost": Decimal("2")}, {"max_output_cost": Decimal("2.0")}, {"max_output_cost": Decimal("1.99")},
     "output_cost"),
    ({"safety_score": Decimal("0.8")}, {"min_safety": Decimal("0.80")}, {"min_safety": Decimal("0.81")},
     "safety_score"),
    ({"capabilities": frozenset({"vision", "reasoning"})}, {"capabilities": frozenset({"vision", "reasoning"})},
     {"capabilities": frozenset({"vision", "reasoning", "audio_input"})}, "capabilities"),
    ({"capabilities": frozenset({"vision", "custom"})}, {"capabilities": frozenset({"vision", "custom"})},
     {"capabilities": frozenset({"custom", "other"})}, "capabilities"),
    ({"provider": "mistral"}, {"providers": frozenset({"mistral", "meta"})}, {"providers": frozenset({"meta"})},
     "provider"),
    ({"provider": "mistral"}, {"exclude_providers": frozenset({"meta"})}, {"exclude_providers": frozenset({"mistral"})},
     "excluded_provider"),
    ({"category": "embedding"}, {"category": "embedding"}, {"category": "chat"}, "category"),
    ({"pricing_status": "free", "is_free": True, "input_cost": None, "output_cost": None}, {"free_only": True},
     {"free_only": True, "category": "embedding"}, "category"),
]  # fmt: skip


@pytest.mark.parametrize(("model", "passes", "fails", "reason"), BOUNDARIES)
def test_each_requirement_admits_its_boundary_and_rejects_beyond_it(model, passes, fails, reason):
    candidate = _candidate(7, **model)
    other = _candidate(8, model="z", category="rerank", provider="meta", capabilities=frozenset(), context_window=1)
    index = build_index((candidate, other))
    assert rejection(candidate, Requirements(**passes)) is None
    assert select(index, Requirements(**passes)).selected.candidate.id == 7
    assert rejection(candidate, Requirements(**fails)) == reason
    assert 7 not in ids(select(index, Requirements(**fails)))


@pytest.mark.parametrize(
    ("model", "requirements", "reason"),
    [
        ({"context_window": None}, {"min_context": 1}, "context_window"),
        ({"max_output_tokens": None}, {"min_output_tokens": 1}, "max_output_tokens"),
        ({"safety_score": None}, {"min_safety": Decimal(0)}, "safety_score"),
        ({"pricing_status": "unknown", "input_cost": Decimal(0)}, {"max_input_cost": Decimal(100)}, "input_cost"),
        ({"pricing_status": "variable", "output_cost": Decimal(0)}, {"max_output_cost": Decimal(100)}, "output_cost"),
        ({"input_cost": None}, {"max_input_cost": Decimal(100)}, "input_cost"),
        ({"is_free": False}, {"free_only": True}, "not_free"),
        ({"capabilities": frozenset({"not_a_known_capability"})}, {"capabilities": frozenset({"vision"})},
         "capabilities"),
    ],
)  # fmt: skip
def test_a_missing_value_never_meets_a_requirement(model, requirements, reason):
    candidate = _candidate(7, **model)
    assert rejection(candidate, Requirements(**requirements)) == reason
    result = select(build_index((candidate,)), Requirements(**requirements))
    assert result.selected is None and result.rejections == {reason: 1}


def test_a_free_model_fits_a_zero_price_cap():
    free = _candidate(1, pricing_status="free", is_free=True, input_cost=Decimal(2), output_cost=Decimal(2))
    zero_caps = Requirements(max_input_cost=Decimal(0), max_output_cost=Decimal(0))
    assert rejection(free, zero_caps) is None and select(build_index((free,)), zero_caps).selected.candidate.id == 1


def test_the_first_failed_requirement_is_the_reason():
    candidate = _candidate(1, provider="meta", context_window=10, safety_score=Decimal("0.1"))
    wanted = Requirements(providers=frozenset({"openai"}), min_context=100, min_safety=Decimal("0.5"))
    assert rejection(candidate, wanted) == "provider"
    assert select(build_index((candidate,)), wanted).rejections == {"provider": 1}


def test_reasons_say_why_in_words():
    wanted = Requirements(capabilities=frozenset({"vision", "function_calling"}), min_context=128_000)
    model = _candidate(1, model="m1", capabilities=frozenset({"vision", "function_calling", "reasoning"}),
                       context_window=1_048_576, input_cost=Decimal("0.150000000"), output_cost=Decimal("10.0"),
                       popularity=42, is_recommended=True)  # fmt: skip
    index = build_index((model,))
    assert select(index, replace(wanted, preferred=("m1",))).selected.reasons == (
        "listed in preferred", "has function calling, vision", "context 1,048,576 ≥ 128,000 tokens",
        "$0.15 in / $10 out per Mtok", "recommended",
    )  # fmt: skip
    assert select(index, replace(wanted, strategy="most_capable")).selected.reasons == (
        "has function calling, vision", "context 1,048,576 ≥ 128,000 tokens", "$0.15 in / $10 out per Mtok",
        "context window 1,048,576 tokens", "3 capabilities", "recommended",
    )  # fmt: skip
    assert select(index, Requirements(strategy="largest_context")).selected.reasons == (
        "$0.15 in / $10 out per Mtok", "context window 1,048,576 tokens", "recommended",
    )  # fmt: skip
    assert select(index, Requirements(strategy="popular")).selected.reasons == (
        "$0.15 in / $10 out per Mtok", "popularity 42", "recommended",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("status", "said"), [("free", "free"), ("unknown", "price unknown"), ("variable", "price variable")]
)
def test_reasons_name_a_price_that_is_not_a_number(status, said):
    model = _candidate(1, pricing_status=status, is_free=status == "free", input_cost=None, output_cost=None)
    assert select(build_index((model,)), Requirements()).selected.reasons == (said,)


def test_a_known_status_with_a_missing_price_is_no_price():
    model = _candidate(1, output_cost=None)
    assert select(build_index((model,)), Requirements()).selected.reasons == ("price known",)


def test_preferred_models_keep_the_order_asked_and_the_first_mention():
    catalog = [_candidate(i, context_window=i * 100) for i in range(1, 6)]
    index = build_index(catalog)
    result = select(index, Requirements(strategy="largest_context", preferred=("m2", "m4", "m2"), fallbacks=4))
    assert ids(result) == [2, 4, 5, 3, 1]
    assert [("listed in preferred" in r.reasons) for r in chain_of(result)] == [True, True, False, False, False]


def test_more_preferred_models_than_the_chain_holds_are_cut():
    index = build_index([_candidate(i, context_window=i * 100) for i in range(1, 6)])
    result = select(index, Requirements(strategy="largest_context", preferred=("m1", "m2", "m3"), fallbacks=1))
    assert ids(result) == [1, 2]


def test_several_models_under_one_preferred_name_come_best_first():
    twins = [_candidate(1, model="dup", context_window=10), _candidate(2, model="dup", context_window=20)]
    result = select(build_index([*twins, _candidate(3)]), Requirements(strategy="largest_context", preferred=("dup",)))
    assert ids(result)[:2] == [2, 1]


def test_fallbacks_spread_over_providers_before_repeating_one():
    catalog = [
        _candidate(1, provider="openai", input_cost=Decimal("0.1")),
        _candidate(2, provider="openai", input_cost=Decimal("0.2")),
        _candidate(3, provider="anthropic", input_cost=Decimal("0.3")),
        _candidate(4, provider="anthropic", input_cost=Decimal("0.4")),
        _candidate(5, provider="google", input_cost=Decimal("0.5")),
        _candidate(6, provider="openai", input_cost=Decimal("0.6")),
    ]
    index = build_index(catalog)
    cheapest = Requirements(strategy="cheapest")
    assert ids(select(index, replace(cheapest, fallbacks=0))) == [1]
    assert ids(select(index, replace(cheapest, fallbacks=1))) == [1, 3]
    assert ids(select(index, replace(cheapest, fallbacks=2))) == [1, 3, 5]
    assert ids(select(index, replace(cheapest, fallbacks=4))) == [1, 3, 5, 2, 4]
    assert ids(select(index, replace(cheapest, fallbacks=10))) == [1, 3, 5, 2, 4, 6]
    preferred = select(index, replace(cheapest, preferred=("m4",), fallbacks=3))
    assert ids(preferred) == [4, 1, 5, 2]  # after the preferred anthropic model: openai, google, then the rest
    assert preferred.eligible == 6 and preferred.considered == 6 and preferred.rejections == {}


# --- callability: only models the team can call, unless asked; an empty answer says why ---------------------------


@settings(max_examples=300, deadline=None)
@given(catalog=CATALOGS, requirements=REQUIREMENTS)
def test_by_default_only_callable_models_are_picked_and_opting_out_only_adds_others(catalog, requirements):
    only = select(build_index(catalog), replace(requirements, callable_only=True))
    every = select(build_index(catalog), replace(requirements, callable_only=False))
    assert all(r.candidate.callable for r in chain_of(only))
    assert only.eligible == every.eligible - every_not_callable(catalog, requirements)
    assert "not_callable" not in every.rejections
    for ranked in chain_of(every):  # a model that cannot be called says so first, in words
        said = ranked.reasons[0] if ranked.reasons else ""
        assert said.startswith("cannot be called: ") != ranked.candidate.callable
    # nothing_callable: the default found nothing, but models that cannot be called would have fitted, or the catalog
    # has none that can be called at all.
    none_callable = not any(c.callable for c in catalog)
    blamed = only.rejections.get("not_callable", 0) > 0 and (
        none_callable or every_not_callable(catalog, requirements) > 0
    )
    assert only.nothing_callable == (only.selected is None and blamed)
    assert bool(only.reasons) == only.nothing_callable
    assert not every.nothing_callable


def every_not_callable(catalog, r: Requirements) -> int:
    """Models meeting every requirement but callability: what callable_only=false adds to the eligible count."""
    return sum(1 for c in catalog if not c.callable and rejection(c, replace(r, callable_only=False)) is None)


DEMO = {"callable": False, "not_callable_reason": "demo_catalog"}


def test_a_demo_catalog_selects_nothing_by_default_and_says_to_point_it_at_a_gateway():
    index = build_index([_candidate(1, **DEMO), _candidate(2, **DEMO, provider="anthropic")])
    result = select(index, Requirements())
    assert result.selected is None and result.fallbacks == [] and result.eligible == 0
    assert result.nothing_callable and result.rejections == {"not_callable": 2}
    assert result.reasons == (
        "no model in the catalog can be called: the bundled demo catalog is not a gateway; set LITELLM_PROXY_URL",
    )
    opted = select(index, Requirements(callable_only=False, fallbacks=1))
    assert ids(opted) == [1, 2] and not opted.nothing_callable
    assert opted.selected.reasons[0] == (
        "cannot be called: the bundled demo catalog is not a gateway; set LITELLM_PROXY_URL"
    )
    assert opted.reasons == ("callable_only is false: models that cannot be called are offered; each says why",)


def test_when_callable_models_exist_but_only_others_fit_the_answer_counts_them_and_names_why():
    catalog = [
        _candidate(1, context_window=8_000),
        _candidate(2, context_window=200_000, callable=False, not_callable_reason="key_not_in_environment"),
        _candidate(3, context_window=300_000, callable=False, not_callable_reason="descriptive_only"),
        _candidate(4, context_window=300_000, callable=False, not_callable_reason="descriptive_only"),
    ]
    result = select(build_index(catalog), Requirements(min_context=100_000))
    assert result.selected is None and result.nothing_callable
    assert result.rejections == {"not_callable": 3, "context_window": 1}
    assert result.reasons == (
        'no model that can be called fits these requirements; 3 that cannot be called would (send "callable_only": '
        "false to see them): its source only describes models, nothing is called through it; its source's API key "
        "variable is not set in the environment",
    )


def test_nothing_fitting_at_all_is_not_blamed_on_callability():
    catalog = [_candidate(1), _candidate(2, callable=False, not_callable_reason="no_api_key")]
    result = select(build_index(catalog), Requirements(min_context=10**6))
    assert result.selected is None and result.rejections == {"not_callable": 1, "context_window": 1}
    assert not result.nothing_callable and result.reasons == ()  # the one left out would not have fitted either
    everything_fits = select(build_index(catalog), Requirements())
    assert ids(everything_fits) == [1] and not everything_fits.nothing_callable and everything_fits.reasons == ()


def test_the_callable_pool_keeps_the_strategy_order_and_the_category_split():
    catalog = [
        _candidate(1, input_cost=Decimal(5)),
        _candidate(2, input_cost=Decimal("0.1"), **DEMO),
        _candidate(3, input_cost=Decimal(1), provider="anthropic"),
        _candidate(4, input_cost=Decimal("0.2"), category="embedding"),
    ]
    index = build_index(catalog)
    cheapest = Requirements(strategy="cheapest", category="chat", fallbacks=3)
    assert ids(select(index, cheapest)) == [3, 1]
    assert select(index, cheapest).rejections == {"category": 1, "not_callable": 1}
    assert ids(select(index, replace(cheapest, callable_only=False))) == [2, 3, 1]


def test_capabilities_read_as_the_chips_do():
    index = build_index([_candidate(1, capabilities=frozenset({"function_calling", "parallel_function_calling"}))])
    wanted = Requirements(capabilities=frozenset({"parallel_function_calling", "function_calling"}))
    assert select(index, wanted).selected.reasons[0] == "has function calling, parallel function calling"
