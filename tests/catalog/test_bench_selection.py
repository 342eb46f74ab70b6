"""SPEC §9: selection over 2,000 and 20,000 active models, ≤ 10 ms p50 per call at 20,000 (make bench).

The catalogs are the real OpenRouter snapshot repeated under new names. Each benchmark also checks the answer, so it
is a correctness test when benchmarks are disabled (the default run).
"""

from decimal import Decimal

import pytest

from catalog.candidates import Requirements
from catalog.ranking import build_index
from catalog.selection import rejection, select
from tests.catalog.real_catalog import real_candidates

pytestmark = pytest.mark.benchmark
BUDGET_MS = 10.0
# A demanding but typical request: several filters active, a price cap, five in the chain.
REQUEST = Requirements(
    category="chat",
    capabilities=frozenset({"function_calling"}),
    min_context=64_000,
    max_input_cost=Decimal("5"),
    exclude_providers=frozenset({"other"}),
    strategy="balanced",
    fallbacks=4,
)


@pytest.fixture(scope="module", params=[2_000, 20_000], ids=lambda n: f"{n}_models")
def catalog(request):
    candidates = real_candidates(request.param)
    return candidates, build_index(candidates)


@pytest.mark.parametrize("strategy", ["balanced", "cheapest"])
def test_selection_speed(benchmark, catalog, strategy):
    candidates, index = catalog
    wanted = Requirements(**{**{f: getattr(REQUEST, f) for f in REQUEST.__slots__}, "strategy": strategy})
    benchmark.extra_info.update(
        figure=f"selection, {strategy}, {len(candidates):,} models", budget=BUDGET_MS, unit="ms"
    )
    result = benchmark(select, index, wanted)
    chain = [result.selected, *result.fallbacks]
    assert len(chain) == 5 and result.considered == len(candidates)
    assert all(rejection(ranked.candidate, wanted) is None for ranked in chain)
    assert result.eligible == sum(1 for c in candidates if rejection(c, wanted) is None)
    assert len({ranked.candidate.provider for ranked in chain}) == 5


def test_index_build_is_a_once_per_version_cost(benchmark, catalog):
    """Not a SPEC budget: what every process pays once per catalog version before selecting."""
    candidates, _ = catalog
    benchmark.extra_info.update(figure=f"selection index build, {len(candidates):,} models")
    index = benchmark.pedantic(build_index, args=(candidates,), rounds=3, iterations=1)
    assert index.size == len(candidates) and len(index.ordered["cheapest"]) == len(candidates)
