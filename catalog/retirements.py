"""Retirements, read: every offered model with a retirement date in force, its provenance and its successor.

The rules are pure: which date wins in catalog.retirement_rules, the successor in catalog.succession; this module
reads the rows and the selection snapshot. Only models some gateway can route are listed (active, visible, of a
callable source): a descriptive record (the cost map's, OpenRouter's when it only describes) lends its date to the
callable models linked to it instead.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet

from catalog.candidates import Candidate
from catalog.models import LLMModel
from catalog.retirement_rules import Retirement, Successor, effective_date, in_window
from catalog.snapshot import Snapshot, candidate_from_entry, snapshot_get
from catalog.succession import successor_pick

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
    named `source` if given, each with its successor; ordered by day, then model name and id."""
    every = [r for model in _dated() if (r := _retirement(model)) is not None]
    wanted = [r for r in every if (source is None or r.model.source.name == source) and in_window(r.date, start, end)]
    return sorted(_with_successors(wanted, every), key=lambda r: (r.date, r.model.model, r.model.pk))


def effective_retirement(model: LLMModel) -> Retirement | None:
    """The retirement in force for one model (whatever its visibility) with its successor; None without a date."""
    found = _retirement(model)
    if found is None:
        return None
    every = [r for other in _dated().exclude(pk=model.pk) if (r := _retirement(other)) is not None]
    return _with_successors([found], [found, *every])[0]


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


def _with_successors(wanted: list[Retirement], every: list[Retirement]) -> list[Retirement]:
    """`wanted`, those without staff's successor given selection's; models retiring on or before a model's day
    (among `every`) are never its successor."""
    if all(r.successor is not None for r in wanted):
        return wanted
    snapshot = snapshot_get()
    days = [(r.date, r.model.pk) for r in every]
    done = []
    for r in wanted:
        if r.successor is None:
            left_out = {pk for day, pk in days if day <= r.date}
            r = Retirement(r.model, r.date, r.provenance, _selected(snapshot, r.model, left_out))
        done.append(r)
    return done


def _selected(snapshot: Snapshot, model: LLMModel, left_out: set[int]) -> Successor | None:
    entry = snapshot.entries.get(model.pk)
    retiring = candidate_from_entry(entry) if entry else _candidate(model)
    pick = successor_pick(snapshot.index, retiring, left_out)
    if pick is None:
        return None
    chosen = snapshot.entries[pick.ranked.candidate.id]
    return Successor(
        id=chosen["id"],
        model=chosen["model"],
        display_name=chosen["display_name"],
        source=chosen["source"],
        chosen_by="selection",
        reasons=pick.reasons,
    )


def _candidate(model: LLMModel) -> Candidate:
    """A model the snapshot does not hold (hidden, say) as selection sees one: staff's facts, else the source's,
    else a linked record's."""
    linked = {name: fact.get("value") for name, fact in (model.enrichment or {}).items() if isinstance(fact, dict)}
    capabilities = next((c for c in (model.staff_capabilities, model.capabilities or None) if c is not None),
                        linked.get("capabilities") or [])  # fmt: skip
    context = model.staff_context_window or model.context_window or linked.get("context_window")
    return Candidate(
        id=model.pk, model=model.model, provider=model.provider, category=model.category,
        capabilities=frozenset(capabilities), context_window=context, max_output_tokens=None,
        pricing_status=model.pricing_status, input_cost=None, output_cost=None, is_free=model.is_free,
        safety_score=None, popularity=0, is_recommended=False,
    )  # fmt: skip
