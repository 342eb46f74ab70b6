"""Pure selection: every pick meets every hard requirement, none repeats, order follows the strategy."""

import random
from collections import Counter
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from catalog.selection import STRATEGIES, Candidate, Requirements, _Scale, build_index, rejection, score, select
from tests.catalog.real_catalog import real_candidates

PROVIDERS = ["openai", "anthropic", "google", "mistral", "meta"]
CAPS = ["vision", "function_calling", "json_schema", "reasoning", "prompt_caching", "not_a_known_capability"]
PRICE = st.none() | st.decimals(min_value=0, max_value=100, places=3)
NAMES = st.text("abcdefg-/", min_size=1, max_size=6)


@st.composite
def candidates(draw, ids):
    status = draw(st.sampled_from(["known", "free", "unknown", "variable"]))
    input_cost, output_cost = (draw(PRICE), draw(PRICE)) if status == "known" else (None, None)
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
    result = select(build_index(catalog), Requirements(strategy=strategy))
    if catalog:
        scale = _Scale(catalog)
        assert result.selected.score == round(max(score(c, strategy, scale) for c in catalog), 6)
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
