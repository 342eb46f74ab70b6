"""Selection by a stated usage (issue #28): `cheapest` and `balanced` rank by what the usage costs on each model.

The chain is read from the index's per-(provider, plan) groups without sorting the catalog (catalog.selection
`_usage_chain`); the reference here sorts every eligible model by the same key, stably over the flat order, and
builds the chain the obvious way. Cards are real OpenRouter ones, so models share plans as deployments do."""

import itertools
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from catalog.candidates import Candidate, Requirements
from catalog.cards import card_quote
from catalog.pricing import PriceCard, ServiceTierPrices, Tier, Usage
from catalog.ranking import _Scale, build_index, score
from catalog.selection import _usage_key, rejection, select
from tests.catalog.pricing.strategies import usages
from tests.catalog.real_catalog import openrouter_cards, real_candidates
from tests.catalog.test_selection import CATALOGS, REQUIREMENTS, chain_of


def _some_real_cards() -> list:
    cards = openrouter_cards()
    tiered = [card for card in cards.values() if card.tiers or card.windows]  # long-context tiers, time windows
    flat = [card for card in cards.values() if not (card.tiers or card.windows)]
    return [None, *tiered[:6], *flat[:: max(1, len(flat) // 12)]]


CARDS = _some_real_cards()
CATALOG_MODEL = Candidate(
    id=1, model="tiered", provider="google", category="chat", capabilities=frozenset(), context_window=1_000_000,
    max_output_tokens=64_000, pricing_status="known", input_cost=D("1"), output_cost=D("4"), is_free=False,
    safety_score=None, popularity=0, is_recommended=False,
)  # fmt: skip


@st.composite
def priced_catalogs(draw):
    catalog = draw(CATALOGS)
    return [replace(c, card=draw(st.sampled_from(CARDS))) for c in catalog]


def reference_chain(catalog, r, key=None) -> list[int]:
    """Every eligible model sorted by the usage key (ties: the flat order), then preferred, other providers, rest."""
    index, scale = build_index(catalog), _Scale(catalog)
    flat = sorted(
        (c for c in catalog if rejection(c, r) is None), key=lambda c: (-score(c, r.strategy, scale), c.model, c.id)
    )
    ordered = sorted(flat, key=key or _usage_key(index, r))
    count = r.fallbacks + 1
    chain = [c for name in dict.fromkeys(r.preferred) for c in ordered if c.model == name][:count]
    for c in ordered:
        if len(chain) < count and c not in chain and c.provider not in {x.provider for x in chain}:
            chain.append(c)
    chain += [c for c in ordered if c not in chain]
    return [c.id for c in chain[:count]]


@settings(max_examples=300, deadline=None)
@given(
    catalog=priced_catalogs(),
    requirements=REQUIREMENTS,
    usage=usages(service_tier="standard"),
    strategy=st.sampled_from(["cheapest", "balanced"]),
)
def test_the_usage_chain_is_the_reference_chain(catalog, requirements, usage, strategy):
    wanted = replace(requirements, strategy=strategy, usage=usage)
    result = select(build_index(catalog), wanted)
    chain = chain_of(result)
    assert [ranked.candidate.id for ranked in chain] == reference_chain(catalog, wanted)
    assert all(rejection(ranked.candidate, wanted) is None for ranked in chain)
    assert result.eligible == sum(1 for c in catalog if rejection(c, wanted) is None)


@settings(max_examples=100, deadline=None)
@given(catalog=priced_catalogs(), usage=usages(service_tier="standard"))
def test_without_preferences_the_cheapest_for_the_usage_comes_first(catalog, usage):
    wanted = Requirements(strategy="cheapest", callable_only=False, usage=usage)
    index = build_index(catalog)
    result = select(index, wanted)
    if result.selected is not None:
        key = _usage_key(index, wanted)
        eligible = [c for c in catalog if rejection(c, wanted) is None]
        assert key(result.selected.candidate) == min(map(key, eligible))


def independent_score(c, r, scale) -> float:
    """The strategy's score with the price part from the exact quote (catalog.cards.card_quote), not the plan: a
    usage's cost scaled to the per-Mtok blend (2M tokens of the request), 0 when it cannot be priced."""
    result = None if c.card is None else card_quote(c.card, r.usage, requests_stated=r.requests_stated)
    tokens = r.usage.input_tokens + r.usage.output_tokens
    blend = 2_000_000 / tokens if tokens else 1.0
    price = 0.0 if result is None or not result.complete else 1.0 / (1.0 + float(result.total_cost) * blend)
    return score(c, r.strategy, scale, price)


@settings(max_examples=150, deadline=None)
@given(
    catalog=priced_catalogs(),
    requirements=REQUIREMENTS,
    usage=usages(service_tier="standard"),
    strategy=st.sampled_from(["cheapest", "balanced"]),
)
def test_scores_are_the_exact_quotes_and_rank_the_chain(catalog, requirements, usage, strategy):
    wanted = replace(requirements, strategy=strategy, usage=usage)
    result, scale = select(build_index(catalog), wanted), _Scale(catalog)
    for ranked in chain_of(result):
        assert abs(ranked.score - independent_score(ranked.candidate, wanted, scale)) <= 2e-6
    eligible = [c for c in catalog if rejection(c, wanted) is None]
    scores = sorted(independent_score(c, wanted, scale) for c in eligible)
    if all(higher - lower > 1e-7 for lower, higher in itertools.pairwise(scores)):  # no near-ties
        assert [ranked.candidate.id for ranked in chain_of(result)] == reference_chain(
            catalog, wanted, key=lambda c: -independent_score(c, wanted, scale)
        )


TIERED = PriceCard(
    prices={"input": D("0.000001"), "output": D("0.000004")},
    tiers=[Tier(200_000, False, {"input": D("0.000002"), "output": D("0.000008")})],
    service_tiers={"batch": ServiceTierPrices(prices={"input": D("0.0000005"), "output": D("0.000002")})},
)
AT = datetime(2026, 12, 7, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    ("usage", "said"),
    [
        (Usage(input_tokens=100_000, output_tokens=1_000, at=AT), "$0.104 for the stated usage"),
        (
            Usage(input_tokens=300_000, output_tokens=1_000, at=AT),
            "$0.608 for the stated usage (prompt above 200,000 tokens: long-context prices)",
        ),
        (
            Usage(input_tokens=100_000, output_tokens=1_000, service_tier="batch", at=AT),
            "$0.052 for the stated usage, batch prices",
        ),
    ],
)
def test_the_usage_reason_says_the_cost_the_tier_and_the_service_tier(usage, said):
    chosen = select(build_index([replace(CATALOG_MODEL, card=TIERED)]), Requirements(strategy="cheapest", usage=usage))
    assert [reason for reason in chosen.selected.reasons if "stated usage" in reason] == [said]


def test_a_usage_with_an_unpriced_unit_says_the_cost_is_incomplete_and_why():
    usage = Usage(input_tokens=300_000, output_tokens=1_000, web_searches=2, at=AT)
    chosen = select(build_index([replace(CATALOG_MODEL, card=TIERED)]), Requirements(strategy="cheapest", usage=usage))
    [said] = [reason for reason in chosen.selected.reasons if "stated usage" in reason]
    prefix = "$0.608 for the stated usage (prompt above 200,000 tokens: long-context prices), incomplete: "
    assert said.startswith(prefix) and "web_search" in said.removeprefix(prefix)


@pytest.mark.parametrize("strategy", ["cheapest", "balanced"])
@pytest.mark.parametrize(
    "usage",
    [
        Usage(input_tokens=250_000, output_tokens=4_000, cache_read_tokens=150_000, at=AT),  # a long cached prompt
        Usage(input_tokens=2_000, output_tokens=30_000, reasoning_tokens=20_000, at=AT),  # a long answer
    ],
)
def test_on_the_real_catalog_each_provider_is_represented_by_its_best_model_for_the_usage(strategy, usage):
    """The first picks are each provider's best for the usage by the exact quotes, best first (421 real models)."""
    catalog = real_candidates(421)
    wanted = Requirements(category="chat", strategy=strategy, usage=usage, fallbacks=5, callable_only=False)
    result, scale = select(build_index(catalog), wanted), _Scale(catalog)
    chain = [ranked.candidate for ranked in chain_of(result)]
    best = {}
    for c in catalog:
        if rejection(c, wanted) is None:
            best[c.provider] = max(best.get(c.provider, -1.0), independent_score(c, wanted, scale))
    expected = sorted(best.values(), reverse=True)[: len(chain)]
    assert [independent_score(c, wanted, scale) for c in chain] == pytest.approx(expected, abs=1e-9)
    assert len({c.provider for c in chain}) == len(chain)
