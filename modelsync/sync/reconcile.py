"""The pure diff of a sync: (current catalog rows, incoming records, thresholds) -> SyncPlan. No ORM, no settings.

Contract (readthedocs ``Service.sync`` style):

- input: every catalog row of ONE source as plain values (`CatalogRow`), the records the upstream listed (already
  filtered with `filter_records`), the ids the upstream listed with an *invalid* item, and the miss threshold;
- a record whose external id has no row is **created**;
- a record whose content hash differs from its row's stored hash is **updated** (and reactivated if the row was
  inactive); the hash is the only comparison, so an unchanged row costs nothing to skip;
- a record with the same hash on an inactive row is **reactivated**; on an active row it is **unchanged** (its miss
  counter goes back to 0 if it had missed runs: `miss_resets`);
- an active row whose id the upstream did not list is **missed**: its counter goes up, and when it reaches
  `miss_threshold` consecutive misses the row is **deactivated** — never deleted;
- an id listed with an invalid item is neither seen nor missed: the row is left exactly as it is; and when some
  invalid item has no usable id at all (`count_misses=False`), any missing row might be that item, so no row is
  missed in that run;
- inactive rows not listed stay as they are.
The caller applies the plan; `field_changes` gives the old -> new values of an update for the change history.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from catalog.entries import decimal_text
from modelsync.sync.records import ModelRecord


@dataclass(slots=True)
class CatalogRow:
    """What reconcile needs to know about one existing catalog row. Treated as immutable, not declared frozen:
    a sync builds one per catalog row, and a frozen dataclass's __init__ costs ten times as much (SPEC §9)."""

    id: int
    external_id: str
    model: str
    content_hash: str
    is_active: bool
    consecutive_misses: int


@dataclass
class SyncPlan:
    """What a sync would do; applying it is the caller's business."""

    creates: list[ModelRecord] = field(default_factory=list)
    updates: list[tuple[CatalogRow, ModelRecord]] = field(default_factory=list)  # hash changed; may reactivate
    reactivations: list[tuple[CatalogRow, ModelRecord]] = field(default_factory=list)  # same hash, back again
    miss_resets: list[CatalogRow] = field(default_factory=list)  # same hash, seen again after missed runs
    misses: list[CatalogRow] = field(default_factory=list)  # missed, still below the threshold
    deactivations: list[CatalogRow] = field(default_factory=list)
    unchanged: int = 0
    active_before: int = 0

    @property
    def updated_count(self) -> int:
        """Updates of active rows; an inactive row coming back changed counts as reactivated."""
        return sum(1 for row, _ in self.updates if row.is_active)

    @property
    def reactivated_count(self) -> int:
        return len(self.reactivations) + sum(1 for row, _ in self.updates if not row.is_active)

    @property
    def missing_count(self) -> int:
        """Active rows the upstream stopped listing in this run (missed or deactivated)."""
        return len(self.misses) + len(self.deactivations)

    @property
    def changes_catalog(self) -> bool:
        """True when the visible catalog changes (not just miss counters)."""
        return bool(self.creates or self.updates or self.reactivations or self.deactivations)

    @property
    def writes_nothing(self) -> bool:
        return not (self.changes_catalog or self.miss_resets or self.misses)

    def summary(self, sample: int = 20) -> dict[str, Any]:
        """JSON-ready counts and samples, recorded on a dry or refused run."""
        return {
            "create": len(self.creates),
            "update": self.updated_count,
            "reactivate": self.reactivated_count,
            "deactivate": len(self.deactivations),
            "miss": len(self.misses),
            "unchanged": self.unchanged,
            "active_before": self.active_before,
            "create_sample": [record.model for record in self.creates[:sample]],
            "update_sample": [record.model for _, record in self.updates[:sample]],
            "deactivate_sample": [row.model for row in self.deactivations[:sample]],
            "miss_sample": [row.model for row in self.misses[:sample]],
        }


def model_name_wanted(name: str, include: Iterable[str], exclude: Iterable[str]) -> bool:
    """A model name is kept when it matches an include glob (every name, when none) and no exclude glob."""
    if any(fnmatch.fnmatchcase(name, pattern) for pattern in exclude):
        return False  # exclude wins
    include = list(include)
    return not include or any(fnmatch.fnmatchcase(name, pattern) for pattern in include)


def filter_records(
    records: Iterable[ModelRecord], include: Iterable[str], exclude: Iterable[str]
) -> tuple[ModelRecord, ...]:
    """The records whose model name passes `model_name_wanted`, in their order."""
    include, exclude = list(include), list(exclude)
    if not (include or exclude):
        return tuple(records)  # most sources: no per-model call at all
    return tuple(record for record in records if model_name_wanted(record.model, include, exclude))


def reconcile(
    rows: Iterable[CatalogRow],
    records: Iterable[ModelRecord],
    *,
    miss_threshold: int,
    invalid_ids: frozenset[str] = frozenset(),
    count_misses: bool = True,
) -> SyncPlan:
    """The plan turning `rows` into what `records` describe; see the module docstring for the contract."""
    rows = list(rows)
    plan = SyncPlan(active_before=sum(1 for row in rows if row.is_active))
    by_external_id = {row.external_id: row for row in rows}
    seen: set[str] = set()
    for record in records:
        seen.add(record.external_id)
        _plan_seen(plan, by_external_id.get(record.external_id), record)
    for row in rows if count_misses else ():
        if row.is_active and row.external_id not in seen and row.external_id not in invalid_ids:
            missed = plan.deactivations if row.consecutive_misses + 1 >= max(miss_threshold, 1) else plan.misses
            missed.append(row)
    return plan


def _plan_seen(plan: SyncPlan, row: CatalogRow | None, record: ModelRecord) -> None:
    if row is None:
        plan.creates.append(record)
    elif row.content_hash != record.content_hash():
        plan.updates.append((row, record))
    elif not row.is_active:
        plan.reactivations.append((row, record))
    else:
        plan.unchanged += 1
        if row.consecutive_misses:
            plan.miss_resets.append(row)


def field_changes(old: Mapping[str, Any], record: ModelRecord) -> dict[str, list[Any]]:
    """field -> [old, new] for each synced value that differs, JSON-ready (Decimals as plain decimal strings)."""
    changes = {}
    for name, new in record.synced_values().items():
        before = old.get(name)
        if _comparable(before) != _comparable(new):
            changes[name] = [jsonable(before), jsonable(new)]
    return changes


def _comparable(value: Any) -> Any:
    # 1.50 from the database and 1.5 from upstream are the same price.
    return value.normalize() if isinstance(value, Decimal) else value


def jsonable(value: Any) -> Any:
    """A value as the change history stores it: Decimals as plain strings, datetimes as ISO 8601."""
    if isinstance(value, Decimal):
        return decimal_text(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value
