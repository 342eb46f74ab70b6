"""Reads over the sync's change log."""

from __future__ import annotations

from typing import Any

from catalog.entries import decimal_text
from modelsync.changes.events import PRICE_FIELDS
from modelsync.models import ModelChange

CARD_FIELD = "price_card"  # a changed card is a change of this synced field: [old card JSON, new card JSON]


def price_history(llm_model_id: int, current: dict[str, Any]) -> list[dict[str, Any]]:
    """Every (input, output) price and price card the model has had, newest first, each with the run and time it
    took effect.

    Read from the change log, walking back from the current prices and card: each change of a price field or of
    the card says what it was before. The oldest entry took effect when the model was first synced.
    """
    prices = {name: decimal_text(current[name]) for name in PRICE_FIELDS}
    prices[CARD_FIELD] = current.get(CARD_FIELD) or {}
    history = []
    changes = ModelChange.objects.filter(llm_model_id=llm_model_id).select_related("run").order_by("-id")
    for change in changes.only("id", "kind", "changes", "created_at", "run_id"):
        moved = {name: change.changes[name] for name in (*PRICE_FIELDS, CARD_FIELD) if name in change.changes}
        if moved or change.kind == ModelChange.Kind.CREATED:
            history.append({**prices, "run": change.run_id, "effective_at": change.created_at})
        if change.kind == ModelChange.Kind.CREATED:
            break
        prices.update({name: old for name, (old, _new) in moved.items()})
    return history
