"""The values selection works on: a candidate model, the requirements, the ranked answer; plain frozen dataclasses,
no ORM, no settings, no I/O (catalog.snapshot builds candidates from the API's entries)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from catalog.estimates import CostPlan, cost_plan
from catalog.pricing import PriceCard, Usage

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
CAPABILITY_BITS = {name: 1 << position for position, name in enumerate(CAPABILITIES)}
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
    card: PriceCard | None = field(default=None, repr=False, compare=False)  # the effective card, parsed once
    plan: CostPlan | None = field(init=False, repr=False, compare=False)
    mask: int = field(init=False, repr=False, compare=False)
    context: int = field(init=False, repr=False, compare=False)
    output: int = field(init=False, repr=False, compare=False)
    input_cap: Decimal = field(init=False, repr=False, compare=False)
    output_cap: Decimal = field(init=False, repr=False, compare=False)
    safety: Decimal = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        derived = {
            "mask": sum(CAPABILITY_BITS.get(name, 0) for name in self.capabilities),
            "context": self.context_window or 0,
            "output": self.max_output_tokens or 0,
            "input_cap": _cap_price(self.pricing_status, self.input_cost),
            "output_cap": _cap_price(self.pricing_status, self.output_cost),
            "safety": _NO_SAFETY if self.safety_score is None else self.safety_score,
            "plan": cost_plan(self.card),
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
    usage: Usage | None = None  # the stated usage: cheapest and balanced then rank by what it costs
    requests_stated: bool = False  # whether usage.requests was sent (else it bills only where a card prices it)


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
