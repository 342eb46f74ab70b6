"""Selection by a stated usage (issue #28): `cheapest` and `balanced` rank by what the usage costs on each model.

The chain is read from the index's per-(provider, plan) groups without sorting the catalog (catalog.selection
`_usage_chain`); the reference here sorts every eligible model by the same key, stably over the flat order, and
builds the chain the obvious way. Cards are real OpenRouter ones, so models share plans as deployments do."""

from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from catalog.candidates import Requirements
from catalog.ranking import _Scale, build_index, score
from catalog.selection import _usage_key, rejection, select
from tests.catalog.pricing.strategies import usages
from tests.catalog.real_catalog import openrouter_cards
from tests.catalog.test_selection import CATALOGS, REQUIREMENTS, chain_of


def _some_real_cards() -> list:
    cards = openrouter_cards()
    tiered = [card for card in cards.values() if card.tiers or card.windows]  # long-context tiers, time windows
    flat = [card for card in cards.values() if not (card.tiers or card.windows)]
    return [None, *tiered[:6], *flat[:: max(1, len(flat) // 12)]]


CARDS = _some_real_cards()


@st.composite
def priced_catalogs(draw):
    catalog = draw(CATALOGS)
    return [replace(c, card=draw(st.sampled_from(CARDS))) for c in catalog]


def reference_chain(catalog, r) -> list[int]:
    """Every eligible model sorted by the usage key (ties: the flat order), then preferred, other providers, rest."""
    index, scale = build_index(catalog), _Scale(catalog)
    flat = sorted(
        (c for c in catalog if rejection(c, r) is None), key=lambda c: (-score(c, r.strategy, scale), c.model, c.id)
    )
    ordered = sorted(flat, key=_usage_key(index, r))
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
