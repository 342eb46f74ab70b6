"""One event, one shape: the JSON document of /api/v1/changes/ and of every webhook body, and the line of words
the Atom feed shows for it. The API, the feed and the outbox all take it from here."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from modelsync.models import Event


class EventSerializer(serializers.ModelSerializer):
    source = serializers.CharField(source="source.name", allow_null=True, default=None)
    model = serializers.IntegerField(source="llm_model_id", allow_null=True)
    run = serializers.IntegerField(source="run_id", allow_null=True)

    class Meta:
        model = Event
        fields = ("id", "type", "created_at", "source", "model", "run", "data")


# --- In words: the Atom feed's entry summaries ----------------------------------------------------------------

_PER_MTOK = "_cost_per_mtok"
_PER_COUNT = {"input_image": "image", "output_image": "image", "web_search": "search", "request": "request",
              "second": "second", "character": "character"}  # every other card unit is priced per token  # fmt: skip


def event_summary(event_type: str, data: dict[str, Any], source: str = "") -> str:
    """One line a person reads: "gpt-4o: input $2.5 → $3 per Mtok", "gateway failed 3 runs in a row: …"."""
    if event_type == Event.Type.SOURCE_FAILING:
        return (f"{data.get('source') or source} failed {data.get('consecutive_failures')} runs in a row: "
                f"{data.get('error_kind') or 'error'}: {data.get('error_message') or 'no message'}")  # fmt: skip
    if event_type in (Event.Type.MODEL_RETIRING, Event.Type.MODEL_RETIRED):
        return _retirement_summary(event_type, data)
    model, changes = data.get("model") or "?", data.get("changes") or {}
    lifecycle = {
        Event.Type.MODEL_CREATED: f"new from {source}" if source else "new in the catalog",
        Event.Type.MODEL_DEACTIVATED: f"no longer offered by {source}" if source else "no longer offered",
        Event.Type.MODEL_REACTIVATED: f"offered again by {source}" if source else "offered again",
    }
    parts = [lifecycle[event_type]] if event_type in lifecycle else []
    curated = event_type == Event.Type.MODEL_CURATED  # a staff override keeps the new value alone, not [old, new]
    parts += [_field_change(name, value, curated) for name, value in changes.items() if name != "price_card"]
    parts += [_card_change(change) for change in data.get("price_card_changes") or ()
              if not _said_per_mtok(change, changes)]  # fmt: skip
    if "price_card" in changes and not data.get("price_card_changes"):
        parts.append("price card restated")  # e.g. its raw price object or provenance; no price moved
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


def _said_per_mtok(change: dict[str, Any], changes: dict[str, Any]) -> bool:
    """A base input or output price whose per-Mtok column change is already said."""
    return change.get("where") == "base" and f"{change.get('unit')}{_PER_MTOK}" in changes


def _card_change(change: dict[str, Any]) -> str:
    """ "cache_read 0.0000003 → 0.0000004 per token", "tier >200000 input none → 0.0000025 per token"."""
    where = "" if change.get("where") == "base" else f"{change.get('where')} "
    unit = change.get("unit")
    old, new = (change.get(key) if change.get(key) is not None else "none" for key in ("old", "new"))
    return f"{where}{unit} {old} → {new} per {_PER_COUNT.get(unit, 'token')}"


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


def _retirement_summary(event_type: str, data: dict[str, Any]) -> str:
    """ "o3-mini: retires on 2026-10-23 (in 30 days); move to gpt-5-mini", "o3-mini: retired on 2026-10-23; …"."""
    model, day, left = data.get("model") or "?", data.get("date") or "?", data.get("days_left")
    if event_type == Event.Type.MODEL_RETIRED:
        said = f"{model}: retired on {day}"
    else:
        said = f"{model}: retires on {day} (in {left} day{'' if left == 1 else 's'})"
    successor = data.get("successor") or {}
    return f"{said}; move to {successor['model']}" if successor.get("model") else f"{said}; no successor found"
