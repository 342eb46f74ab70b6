"""Pure normalization helpers shared by the adapters: prices, numbers, flags, text (key-like tokens: sync.scrub).
(Payload shape and ids: modelsync.sync.build; provider, category and names: modelsync.sync.names.)

Nothing here raises on arbitrary JSON: a helper given the wrong type answers None/""/() and the adapter records a
finding (a whole payload of the wrong shape: modelsync.sync.build.payload_items raises PayloadError).
"""

from __future__ import annotations

import fnmatch
import re
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

from catalog.entries import MTOK
from modelsync.sync.build import memoized
from modelsync.sync.records import Finding
from modelsync.sync.scrub import KEY_LIKE

PRICE_QUANTUM = Decimal("1e-9")  # the catalog stores $/Mtok with 9 decimal places
MAX_PER_MTOK = Decimal("1e10")  # the column holds 11 integer digits; anything near that is not a real price
MAX_INT = 2_147_483_647  # PostgreSQL integer: a larger token count is garbage, not a model
PRICE_PROBLEMS = {
    "negative_price": "negative price ignored",
    "price_out_of_range": "absurd price ignored",
    "free_with_cost": "marked free but has a non-zero price",
}
VARIABLE = frozenset({"-1", -1})  # OpenRouter's "price decided per request" (openrouter/auto); -1.0 == -1 too
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def as_dict(value: object) -> dict:
    return value if isinstance(value, dict) else {}


def str_list(value: object) -> tuple[str, ...]:
    """The strings of a JSON list; anything else (a string, an object, null) is no list at all."""
    return tuple([v for v in value if v.__class__ is str]) if value.__class__ is list else ()


def to_decimal(value: object) -> Decimal | None:
    """A price as upstreams send it (str, int, float) -> exact Decimal; floats go through repr, never arithmetic."""
    if value.__class__ is float:
        value = repr(value)  # 1e-07 -> Decimal("1E-7"), not the binary expansion
    elif value.__class__ is int:
        return Decimal(value) if -(10**30) < value < 10**30 else None
    if value.__class__ is not str or len(value) > 64:  # bool, None, lists, objects, absurdly long strings
        return None
    try:
        number = Decimal(value)  # surrounding whitespace is accepted, as JSON producers sometimes add it
    except InvalidOperation:
        return None
    # Exponents beyond 30 are no price; refusing them here keeps later arithmetic from overflowing.
    return number if number.is_finite() and number.adjusted() <= 30 else None


def per_mtok(per_token: Decimal | None) -> Decimal | None:
    """$/token -> $/Mtok at the catalog's 9 places; None when there is none or it cannot be a real price."""
    if per_token is None:
        return None
    value = per_token * MTOK
    if value >= MAX_PER_MTOK:
        return None
    return value.quantize(PRICE_QUANTUM)


