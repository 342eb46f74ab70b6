"""The change feed's events: derived from a sync's change log, a staff override or a failing source (SPEC §6).

Every writer goes through events_record(): it locks the catalog version row first, then inserts, so event ids are
handed out in the order their transactions commit and `?after=<id>` polling can neither skip nor repeat one.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from catalog.pricing import PriceCard, card_changes, card_from_json
from catalog.version import catalog_version_bump
from modelsync import queue
from modelsync.models import Event, ModelChange, WebhookEndpoint
from modelsync.sync import bulk

webhooks_logger = logging.getLogger("modelsync.webhooks")
PRICE_FIELDS = ("input_cost_per_mtok", "output_cost_per_mtok")
_BY_KIND = {
    ModelChange.Kind.CREATED: Event.Type.MODEL_CREATED,
    ModelChange.Kind.DEACTIVATED: Event.Type.MODEL_DEACTIVATED,
    ModelChange.Kind.REACTIVATED: Event.Type.MODEL_REACTIVATED,
}


def _card(data: Any) -> PriceCard:
    """A stored card; {} (no card) or a card this release cannot read is the empty card."""
    try:
        return card_from_json(data) if data else PriceCard()
    except ValueError:
        return PriceCard()


def _is_legacy(data: Any) -> bool:
    """The card catalog/0005 wrote from a row's two prices before its source's first card: no raw price object."""
    return (
        isinstance(data, dict) and data.get("raw") is None and not (set(data.get("prices") or ()) - {"input", "output"})
    )


def price_card_changes(changes: dict[str, list[Any]]) -> list[dict[str, str | None]]:
    """Each unit and condition of the card that changed, old -> new as decimal strings (None: absent); the same number
    spelled with other places is no change. The first card a source states over the migration's legacy card is news
    only where the per-Mtok column moved too: the units it adds were never dropped, just never kept before, and the
    legacy base is the column's (cut to 9 places per Mtok)."""
    if "price_card" not in changes:
        return []
    old, new = changes["price_card"]
    found = [
        c for c in card_changes(_card(old), _card(new)) if None in (c.old, c.new) or Decimal(c.old) != Decimal(c.new)
    ]
    if _is_legacy(old):
        found = [c for c in found if c.where == "base" and f"{c.unit}_cost_per_mtok" in changes]
    return [{"where": c.where, "unit": c.unit, "old": c.old, "new": c.new} for c in found]


def change_event_types(kind: str, changes: dict[str, list[Any]], card_changed: bool = False) -> list[str]:
    """The events one ModelChange row stands for: a price change says so, an expiry date that appears says so."""
    if kind != ModelChange.Kind.UPDATED:
        types = [_BY_KIND[kind]]
    elif card_changed or any(name in changes for name in PRICE_FIELDS):
        types = [Event.Type.MODEL_PRICE_CHANGED]
    else:
        types = [Event.Type.MODEL_UPDATED]
    old_expiry, new_expiry = changes.get("expires_at", (None, None))
    if new_expiry and new_expiry != old_expiry:
        types.append(Event.Type.MODEL_EXPIRING)
    return types


def sync_events(source_id: int, changes: Iterable[dict[str, Any]], names: dict[int, str]) -> list[dict[str, Any]]:
    """Event rows for a run's ModelChange rows (as _apply builds them); `names` maps model id -> model name. A card
    that changed adds "price_card_changes" to the event's data (see price_card_changes)."""
    events = []
    for change in changes:
        data = {"model": names[change["llm_model_id"]], "changes": change["changes"]}
        if change["kind"] == ModelChange.Kind.UPDATED and "price_card" in change["changes"]:
            if card := price_card_changes(change["changes"]):
                data["price_card_changes"] = card
            elif set(change["changes"]) == {"price_card"} and _is_legacy(change["changes"]["price_card"][0]):
                continue  # the source's first card over the migration's: the change log keeps it, no one is told
        events += [
            {"type": event_type, "source_id": source_id, "llm_model_id": change["llm_model_id"],
             "run_id": change["run_id"], "data": data}
            for event_type in change_event_types(change["kind"], change["changes"], "price_card_changes" in data)
        ]  # fmt: skip
    return events


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


def webhooks_kick() -> None:
    """After a commit that wrote events: queue a drain if anyone listens. A broker error only delays delivery."""
    if not WebhookEndpoint.objects.filter(enabled=True).exists():
        return
    try:
        queue.enqueue(queue.WEBHOOKS_DRAIN)
    except Exception as exc:  # the beat drain picks the events up
        webhooks_logger.warning("webhook drain not queued (%s); the periodic drain will deliver", type(exc).__name__)
