"""Pure: which descriptive record (OpenRouter, the cost map) describes each callable model, and what it adds.

No ORM, no I/O. A callable model is known by its routes (a LiteLLM deployment's `litellm_params.model`, else the
name a client sends); a descriptive record by its names (its id, and for the cost map also `provider/key`). The
matcher tries, per descriptive source, the strictest method first:

    exact       openai/gpt-4o = openai/gpt-4o; openrouter/x/y = x/y; gemini/… = google/…
    normalized  anthropic/claude-3-5-sonnet = anthropic/claude-3.5-sonnet (case, '.', '_' and '-' alike)
    dated       anthropic/claude-3-5-sonnet-20241022 -> anthropic/claude-3.5-sonnet (the route's date dropped)
    variant     meta-llama/llama-3.3-70b-instruct:free -> …-instruct; mistral-large-latest -> mistral-large

Only the route is shortened, never the record: a dated or `:free` record is not the model a general route calls,
and a paid route linked to a `:free` record would be priced at nothing. A shortened route is not linked to a
family the source also lists by version (OpenRouter's `mistralai/mistral-large` is Large 2 beside
`mistral-large-2512`, so `mistral-large-latest` is neither for certain). When two records tie, nothing is linked:
a missed link costs a blank field, a wrong one a wrong fact.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from catalog.pricing import PriceCard, card_filled, card_from_json, card_to_json
from modelsync.sync.build import memoized

METHODS = ("exact", "normalized", "dated", "variant")
# LiteLLM's provider route prefixes (and the catalog's provider enum) -> OpenRouter's vendor slugs.
VENDOR_SLUGS = {
    "gemini": "google", "vertex_ai": "google", "mistral": "mistralai", "xai": "x-ai", "meta": "meta-llama",
    "meta_llama": "meta-llama", "moonshot": "moonshotai", "zhipu": "z-ai",
}  # fmt: skip
HOPS = ("openrouter/",)  # a route through OpenRouter names OpenRouter's own id after this prefix
_DATE = re.compile(r"[-@](?:\d{8}|\d{4}-\d{2}-\d{2})$")
_VERSION = re.compile(r"-(?:\d{8}|\d{4}(?:-\d{2}-\d{2})?)$")  # a record's -2512, -20240620, -2024-08-06
_VARIANTS = (":free", "-latest")
# What a link may fill in, when the callable source leaves it empty; the price fields travel together. expires_at is
# the linked record's retirement date (OpenRouter's expiration_date, the cost map's deprecation_date).
FACTS = ("capabilities", "context_window", "max_output_tokens", "description", "expires_at")
PRICE_FACTS = ("pricing_status", "input_cost_per_mtok", "output_cost_per_mtok", "is_free")


@dataclass(frozen=True, slots=True)
class Routed:
    """A callable catalog model: its id, its source and the upstream names it is routed to."""

    id: int
    source_id: int
    routes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Described:
    """A descriptive record; `names[0]` is its own id, later names are spellings derived from it."""

    id: int
    source_id: int
    names: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Match:
    target_id: int
    method: str
    route: str


def exact_key(name: str) -> str:
    name = name.strip().lower()
    vendor, slash, rest = name.partition("/")
    return f"{VENDOR_SLUGS.get(vendor, vendor)}/{rest}" if slash else name


def route_names(route: str) -> tuple[str, ...]:
    """A route as given and, through a hop (`openrouter/x/y`), the id it names there (`x/y`)."""
    for hop in HOPS:
        if route.lower().startswith(hop):
            return route, route[len(hop) :]
    return (route,)


def normalized_key(key: str) -> str:
    return key.replace(".", "-").replace("_", "-")


def route_keys(route: str) -> Iterator[tuple[str, str]]:
    """(method, key) from the strictest to the loosest; each key is looked up in that method's index."""
    exact = exact_key(route)
    yield "exact", exact
    normalized = normalized_key(exact)
    yield "normalized", normalized
    undated = _DATE.sub("", normalized)
    if undated != normalized:
        yield "dated", undated
    for variant in _VARIANTS:
        if undated.endswith(variant):
            general = undated.removesuffix(variant)
            yield "variant", general
            if (undated_general := _DATE.sub("", general)) != general:
                yield "variant", undated_general


def costmap_names(key: str, provider_raw: str) -> tuple[str, ...]:
    """A cost map key (`gpt-4o`, `azure/gpt-4o`) and the `provider/key` a LiteLLM route spells it as."""
    prefix = f"{provider_raw.lower()}/"
    return (key,) if not provider_raw or key.lower().startswith(prefix) else (key, prefix + key)


def model_routes(model: str, provider: str, deployments: Iterable[str] = ()) -> tuple[str, ...]:
    """A gateway model's routes: its deployments' upstream models, else its own name (and `provider/name`)."""
    routes = tuple(route for route in deployments if route)
    if routes:
        return routes
    return (model,) if "/" in model or provider == "other" else (model, f"{provider}/{model}")