def as_int(value: object) -> int | None:
    """A token count (int, or the float `64000.0` model_group_info sends) -> int; anything else -> None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and 0 <= value <= MAX_INT:
        return value
    return None


def pricing(
    external_id: str, input_per_token: object, output_per_token: object, *, source_says_free: bool
) -> tuple[dict, list[Finding]]:
    """Pricing fields for a record, and findings. Free needs zero prices *and* the source saying free (SPEC §5)."""
    try:
        fields, problem = _pricing(input_per_token, output_per_token, source_says_free)
    except TypeError:  # unhashable prices (lists, objects) cannot be cached; they are no prices either
        fields, problem = _pricing_uncached(input_per_token, output_per_token, source_says_free)
    if problem is None:
        return fields, []
    return fields, [Finding(problem, PRICE_PROBLEMS[problem], external_id, counts_as_invalid=False)]


@memoized(4096)
def _pricing(input_per_token: object, output_per_token: object, source_says_free: bool) -> tuple[dict, str | None]:
    # Cached: a catalog has few distinct price pairs, and a sync repeats the last one's. Callers never mutate.
    return _pricing_uncached(input_per_token, output_per_token, source_says_free)


def _pricing_uncached(input_per_token: object, output_per_token: object, says_free: bool) -> tuple[dict, str | None]:
    """(pricing fields, problem kind or None) for one pair of per-token prices."""
    if _is_variable(input_per_token) or _is_variable(output_per_token):
        return {"pricing_status": "variable"}, None
    prices = (to_decimal(input_per_token), to_decimal(output_per_token))
    if (prices[0] is not None and prices[0] < 0) or (prices[1] is not None and prices[1] < 0):
        return {"pricing_status": "unknown"}, "negative_price"
    per_mtoks = (per_mtok(prices[0]), per_mtok(prices[1]))
    if (prices[0] is not None and per_mtoks[0] is None) or (prices[1] is not None and per_mtoks[1] is None):
        return {"pricing_status": "unknown"}, "price_out_of_range"
    if says_free:
        if prices[0] or prices[1]:
            return _known(per_mtoks), "free_with_cost"
        return free_pricing(), None
    if None in prices or not (prices[0] or prices[1]):  # a zero or missing price alone says nothing
        return {"pricing_status": "unknown"}, None
    return _known(per_mtoks), None


@memoized(4096)
def is_positive_price(value: object) -> bool:
    """A priced extra (cache reads, web search) the model offers: a price above zero."""
    price = to_decimal(value)
    return price is not None and price > 0


def _is_variable(value: object) -> bool:
    return (value.__class__ is str or value.__class__ is int) and value in VARIABLE


def _known(per_mtoks: tuple[Decimal | None, Decimal | None]) -> dict:
    # Only called with at least one non-zero price that fits the column, so at least one per-Mtok price is set.
    return {"pricing_status": "known", "input_cost_per_mtok": per_mtoks[0], "output_cost_per_mtok": per_mtoks[1]}


def free_pricing() -> dict:
    """Pricing fields of a model the source itself says is free (a local model): no cost to check."""
    return {"pricing_status": "free", "input_cost_per_mtok": Decimal(0), "output_cost_per_mtok": Decimal(0),
            "is_free": True}  # fmt: skip


def safety_score(value: object) -> Decimal | None:
    """An untrusted model_info value: used only when it is a JSON number in [0, 1]."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    score = to_decimal(value)
    return score.quantize(Decimal("0.001")) if score is not None and 0 <= score <= 1 else None


def matches_any(name: str, patterns: tuple[str, ...]) -> bool:
    """Whether a glob of config.recommended_patterns (or include/exclude lists) matches the name, case-sensitively."""
    return bool(patterns) and _globs(patterns).match(name) is not None


@memoized(64)
def _globs(patterns: tuple[str, ...]) -> re.Pattern:
    """One compiled regex for a tuple of globs: a sync tests every model against the same patterns."""
    return re.compile("|".join(f"(?:{fnmatch.translate(pattern)})" for pattern in patterns))


def derive_tags(*, is_free: bool, capabilities: tuple[str, ...], context_window: int | None) -> tuple[str, ...]:
    tags = []
    if is_free:
        tags.append("free")
    if "reasoning" in capabilities:
        tags.append("reasoning")
    if "vision" in capabilities:
        tags.append("multimodal")
    if context_window and context_window >= 1_000_000:
        tags.append("long-context")
    return tuple(tags)


def iso_datetime(value: object) -> datetime | None:
    """An ISO date or datetime string -> aware datetime (UTC when no offset); anything else -> None."""
    if not isinstance(value, str) or len(value) > 64:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def last_retirement(dates: list[object]) -> datetime | None:
    """The day a name retires when each of `dates` is one deployment's stated date: the latest, and none at all if one
    deployment states none or an unreadable one (that deployment keeps the name callable)."""
    parsed = [iso_datetime(value) for value in dates]
    return None if not parsed or None in parsed else max(parsed)


def clean_text(value: object, limit: int = 500) -> str:
    """Untrusted upstream text: a string, without control characters or key-like tokens, truncated."""
    # Cut first (descriptions can be long, and the cache keeps its keys); the margin keeps a key whole for redaction.
    return _clean_text(value[: limit + 100], limit) if value.__class__ is str else ""


@memoized(16384)
def _clean_text(text: str, limit: int) -> str:
    # Cached: a sync repeats the previous one's names and descriptions, and cleaning is the costly part of a model.
    if not text.isprintable():  # newlines mostly: a space each; other unprintables (rare) are dropped
        text = _CONTROL.sub(" ", text)
        if not text.isprintable():
            text = "".join(ch for ch in text if ch.isprintable())
    lowered = text.lower()
    # A cheap gate before the slow regex: these substrings are what every key-like token starts with.
    if "bearer" in lowered or "sk-" in lowered or "key-" in lowered or "pk-" in lowered or "rk-" in lowered:
        text = KEY_LIKE.sub("[redacted]", text)
    return text[:limit]
