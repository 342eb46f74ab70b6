"""Pure model selection: hard requirements filter, a strategy ranks, fallbacks prefer other providers.

No ORM, no settings, no I/O: candidates and requirements are plain frozen values (catalog.candidates).
`build_index()` (catalog.ranking) runs once per catalog version and sorts the candidates best-first for every
strategy (scores are scaled to the whole catalog, so they do not depend on the request); `select()` then only filters
those pre-sorted tuples, which keeps a call over 20,000 models within a few milliseconds. Ties break on model name,
then id, so the result never depends on the order rows came from the database.

Only models the team can call are considered unless the requirements say otherwise (`callable_only`): a candidate
carries whether it can be called and, when not, why (`NOT_CALLABLE`). A selection that finds nothing callable says
so, in words, in `Selection.reasons`.
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import replace
from itertools import islice
from typing import Any

from catalog.candidates import CAPABILITY_BITS, NOT_CALLABLE, Candidate, Ranked, Requirements, Selection
from catalog.cards import card_quote
from catalog.entries import decimal_text
from catalog.estimates import plan_cost, usage_leaves, usage_scale
from catalog.pricing import per_mtok
from catalog.ranking import BALANCED_PRICE_WEIGHT, USAGE_STRATEGIES, CatalogIndex, score, usage_price_score


def rejection(c: Candidate, r: Requirements) -> str | None:
    """The first hard requirement `c` fails, or None when it is eligible (the reference for the staged filters)."""
    if r.category and c.category != r.category:
        return "category"
    if r.callable_only and not c.callable:
        return "not_callable"
    if r.providers and c.provider not in r.providers:
        return "provider"
    if c.provider in r.exclude_providers:
        return "excluded_provider"
    if r.capabilities and not r.capabilities <= c.capabilities:
        return "capabilities"
    if r.min_context and c.context < r.min_context:
        return "context_window"
    if r.min_output_tokens and c.output < r.min_output_tokens:
        return "max_output_tokens"
    if r.free_only and not c.is_free:
        return "not_free"
    if r.max_input_cost is not None and c.input_cap > r.max_input_cost:
        return "input_cost"
    if r.max_output_cost is not None and c.output_cap > r.max_output_cost:
        return "output_cost"
    if r.min_safety is not None and c.safety < r.min_safety:
        return "safety_score"
    return None


_Stage = tuple[str, Callable[[list[Candidate]], list[Candidate]]]


def _stages(r: Requirements) -> Iterator[_Stage]:
    """rejection()'s checks in the same order, each as one list comprehension over the surviving pool."""
    if r.providers:
        yield "provider", lambda pool: [c for c in pool if c.provider in r.providers]
    if r.exclude_providers:
        yield "excluded_provider", lambda pool: [c for c in pool if c.provider not in r.exclude_providers]
    if r.capabilities:
        yield "capabilities", _capability_stage(r.capabilities)
    if r.min_context:
        yield "context_window", lambda pool: [c for c in pool if c.context >= r.min_context]
    if r.min_output_tokens:
        yield "max_output_tokens", lambda pool: [c for c in pool if c.output >= r.min_output_tokens]
    if r.free_only:
        yield "not_free", lambda pool: [c for c in pool if c.is_free]
    if r.max_input_cost is not None:
        yield "input_cost", lambda pool: [c for c in pool if c.input_cap <= r.max_input_cost]
    if r.max_output_cost is not None:
        yield "output_cost", lambda pool: [c for c in pool if c.output_cap <= r.max_output_cost]
    if r.min_safety is not None:
        yield "safety_score", lambda pool: [c for c in pool if c.safety >= r.min_safety]


def _capability_stage(required: frozenset[str]) -> Callable[[list[Candidate]], list[Candidate]]:
    if required <= CAPABILITY_BITS.keys():  # the usual case: one integer AND per candidate
        mask = sum(CAPABILITY_BITS[name] for name in required)
        return lambda pool: [c for c in pool if c.mask & mask == mask]
    return lambda pool: [c for c in pool if required <= c.capabilities]


def _eligible(index: CatalogIndex, r: Requirements) -> tuple[list[Candidate], dict[str, int]]:
    """The candidates meeting every hard requirement, best-first for the strategy, and rejections by reason."""
    pool: tuple[Candidate, ...] | list[Candidate] = index.ordered[r.strategy]
    rejections = {}
    if r.category:
        kept = index.by_category.get((r.strategy, r.category), ())
        if len(pool) - len(kept):
            rejections["category"] = len(pool) - len(kept)
        pool = kept
    if r.callable_only:  # the pre-built callable pool of the same (strategy[, category]): no pass over the catalog
        key = (r.strategy, r.category) if r.category else r.strategy
        kept = (index.callable_by_category if r.category else index.callable_ordered).get(key, ())
        if len(pool) - len(kept):
            rejections["not_callable"] = len(pool) - len(kept)
        pool = kept
    for reason, keep in _stages(r):
        kept = keep(pool)
        if len(pool) - len(kept):
            rejections[reason] = len(pool) - len(kept)
        pool = kept
    return list(pool), rejections