# Memoized: a sync matches the same names as the last one (20,000 records, every 15 minutes, SPEC §9).
@memoized(1 << 17)
def _name_keys(name: str) -> tuple[str, str, str]:
    """A record name's exact and normalized keys, and the family it is a version of ("" when none)."""
    exact = exact_key(name)
    normalized = normalized_key(exact)
    family = _VERSION.sub("", normalized)
    return exact, normalized, family if family != normalized else ""


@memoized(1 << 16)
def _route_keys(name: str) -> tuple[tuple[str, str], ...]:
    return tuple(route_keys(name))


class Index:
    """Every descriptive record's keys, per source and method: key -> {id: rank of the name it came from}."""

    def __init__(self, records: Iterable[Described]) -> None:
        self.by_source: dict[int, _SourceKeys] = {}
        for record in records:
            keys = self.by_source.setdefault(record.source_id, _SourceKeys())
            for rank, name in enumerate(record.names):
                exact, normalized, family = _name_keys(name)
                _keep(keys.exact.setdefault(exact, {}), record.id, rank)
                _keep(keys.normalized.setdefault(normalized, {}), record.id, rank)
                if family:
                    keys.versioned.add(family)

    def match(self, model: Routed) -> dict[int, Match]:
        """Target source id -> the link for `model`, for every descriptive source (but its own) that knows it."""
        found = {}
        routes = [(route, name) for route in model.routes for name in route_names(route)]
        for source_id, keys in self.by_source.items():
            if source_id != model.source_id and (match := _best(routes, keys)):
                found[source_id] = match
        return found


@dataclass(slots=True)
class _SourceKeys:
    """One source's records by exact and by normalized key, and the families it also lists by version."""

    exact: dict[str, dict[int, int]] = field(default_factory=dict)
    normalized: dict[str, dict[int, int]] = field(default_factory=dict)
    versioned: set[str] = field(default_factory=set)


def _keep(ids: dict[int, int], record_id: int, rank: int) -> None:
    ids[record_id] = min(rank, ids.get(record_id, rank))


def _best(routes: list[tuple[str, str]], keys: _SourceKeys) -> Match | None:
    """The strictest method any route matches by; among routes, the first (a model's primary deployment)."""
    candidates = [(route, _route_keys(name)) for route, name in routes]
    for method in METHODS:
        index = keys.exact if method == "exact" else keys.normalized
        shortened = method in ("dated", "variant")
        for route, route_key_list in candidates:
            for key_method, key in route_key_list:
                if key_method != method or (shortened and key in keys.versioned):
                    continue
                if target := _unique(index, key):
                    return Match(target, method, route)
    return None


def _unique(index: dict[str, dict[int, int]], key: str) -> int | None:
    """The one record a key names (its own id beats a derived spelling); None for none or a tie."""
    ids = index.get(key)
    if not ids:
        return None
    best = min(ids.values())
    winners = [record_id for record_id, rank in ids.items() if rank == best]
    return winners[0] if len(winners) == 1 else None


def enrichment(own: dict[str, Any], linked: list[tuple[str, dict[str, Any]]]) -> dict[str, dict[str, Any]]:
    """{fact: {"value", "from"}} for each fact `own` leaves empty that a linked record states (first link wins).

    `own` and each linked record's values are keyed by FACTS and PRICE_FACTS; the price fields are taken together,
    and only when the callable source knows no price at all (a price it states is what the team pays).
    """
    added = {}
    for fact in FACTS:
        if _empty(own.get(fact)):
            source, value = next(((name, values[fact]) for name, values in linked if not _empty(values.get(fact))),
                                 (None, None))  # fmt: skip
            if source is not None:
                added[fact] = {"value": value, "from": source}
    if own.get("pricing_status") == "unknown":
        for name, values in linked:
            if values.get("pricing_status") not in (None, "unknown"):
                added.update({fact: {"value": values.get(fact), "from": name} for fact in PRICE_FACTS})
                break
    return added


def _empty(value: object) -> bool:
    return value is None or value == "" or value == [] or value == ()


def _card(data: Any) -> PriceCard | None:
    try:
        return card_from_json(data) if data else None
    except ValueError:  # a card this release cannot read fills nothing and is filled by nothing
        return None


def price_card_enrichment(own: Any, linked: list[tuple[str, Any]]) -> dict[str, Any] | None:
    """{"value": card JSON, "from": source name} when linked records' cards (in link order) state units the row's
    own card leaves empty, each unit marked with the source it came from (catalog.pricing.card_filled); None when
    they add nothing. A row without any card of its own takes the first linked card whole."""
    card, first = _card(own), None
    for name, data in linked:
        other = _card(data)
        if other is None or not other.prices:
            continue
        if card is None or not card.prices:
            card = PriceCard(prices=other.prices, tiers=other.tiers, windows=other.windows,
                             service_tiers=other.service_tiers, provenance=dict.fromkeys(other.prices, name),
                             raw=other.raw)  # fmt: skip
            first = first or name
        elif (filled := card_filled(card, other, name)) != card:
            card, first = filled, first or name
    return None if first is None else {"value": card_to_json(card), "from": first}
