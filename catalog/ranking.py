"""Ranking for selection: the per-strategy score and the catalog-wide index sorted best-first for every strategy
(built once per catalog version). Pure, like catalog.selection."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from catalog.candidates import CAPABILITIES, STRATEGIES, Candidate
from catalog.estimates import CostPlan

BALANCED_PRICE_WEIGHT = 0.25
USAGE_STRATEGIES = ("cheapest", "balanced")  # ranked by what the stated usage costs when a usage is stated
# The candidates of one provider and plan as (position in the strategy's flat order, candidate), best-first.
Stream = tuple[tuple[int, Candidate], ...]


class _Scale:
    """Catalog-wide maxima, so a model's score is the same in every request against one catalog version."""

    def __init__(self, candidates: Iterable[Candidate]) -> None:
        candidates = tuple(candidates)
        self.context = max((c.context for c in candidates), default=0) or 1
        self.output = max((c.output for c in candidates), default=0) or 1
        self.popularity = max((c.popularity for c in candidates), default=0) or 1


@dataclass(frozen=True)
class CatalogIndex:
    """Every candidate sorted best-first per strategy, also split by category, and the same for the callable ones
    alone (the default pool, so leaving the others out costs a request nothing); built once per catalog version."""

    size: int
    scale: _Scale
    ordered: dict[str, tuple[Candidate, ...]]
    by_category: dict[tuple[str, str], tuple[Candidate, ...]]
    callable_ordered: dict[str, tuple[Candidate, ...]] = field(default_factory=dict)
    callable_by_category: dict[tuple[str, str], tuple[Candidate, ...]] = field(default_factory=dict)
    not_callable: Counter[str] = field(default_factory=Counter)  # NOT_CALLABLE key -> how many candidates
    balanced_rest: dict[int, float] = field(default_factory=dict)  # id -> the balanced score but its price part
    # strategy -> (provider, the candidates of one provider and plan) for USAGE_STRATEGIES: a usage prices a plan
    # once and leaves the order within a group as it is, so a request reads the groups' heads, not a sorted catalog.
    usage_streams: dict[str, tuple[tuple[str, Stream], ...]] = field(default_factory=dict)


def build_index(candidates: Iterable[Candidate]) -> CatalogIndex:
    candidates = tuple(candidates)
    scale = _Scale(candidates)
    ordered = {
        strategy: tuple(sorted(candidates, key=lambda c, s=strategy: (-score(c, s, scale), c.model, c.id)))
        for strategy in STRATEGIES
    }
    categories = {c.category for c in candidates}
    by_category = {
        (strategy, category): tuple(c for c in ordered[strategy] if c.category == category)
        for strategy in STRATEGIES
        for category in categories
    }
    only_callable = {key: tuple(c for c in pool if c.callable) for key, pool in ordered.items()}
    only_callable_by_category = {key: tuple(c for c in pool if c.callable) for key, pool in by_category.items()}
    not_callable = Counter(c.not_callable_reason or "unknown" for c in candidates if not c.callable)
    rest = {c.id: score(c, "balanced", scale, 0.0) for c in candidates}
    streams = {strategy: _plan_streams(ordered[strategy], rest, strategy) for strategy in USAGE_STRATEGIES}
    return CatalogIndex(
        len(candidates), scale, ordered, by_category, only_callable, only_callable_by_category, not_callable, rest,
        streams,
    )  # fmt: skip


def _plan_streams(ordered: tuple[Candidate, ...], rest: dict[int, float], strategy: str):
    """The candidates grouped by provider and cost plan, each group best-first for the strategy whatever the usage:
    by the rest of the balanced score (the price part is the group's own), then by the flat order."""
    groups: dict[tuple[str, CostPlan | None], list[tuple[int, Candidate]]] = defaultdict(list)
    for position, c in enumerate(ordered):
        groups[c.provider, c.plan].append((position, c))
    if strategy == "balanced":
        for group in groups.values():
            group.sort(key=lambda entry: -rest[entry[1].id])  # stable: ties keep the flat order
    return tuple((provider, tuple(group)) for (provider, _), group in groups.items())


def _price_score(c: Candidate) -> float:
    cost = c.blended_cost
    return 0.0 if cost is None else 1.0 / (1.0 + float(cost))


def usage_price_score(cost: float | None, scale: float) -> float:
    """The price score of a request's cost (catalog.estimates.usage_scale turns it into a per-Mtok blend)."""
    return 0.0 if cost is None else 1.0 / (1.0 + cost * scale)


def score(c: Candidate, strategy: str, scale: _Scale, price_score: float | None = None) -> float:
    """How well `c` fits the strategy, 0..1 (higher is better); `price_score` replaces the flat prices' (the score
    of a stated usage's cost)."""
    if price_score is None:
        price_score = _price_score(c)
    capability = len(c.capabilities) / len(CAPABILITIES)
    context = c.context / scale.context
    popularity = c.popularity / scale.popularity
    if strategy == "cheapest":
        return price_score
    if strategy == "largest_context":
        return context
    if strategy == "most_capable":
        return 0.6 * capability + 0.2 * context + 0.2 * c.output / scale.output
    if strategy == "popular":
        return 0.9 * popularity + 0.1 * c.is_recommended
    return (
        0.35 * capability
        + BALANCED_PRICE_WEIGHT * price_score
        + 0.2 * context
        + 0.1 * c.is_recommended
        + 0.1 * popularity
    )
