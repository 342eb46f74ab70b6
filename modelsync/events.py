"""The change feed's events: derived from a sync's change log, a staff override or a failing source (SPEC §6).

Every writer goes through events_record(): it locks the catalog version row first, then inserts, so event ids are
handed out in the order their transactions commit and `?after=<id>` polling can neither skip nor repeat one.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from catalog.version import catalog_version_bump
from modelsync import bulk
from modelsync.models import Event, ModelChange
from modelsync.webhooks import webhooks_kick

PRICE_FIELDS = ("input_cost_per_mtok", "output_cost_per_mtok")
_BY_KIND = {
    ModelChange.Kind.CREATED: Event.Type.MODEL_CREATED,
    ModelChange.Kind.DEACTIVATED: Event.Type.MODEL_DEACTIVATED,
    ModelChange.Kind.REACTIVATED: Event.Type.MODEL_REACTIVATED,
}


def change_event_types(kind: str, changes: dict[str, list[Any]]) -> list[str]:
    """The events one ModelChange row stands for: a price change says so, an expiry date that appears says so."""
    if kind != ModelChange.Kind.UPDATED:
        types = [_BY_KIND[kind]]
    elif any(name in changes for name in PRICE_FIELDS):
        types = [Event.Type.MODEL_PRICE_CHANGED]
    else:
        types = [Event.Type.MODEL_UPDATED]
    old_expiry, new_expiry = changes.get("expires_at", (None, None))
    if new_expiry and new_expiry != old_expiry:
        types.append(Event.Type.MODEL_EXPIRING)
    return types


def sync_events(source_id: int, changes: Iterable[dict[str, Any]], names: dict[int, str]) -> list[dict[str, Any]]:
    """Event rows for a run's ModelChange rows (as _apply builds them); `names` maps model id -> model name."""
    return [
        {
            "type": event_type,
            "source_id": source_id,
            "llm_model_id": change["llm_model_id"],
            "run_id": change["run_id"],
            "data": {"model": names[change["llm_model_id"]], "changes": change["changes"]},
        }
        for change in changes
        for event_type in change_event_types(change["kind"], change["changes"])
    ]


def events_record(events: list[dict[str, Any]], now: datetime | None = None) -> None:
    """Bump (and so lock) the catalog version, then INSERT the events in one statement. Call inside a transaction."""
    if not events:
        return
    catalog_version_bump()
    blank = {"source_id": None, "llm_model_id": None, "run_id": None, "actor_id": None}
    bulk.insert(Event, [{**blank, **event, "created_at": now or timezone.now()} for event in events])
    transaction.on_commit(webhooks_kick)


def source_failing_event(source, run) -> dict[str, Any]:
    """`source.failing`: the run that made MODELSYNC_UNHEALTHY_AFTER_FAILURES failures in a row."""
    data = {"source": source.name, "consecutive_failures": source.consecutive_failures,
            "error_kind": run.error_kind, "error_message": run.error_message}  # fmt: skip
    return {"type": Event.Type.SOURCE_FAILING, "source_id": source.pk, "run_id": run.pk, "data": data}


def curated_events(llm_models, changes: dict[str, list[Any]], actor) -> list[dict[str, Any]]:
    """`model.curated`: a staff override on each of `llm_models`, with who made it."""
    return [
        {"type": Event.Type.MODEL_CURATED, "source_id": llm_model.source_id, "llm_model_id": llm_model.pk,
         "actor_id": getattr(actor, "pk", None),
         "data": {"model": llm_model.model, "changes": changes, "by": getattr(actor, "username", "")}}
        for llm_model in llm_models
    ]  # fmt: skip


# --- In words: the Atom feed's entry summaries ----------------------------------------------------------------

_PER_MTOK = "_cost_per_mtok"


def event_summary(event_type: str, data: dict[str, Any], source: str = "") -> str:
    """One line a person reads: "gpt-4o: input $2.5 → $3 per Mtok", "gateway failed 3 runs in a row: …"."""
    if event_type == Event.Type.SOURCE_FAILING:
        return (f"{data.get('source') or source} failed {data.get('consecutive_failures')} runs in a row: "
                f"{data.get('error_kind') or 'error'}: {data.get('error_message') or 'no message'}")  # fmt: skip
    model, changes = data.get("model") or "?", data.get("changes") or {}
    lifecycle = {
        Event.Type.MODEL_CREATED: f"new from {source}" if source else "new in the catalog",
        Event.Type.MODEL_DEACTIVATED: f"no longer offered by {source}" if source else "no longer offered",
        Event.Type.MODEL_REACTIVATED: f"offered again by {source}" if source else "offered again",
    }
    parts = [lifecycle[event_type]] if event_type in lifecycle else []
    curated = event_type == Event.Type.MODEL_CURATED  # a staff override keeps the new value alone, not [old, new]
    parts += [_field_change(name, value, curated) for name, value in changes.items()]
    if curated and data.get("by"):
        parts.append(f"by {data['by']}")
    return f"{model}: " + ("; ".join(parts) or event_type.removeprefix("model.").replace("_", " "))


def _field_change(name: str, value: Any, new_only: bool) -> str:
    """A sync's `name`: [old, new] as "label old → new"; a staff override's new value as "label set to new"."""
    if name.endswith(_PER_MTOK):
        label, unit = name.removesuffix(_PER_MTOK).replace("_", " "), " per Mtok"
    else:
        label, unit = name.removeprefix("staff_").replace("_", " "), ""
    if not new_only and isinstance(value, list) and len(value) == 2:
        old, new = value
        return f"{label} {_value_text(name, old)} → {_value_text(name, new)}{unit}"
    return f"{label} set to {_value_text(name, value)}{unit}"


def _value_text(name: str, value: Any) -> str:
    if value is None or value == "" or value == []:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if name.endswith(_PER_MTOK):
        return f"${value}"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, list):
        return ", ".join(str(item).replace("_", " ") for item in value)
    if name.endswith("_at") and isinstance(value, str):
        return value[:10]  # an ISO date-time: the day is what a reader needs
    return str(value)
