"""Pure model selection: hard requirements filter, a strategy ranks, fallbacks prefer other providers.

No ORM, no settings, no I/O: candidates and requirements are plain frozen values. `build_index()` runs once per
catalog version and sorts the candidates best-first for every strategy (scores are scaled to the whole catalog, so
they do not depend on the request); `select()` then only filters those pre-sorted tuples, which keeps a call over
20,000 models within a few milliseconds. Ties break on model name, then id, so the result never depends on the order
rows came from the database.

Only models the team can call are considered unless the requirements say otherwise (`callable_only`): a candidate
carries whether it can be called and, when not, why (`NOT_CALLABLE`). A selection that finds nothing callable says
so, in words, in `Selection.reasons`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from decimal import Decimal

STRATEGIES = ("balanced", "cheapest", "most_capable", "largest_context", "popular")
CAPABILITIES = (
    "vision", "function_calling", "parallel_function_calling", "json_schema", "reasoning", "prompt_caching",
    "audio_input", "audio_output", "web_search", "pdf_input",
)  # fmt: skip
# Why a model cannot be called, in the words a selection's reasons use (the API's `not_callable_reason` values).
NOT_CALLABLE = {
    "demo_catalog": "the bundled demo catalog is not a gateway; set LITELLM_PROXY_URL",
    "descriptive_only": "its source only describes models, nothing is called through it",
    "no_api_key": "it needs an API key and its source names no key variable",
    "key_not_in_environment": "its source's API key variable is not set in the environment",
}
_BIT = {name: 1 << position for position, name in enumerate(CAPABILITIES)}
_NO_PRICE = Decimal("Infinity")  # above every (finite) price cap
_NO_SAFETY = Decimal(-1)  # below every safety floor


@dataclass(frozen=True, slots=True)
class Candidate:
    """One selectable model as plain values; the derived fields are what the hot filters compare."""

    id: int
    model: str
    provider: str
    category: str
    capabilities: frozenset[str]
    context_window: int | None
    max_output_tokens: int | None
    pricing_status: str
    input_cost: Decimal | None  # $ per Mtok
    output_cost: Decimal | None
    is_free: bool
    safety_score: Decimal | None
    popularity: int
    is_recommended: bool
    linked: tuple[tuple[str, str], ...] = ()  # (field, source) of the facts a linked record supplied
    callable: bool = True
    not_callable_reason: str | None = None  # a NOT_CALLABLE key when not callable
    mask: int = field(init=False, repr=False, compare=False)
    context: int = field(init=False, repr=False, compare=False)
    output: int = field(init=False, repr=False, compare=False)
    input_cap: Decimal = field(init=False, repr=False, compare=False)
    output_cap: Decimal = field(init=False, repr=False, compare=False)
    safety: Decimal = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        derived = {
            "mask": sum(_BIT.get(name, 0) for name in self.capabilities),
            "context": self.context_window or 0,
            "output": self.max_output_tokens or 0,
            "input_cap": _cap_price(self.pricing_status, self.input_cost),
            "output_cap": _cap_price(self.pricing_status, self.output_cost),
            "safety": _NO_SAFETY if self.safety_score is None else self.safety_score,
        }
        for name, value in derived.items():
            object.__setattr__(self, name, value)

    @property
    def blended_cost(self) -> Decimal | None:
        """Input + output $ per Mtok; None when the price is unknown or variable."""
        if self.pricing_status == "free":
            return Decimal(0)
        if self.pricing_status != "known" or self.input_cost is None or self.output_cost is None:
            return None
        return self.input_cost + self.output_cost


def _cap_price(status: str, price: Decimal | None) -> Decimal:
    """The price a cap compares: free is 0, known is the price, unknown/variable never fits a cap."""
    if status == "free":
        return Decimal(0)
    return price if status == "known" and price is not None else _NO_PRICE


@dataclass(frozen=True, slots=True)
class Requirements:
    category: str | None = None
    capabilities: frozenset[str] = frozenset()
    min_context: int | None = None
    min_output_tokens: int | None = None
    max_input_cost: Decimal | None = None
    max_output_cost: Decimal | None = None
    free_only: bool = False
    providers: frozenset[str] = frozenset()
    exclude_providers: frozenset[str] = frozenset()
    min_safety: Decimal | None = None
    preferred: tuple[str, ...] = ()
    strategy: str = "balanced"
    fallbacks: int = 3
    callable_only: bool = True  # False: models that cannot be called are candidates too (their reasons say so)


@dataclass(frozen=True, slots=True)
class Ranked:
    candidate: Candidate
    score: float
    reasons: tuple[str, ...]


@dataclass
class Selection:
    selected: Ranked | None
    fallbacks: list[Ranked]
    eligible: int
    considered: int
    rejections: dict[str, int] = field(default_factory=dict)
    nothing_callable: bool = False  # nothing fits, and models that cannot be called would have (or none can be at all)
    reasons: tuple[str, ...] = ()  # why the selection is what it is, when that needs saying


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
    return CatalogIndex(
        len(candidates), scale, ordered, by_category, only_callable, only_callable_by_category, not_callable
    )


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
    if required <= _BIT.keys():  # the usual case: one integer AND per candidate
        mask = sum(_BIT[name] for name in required)
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


def _price_score(c: Candidate) -> float:
    cost = c.blended_cost
    return 0.0 if cost is None else 1.0 / (1.0 + float(cost))


def score(c: Candidate, strategy: str, scale: _Scale) -> float:
    """How well `c` fits the strategy, 0..1 (higher is better)."""
    capability = len(c.capabilities) / len(CAPABILITIES)
    context = c.context / scale.context
    popularity = c.popularity / scale.popularity
    if strategy == "cheapest":
        return _price_score(c)
    if strategy == "largest_context":
        return context
    if strategy == "most_capable":
        return 0.6 * capability + 0.2 * context + 0.2 * c.output / scale.output
    if strategy == "popular":
        return 0.9 * popularity + 0.1 * c.is_recommended
    return 0.35 * capability + 0.25 * _price_score(c) + 0.2 * context + 0.1 * c.is_recommended + 0.1 * popularity


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
        said.append(told(f"${c.input_cost.normalize():f} in / ${c.output_cost.normalize():f} out per Mtok", "pricing"))
    else:
        said.append(f"price {c.pricing_status}")
    if r.strategy in ("largest_context", "most_capable"):
        said.append(told(f"context window {c.context:,} tokens", "context_window"))
    if r.strategy == "most_capable":
        said.append(f"{len(c.capabilities)} capabilities")
    if r.strategy == "popular":
        said.append(f"popularity {c.popularity}")
    if c.is_recommended:
        said.append("recommended")
    return tuple(said)


def select(index: CatalogIndex, requirements: Requirements) -> Selection:
    """The best eligible model and up to `requirements.fallbacks` more; `selected` is None when nothing fits."""
    eligible, rejections = _eligible(index, requirements)
    chain = _chain(eligible, requirements)
    preferred = set(requirements.preferred)
    ranked = [
        Ranked(c, round(score(c, requirements.strategy, index.scale), 6),
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
