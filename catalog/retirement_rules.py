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
from collections.abc import Collection
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from catalog.models import LLMModel

STAFF = "staff"
LINKED = "linked:"
RETIRED = 0  # the "lead time" of the day itself: `model.retired`


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


def due_lead(days_left: int, leads: tuple[int, ...], sent: Collection[int]) -> int | None:
    """The warning due with `days_left` to go: the nearest lead time at or above it (RETIRED on the day or after),
    unless it was `sent` already; None before the largest lead time.

    A lead time that was missed is not sent late: a date that appears 5 days ahead gets the 7-day warning at once,
    never the 90- and 30-day ones too (they would say less than the one sent); one that appears after the day gets
    one `model.retired`. The daily run that was down catches up the same way: only the nearest is sent.
    """
    due = min((lead for lead in (*leads, RETIRED) if lead >= days_left), default=None)
    return None if due is None or due in sent else due


def successor_json(successor: Successor | None) -> dict[str, Any] | None:
    """A successor as events and the API show it."""
    return None if successor is None else {**asdict(successor), "reasons": list(successor.reasons)}