def reasons(c: Candidate, r: Requirements, *, preferred: bool) -> tuple[str, ...]:
    """Why this model is in the chain, in words a person reads; a fact from a linked record says so."""
    linked = dict(c.linked)

    def told(text: str, fact: str) -> str:
        return f"{text} — from {linked[fact]}" if fact in linked else text

    said = [] if c.callable else [f"cannot be called: {NOT_CALLABLE.get(c.not_callable_reason, 'unknown why')}"]
    if preferred:
        said.append("listed in preferred")
    if r.capabilities:
        said.append(told("has " + ", ".join(capability_label(name) for name in sorted(r.capabilities)), "capabilities"))
    if r.min_context:
        said.append(told(f"context {c.context:,} ≥ {r.min_context:,} tokens", "context_window"))
    if c.pricing_status == "free":
        said.append(told("free", "pricing"))
    elif c.blended_cost is not None:
        shown = per_mtok(c.card) if c.card is not None else (c.input_cost, c.output_cost)
        if None in shown:
            shown = (c.input_cost, c.output_cost)
        prices = f"${decimal_text(shown[0])} in / ${decimal_text(shown[1])} out per Mtok"
        said.append(told(prices, "pricing"))
    else:
        said.append(f"price {c.pricing_status}")
    if r.strategy in ("largest_context", "most_capable"):
        said.append(told(f"context window {c.context:,} tokens", "context_window"))
    if r.strategy == "most_capable":
        said.append(f"{len(c.capabilities)} capabilities")
    if r.strategy == "popular":
        said.append(f"popularity {c.popularity}")
    if r.usage is not None and c.card is not None:
        said.append(_usage_reason(c, r))
    if c.is_recommended:
        said.append("recommended")
    return tuple(said)


def _usage_reason(c: Candidate, r: Requirements) -> str:
    result = card_quote(c.card, r.usage, requests_stated=r.requests_stated)
    said = f"${decimal_text(result.total_cost)} for the stated usage"
    if result.tier is not None:
        said += f" (prompt above {result.tier:,} tokens: long-context prices)"
    if result.service_tier != "standard":
        said += f", {result.service_tier} prices"
    if not result.complete:
        said += ", incomplete: " + "; ".join(result.warnings)
    return said


def select(index: CatalogIndex, requirements: Requirements) -> Selection:
    """The best eligible model and up to `requirements.fallbacks` more; `selected` is None when nothing fits."""
    eligible, rejections = _eligible(index, requirements)
    by_usage = requirements.usage is not None and requirements.strategy in USAGE_STRATEGIES
    chain = _usage_chain(index, eligible, requirements) if by_usage else _chain(eligible, requirements)
    preferred = set(requirements.preferred)
    ranked = [
        Ranked(c, round(_usage_score(c, requirements, index) if by_usage else score(c, requirements.strategy,
                                                                                          index.scale), 6),
               reasons(c, requirements, preferred=c.model in preferred))
        for c in chain
    ]  # fmt: skip
    selection = Selection(ranked[0] if ranked else None, ranked[1:], len(eligible), index.size, rejections)
    if selection.selected is None and requirements.callable_only and rejections.get("not_callable"):
        if why := _nothing_callable(index, requirements):
            selection.nothing_callable, selection.reasons = True, (why,)
    elif requirements.callable_only is False and ranked and not all(c.callable for c in chain):
        selection.reasons = ("callable_only is false: models that cannot be called are offered; each says why",)
    return selection


def _usage_key(index: CatalogIndex, r: Requirements) -> Callable[[Candidate], Any]:
    """A candidate's sort key for the stated usage, lower first: minus its score, whose price part is what the usage
    costs on its plan; `balanced` then breaks ties on the rest of its score (as the index orders one plan's models,
    even where adding the price rounds two scores together). Each distinct plan is priced once per request (equal
    plans are one object)."""
    usage, stated = r.usage, r.requests_stated
    leaves, per_blend = usage_leaves(usage), usage_scale(usage)
    prices: dict = {}

    def price(plan) -> float:
        if plan not in prices:
            prices[plan] = usage_price_score(plan_cost(plan, usage, leaves, requests_stated=stated), per_blend)
        return prices[plan]

    if r.strategy == "balanced":
        rest = index.balanced_rest
        return lambda c: (-(rest[c.id] + BALANCED_PRICE_WEIGHT * price(c.plan)), -rest[c.id])
    return lambda c: -price(c.plan)


