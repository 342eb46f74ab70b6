"""Popularity: selections served are counted in memory and flushed in one statement, never a write per request."""

from __future__ import annotations

import threading
import time
from collections import Counter

from django.db import DatabaseError
from django.db.models import Case, F, PositiveBigIntegerField, When

from catalog.models import LLMModel

FLUSH_EVERY_SELECTIONS = 100
FLUSH_EVERY_SECONDS = 60.0

_lock = threading.Lock()
_pending: Counter[int] = Counter()
_last_flush = time.monotonic()


def selection_served(model_id: int) -> None:
    global _last_flush
    with _lock:
        _pending[model_id] += 1
        due = sum(_pending.values()) >= FLUSH_EVERY_SELECTIONS or time.monotonic() - _last_flush > FLUSH_EVERY_SECONDS
    if due:
        popularity_flush()


def popularity_flush() -> int:
    """Add the pending counts to LLMModel.popularity in one UPDATE; returns how many models it touched."""
    global _last_flush
    with _lock:
        counts, _last_flush = dict(_pending), time.monotonic()
        _pending.clear()
    if not counts:
        return 0
    increment = Case(
        *(When(pk=pk, then=F("popularity") + n) for pk, n in counts.items()),
        default=F("popularity"),
        output_field=PositiveBigIntegerField(),
    )
    try:
        return LLMModel.objects.filter(pk__in=counts).update(popularity=increment)
    except DatabaseError:
        with _lock:
            _pending.update(counts)  # keep them for the next flush
        return 0


def usage_reset() -> None:
    """Drop pending counts (tests)."""
    with _lock:
        _pending.clear()
