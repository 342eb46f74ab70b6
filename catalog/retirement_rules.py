"""Retirement, pure: which of a model's dates is in force and who said it, the shapes the warnings and the API show.

No Django, no settings, no I/O (catalog.retirements reads the rows and hands plain values in). Three places may say
when a model stops working; the first that says anything wins:

1. `staff` — staff_retirement_date on the model page (an announcement no source carries yet, or a correction);
2. the model's own source (its kind names it: `openrouter` for `expiration_date`, `litellm` for the proxy's
   `deprecation_date` in /model/info);
3. `linked:<source>` — a linked descriptive record's date (OpenRouter's, or the cost map's `deprecation_date`),
   only when the model's own source states none (modelsync.linking fills `enrichment["expires_at"]`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from catalog.models import LLMModel

STAFF = "staff"
LINKED = "linked:"


@dataclass(frozen=True, slots=True)
class Successor:
    """What to move to: staff's pick, or what selection would choose instead (`chosen_by`), with the reasons."""

    id: int
    model: str  # the name a client sends to the gateway
    display_name: str
    source: str
    chosen_by: str  # "staff" | "selection"
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Retirement:
    """One model's retirement in force: the day it stops working, who said so, and what to move to."""

    model: LLMModel
    date: dt.date
    provenance: str  # "staff", the model's source kind (e.g. "openrouter", "litellm"), or "linked:<source name>"
    successor: Successor | None = None

    def days_left(self, today: dt.date) -> int:
        """Days from `today` to the retirement day: 0 on the day, negative once past."""
        return (self.date - today).days


def as_day(value: Any) -> dt.date | None:
    """A stored date as its day: a date, a datetime (its UTC day: sources state midnight UTC) or ISO text."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return (value.astimezone(dt.UTC) if value.tzinfo else value).date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:  # a linked value this release cannot read states nothing
        return None


def effective_date(
    *, staff: dt.date | None, synced: Any, source_kind: str, enrichment: dict | None
) -> tuple[dt.date, str] | None:
    """(day, provenance) of the date in force, staff over synced over linked; None when nobody states one."""
    if staff is not None:
        return staff, STAFF
    if (day := as_day(synced)) is not None:
        return day, source_kind
    linked = (enrichment or {}).get("expires_at")
    if isinstance(linked, dict) and (day := as_day(linked.get("value"))) is not None:
        return day, f"{LINKED}{linked.get('from', '')}"
    return None


def in_window(day: dt.date, start: dt.date | None, end: dt.date | None) -> bool:
    """`start` <= day <= `end`, either bound open when None (both inclusive: a window of days)."""
    return (start is None or day >= start) and (end is None or day <= end)