def _usage_chain(index: CatalogIndex, eligible: list[Candidate], r: Requirements) -> list[Candidate]:
    """_chain() for a stated usage, without sorting the eligible models: the index keeps each (provider, plan)
    group's candidates in their order already (one price per group), so the best of each other provider is the
    first eligible one of its groups, and filling up with the rest reads only the head of the groups' merge. Ties
    fall to the flat order (`position`), as a stable sort would leave them."""
    key, count = _usage_key(index, r), r.fallbacks + 1
    chain = sorted(_preferred(eligible, r.preferred), key=lambda c: (r.preferred.index(c.model), key(c)))[:count]
    left = set(map(id, eligible)) - set(map(id, chain))
    groups = index.usage_streams[r.strategy]

    def ranked(entries) -> Iterator[tuple[Any, int, Candidate]]:
        return ((key(c), position, c) for position, c in entries if id(c) in left)

    best: dict[str, tuple[Any, int, Candidate]] = {}  # provider -> its best eligible candidate
    taken = {c.provider for c in chain}
    for provider, entries in groups:
        if provider in taken or (head := next(ranked(entries), None)) is None:
            continue
        if provider not in best or head < best[provider]:
            best[provider] = head
    chain += [c for _, _, c in sorted(best.values())[: count - len(chain)]]
    if len(chain) < count:  # every provider is in: the best of the rest, whoever provides them
        left -= set(map(id, chain))
        merged = heapq.merge(*(ranked(entries) for _, entries in groups))
        chain += [c for _, _, c in islice(merged, count - len(chain))]
    return chain


def _usage_score(c: Candidate, r: Requirements, index: CatalogIndex) -> float:
    """One candidate's score for the stated usage (the chain's, as _by_usage ranked it)."""
    cost = plan_cost(c.plan, r.usage, usage_leaves(r.usage), requests_stated=r.requests_stated)
    return score(c, r.strategy, index.scale, usage_price_score(cost, usage_scale(r.usage)))


def capability_label(name: str) -> str:
    """A capability as people read it (and as the picker's chips show it): "function calling"."""
    return name.replace("_", " ")


def _nothing_callable(index: CatalogIndex, r: Requirements) -> str | None:
    """Why an empty selection is empty when models that cannot be called were left out, naming why they cannot;
    None when callability is not why (callable models exist, and none of the others would fit either)."""
    if len(index.callable_ordered.get(r.strategy, ())) == 0:
        counts = index.not_callable
        return "no model in the catalog can be called: " + _why(counts)
    would_fit, _ = _eligible(index, replace(r, callable_only=False))
    counts = Counter(c.not_callable_reason or "unknown" for c in would_fit if not c.callable)
    if not counts:
        return None
    return (
        f"no model that can be called fits these requirements; {sum(counts.values())} that cannot be called would "
        f'(send "callable_only": false to see them): {_why(counts)}'
    )


def _why(counts: Counter[str]) -> str:
    return "; ".join(NOT_CALLABLE.get(reason, "unknown why") for reason, _ in counts.most_common())


def _chain(eligible: list[Candidate], r: Requirements) -> list[Candidate]:
    """Preferred models first (in the order asked), then the best, then other providers first, then the rest."""
    count = r.fallbacks + 1
    chain = _preferred(eligible, r.preferred)[:count]
    chosen = {c.id for c in chain}
    providers = {c.provider for c in chain}
    left = len({c.provider for c in eligible} - providers)  # stop scanning once every provider is in
    for c in eligible:
        if len(chain) == count or (chain and not left):
            break
        if c.id not in chosen and (not chain or c.provider not in providers):
            left -= c.provider not in providers
            chain.append(c)
            chosen.add(c.id)
            providers.add(c.provider)
    for c in eligible:
        if len(chain) == count:
            break
        if c.id not in chosen:
            chain.append(c)
            chosen.add(c.id)
    return chain


def _preferred(eligible: list[Candidate], names: tuple[str, ...]) -> list[Candidate]:
    if not names:
        return []
    position = {name: order for order, name in reversed(list(enumerate(names)))}  # first mention wins
    picked = [c for c in eligible if c.model in position]
    return sorted(picked, key=lambda c: position[c.model])  # stable: best-first within one name
