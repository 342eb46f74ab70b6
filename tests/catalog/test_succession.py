"""The successor rule (catalog.succession), pure: selection's pick for the retiring model's own needs."""

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from catalog.candidates import Candidate
from catalog.ranking import build_index
from catalog.selection import select
from catalog.succession import successor_pick, successor_requirements
from tests.catalog.test_selection import CATALOGS


def model(id_: int, **overrides) -> Candidate:
    base = {"model": f"m{id_}", "provider": "openai", "category": "chat", "capabilities": frozenset({"vision"}),
            "context_window": 100_000, "max_output_tokens": 100, "pricing_status": "known",
            "input_cost": Decimal(1), "output_cost": Decimal(1), "is_free": False, "safety_score": None,
            "popularity": 0, "is_recommended": False}  # fmt: skip
    return Candidate(id=id_, **{**base, **overrides})


def test_the_same_providers_model_wins_over_a_better_one_of_another_provider():
    retiring = model(1)
    cheap_rival = model(2, provider="google", input_cost=Decimal("0.1"), output_cost=Decimal("0.1"))
    same = model(3)
    pick = successor_pick(build_index([retiring, cheap_rival, same]), retiring, set())
    assert pick.ranked.candidate.id == 3
    assert pick.reasons[:2] == ("same provider (openai)", "category chat") and "has vision" in pick.reasons


def test_models_left_out_and_models_missing_a_need_are_never_picked_and_another_provider_is_the_last_resort():
    retiring = model(1)
    also_retiring = model(2)
    no_vision = model(3, capabilities=frozenset())
    short = model(4, context_window=8_000)
    uncallable = model(5, callable=False, not_callable_reason="no_api_key")
    embedding = model(6, category="embedding")
    other = model(7, provider="anthropic", capabilities=frozenset({"vision", "reasoning"}))
    index = build_index([retiring, also_retiring, no_vision, short, uncallable, embedding, other])
    pick = successor_pick(index, retiring, {2})
    assert pick.ranked.candidate.id == 7 and pick.reasons[0] == "no openai model fits: the best of any provider"
    assert successor_pick(build_index([retiring, also_retiring]), retiring, {2}) is None


@settings(max_examples=150, deadline=None)
@given(catalog=CATALOGS, data=st.data())
def test_a_pick_is_callable_meets_every_need_and_prefers_the_same_provider(catalog, data):
    if not catalog:
        return
    retiring = data.draw(st.sampled_from(catalog))
    left_out = set(data.draw(st.lists(st.sampled_from([c.id for c in catalog]), max_size=5)))
    pick = successor_pick(build_index(catalog), retiring, left_out)

    def fits(c: Candidate) -> bool:
        return (c.callable and c.category == retiring.category and retiring.capabilities <= c.capabilities
                and c.context >= retiring.context and c.id not in left_out | {retiring.id})  # fmt: skip

    fitting = [c for c in catalog if fits(c)]
    if not fitting:
        assert pick is None
        return
    chosen = pick.ranked.candidate
    assert fits(chosen)
    assert (chosen.provider == retiring.provider) == any(c.provider == retiring.provider for c in fitting)


def test_however_many_better_models_are_left_out_the_best_one_kept_is_picked():
    retiring = model(1)
    also_retiring = [model(id_) for id_ in (2, 3, 4, 5)]  # all better than the one left: it costs ten times more
    dearer = model(6, input_cost=Decimal(10), output_cost=Decimal(10))
    index = build_index([retiring, *also_retiring, dearer])
    chosen = select(index, successor_requirements(retiring, same_provider=True, excluded=5))
    ranking = [r.candidate.id for r in (chosen.selected, *chosen.fallbacks)]
    assert sorted(ranking) == [1, 2, 3, 4, 5, 6] and ranking[-1] == 6  # selection's own order: the dearer one last
    pick = successor_pick(index, retiring, {2, 3, 4, 5})
    assert pick.ranked.candidate.id == 6 and pick.reasons[:2] == ("same provider (openai)", "category chat")
