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
