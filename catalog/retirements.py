"""Retirements, read: every offered model with a retirement date in force, its provenance and its successor.

The rules (which date wins, the shapes) are pure, in catalog.retirement_rules; this module reads the rows. Only
models some gateway can route are listed (active, visible, of a callable source): a descriptive record (the cost
map's, OpenRouter's when it only describes) lends its date to the callable models linked to it instead.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet

from catalog.models import LLMModel
from catalog.retirement_rules import Retirement, Successor, effective_date, in_window

__all__ = ["Retirement", "Successor", "effective_retirement", "retirements"]


def _dated() -> QuerySet[LLMModel]:
    """Offered callable models that have any date at all (staff's, the source's or a linked one)."""
    has_date = (
        Q(staff_retirement_date__isnull=False) | Q(expires_at__isnull=False) | Q(enrichment__has_key="expires_at")
    )
    return LLMModel.objects.visible().callable().filter(has_date).select_related("source", "staff_successor__source")


def retirements(
    *, source: str | None = None, start: dt.date | None = None, end: dt.date | None = None
) -> list[Retirement]:
    """Every retirement in force whose day is within [`start`, `end`] (inclusive, either open), of the source
    named `source` if given, ordered by day, then model name and id."""
    models = _dated()
    if source is not None:
        models = models.filter(source__name=source)
    found = [r for model in models if (r := _retirement(model)) is not None and in_window(r.date, start, end)]
    return sorted(found, key=lambda r: (r.date, r.model.model, r.model.pk))


def effective_retirement(model: LLMModel) -> Retirement | None:
    """The retirement in force for one model (whatever its visibility), or None when nobody states a date."""
    return _retirement(model)


def _retirement(model: LLMModel) -> Retirement | None:
    found = effective_date(
        staff=model.staff_retirement_date,
        synced=model.expires_at,
        source_kind=model.source.kind,
        enrichment=model.enrichment,
    )
    if found is None:
        return None
    day, provenance = found
    return Retirement(model=model, date=day, provenance=provenance, successor=_staff_successor(model))


def _staff_successor(model: LLMModel) -> Successor | None:
    successor = model.staff_successor
    if successor is None:
        return None
    return Successor(
        id=successor.pk,
        model=successor.model,
        display_name=successor.effective_display_name,
        source=successor.source.name,
        chosen_by="staff",
        reasons=("set by staff on the model page",),
    )
