"""The catalog list without a database: the same filters and pagination, applied to a snapshot's entries in memory."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from django_filters.utils import translate_validation

from catalog.api.filters import LLMModelFilter
from catalog.entries import text_decimal
from catalog.models import LLMModel

Check = Callable[[dict], bool]


def _price(entry: dict, key: str) -> Decimal | None:
    """The price a cap compares, as the database filter does: free is 0, unknown/variable never fits."""
    pricing = entry["pricing"]
    if pricing["status"] == "free":
        return Decimal(0)
    text = pricing[key]
    return text_decimal(text) if pricing["status"] == "known" else None


def _under(key: str, cap) -> Check:
    return lambda e: (price := _price(e, key)) is not None and price <= cap


def _search(text: str) -> Check:
    needle = text.lower()
    return lambda e: needle in e["model"].lower() or needle in e["display_name"].lower()


def _checks(cleaned: dict) -> list[Check]:
    """One predicate per filter given; each mirrors LLMModelFilter on the values the API shows."""
    given = {name: value for name, value in cleaned.items() if value not in (None, "", [])}
    builders: dict[str, Callable[[object], Check]] = {
        "provider": lambda v: lambda e: e["provider"] in v,
        "category": lambda v: lambda e: e["category"] == v,
        "capability": lambda v: lambda e: set(v) <= set(e["capabilities"]),
        "min_context": lambda v: lambda e: e["context_window"] is not None and e["context_window"] >= v,
        "max_input_cost": lambda v: _under("input_per_mtok", v),
        "max_output_cost": lambda v: _under("output_per_mtok", v),
        "is_free": lambda v: lambda e: e["is_free"] is v,
        "is_recommended": lambda v: lambda e: e["is_recommended"] is v,
        "usable": lambda v: lambda e: e["api_key_available"] is v,
        "min_safety": lambda v: lambda e: e["safety_score"] is not None and text_decimal(e["safety_score"]) >= v,
        "source": lambda v: lambda e: e["source"] == v,
        "search": _search,
    }
    return [builders[name](value) for name, value in given.items() if name in builders]


def entries_filtered(entries: dict[int, dict], query) -> list[dict]:
    """Entries matching the list's query parameters, in the list's default order; a bad parameter is a 400."""
    filterset = LLMModelFilter(data=query, queryset=LLMModel.objects.none())
    if not filterset.is_valid():
        raise translate_validation(filterset.errors)
    checks = _checks(filterset.form.cleaned_data)
    matching = [entry for entry in entries.values() if all(check(entry) for check in checks)]
    return sorted(matching, key=lambda e: (e["model"], e["id"]))
