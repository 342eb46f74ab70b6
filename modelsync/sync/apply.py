"""A sync's writes: the plan applied with a constant number of statements, each one JSON document (see
modelsync.sync.bulk), and the change log and events that go with it, in the caller's transaction."""

from __future__ import annotations

import logging
import os
import time
from datetime import datetime
from typing import Any

from django.db import connection
from django.utils import timezone

from catalog.models import SYNCED_FIELDS, LLMModel
from catalog.version import catalog_version_bump
from modelsync.changes.events import events_record, sync_events
from modelsync.models import ModelChange, Source, SyncRun
from modelsync.sync import bulk
from modelsync.sync.reconcile import SyncPlan, field_changes

logger = logging.getLogger("modelsync.sync")
# Test-only: seconds to sleep inside the apply transaction, so a test can SIGKILL a run mid-apply. Unset = no pause.
PAUSE_ENV = "MODELSYNC_TEST_PAUSE_IN_APPLY"


def plan_apply(source: Source, run: SyncRun, plan: SyncPlan) -> None:
    """Write the plan with a constant number of statements (see modelsync.sync.bulk); nothing when nothing changed."""
    if plan.writes_nothing:
        return
    now = timezone.now()
    changes = _apply_creates(source, run, plan, now)
    changes += _apply_updates(run, plan, now)
    changes += _apply_lifecycle(run, plan, now)
    _pause_for_tests()
    names = {change["llm_model_id"]: change.pop("model") for change in changes}
    changes_insert(changes, now)
    events = sync_events(source.pk, changes, names)
    if events:
        events_record(events, now)  # bumps the catalog version first
    elif plan.changes_catalog:
        catalog_version_bump()


def _apply_creates(source: Source, run: SyncRun, plan: SyncPlan, now: datetime) -> list[dict]:
    if not plan.creates:
        return []
    rows = [
        {
            **record.synced_values(),
            "source_id": source.pk,
            "external_id": record.external_id,
            "content_hash": record.content_hash(),
            "is_active": True,
            "first_seen_at": now,
            "last_seen_at": now,
            "consecutive_misses": 0,
            "popularity": 0,
            "is_hidden": not source.auto_publish,  # staff publish new models themselves when asked to
            "staff_display_name": "",
            "staff_notes": "",
            "staff_description": "",
            "enrichment": {},  # links_refresh() fills both
            "enrichment_inputs": "",
            "created_at": now,
            "updated_at": now,
        }
        for record in plan.creates
    ]
    ids = llm_models_insert(rows)
    return [_change(run, ids[row["external_id"]], row["model"], ModelChange.Kind.CREATED) for row in rows]


def _apply_updates(run: SyncRun, plan: SyncPlan, now: datetime) -> list[dict]:
    """Changed synced fields (never a staff field), with their old -> new values for the history."""
    if not plan.updates:
        return []
    old = llm_models_read([row.id for row, _ in plan.updates])
    rows, changes = [], []
    for row, record in plan.updates:
        lifecycle = {"is_active": True, "last_seen_at": now, "consecutive_misses": 0, "deactivated_at": None}
        rows.append({"id": row.id, **record.synced_values(), "content_hash": record.content_hash(), **lifecycle,
                     "updated_at": now})  # fmt: skip
        kind = ModelChange.Kind.UPDATED if row.is_active else ModelChange.Kind.REACTIVATED
        changes.append(_change(run, row.id, record.model, kind, field_changes(old[row.id], record)))
    llm_models_update(rows)
    return changes


def _apply_lifecycle(run: SyncRun, plan: SyncPlan, now: datetime) -> list[dict]:
    """Reactivations, miss counters and deactivations (by flag, never a delete) in one statement."""
    back = {"is_active": True, "last_seen_at": now, "consecutive_misses": 0, "deactivated_at": None}
    rows = [{"id": row.id, **back} for row, _ in plan.reactivations]
    rows += [{"id": row.id, **back} for row in plan.miss_resets]
    rows += [{"id": row.id, "consecutive_misses": row.consecutive_misses + 1} for row in plan.misses]
    gone = {"is_active": False, "deactivated_at": now}
    rows += [{"id": row.id, **gone, "consecutive_misses": row.consecutive_misses + 1} for row in plan.deactivations]
    llm_models_update(rows)
    return [
        *(_change(run, row.id, row.model, ModelChange.Kind.REACTIVATED) for row, _ in plan.reactivations),
        *(_change(run, row.id, row.model, ModelChange.Kind.DEACTIVATED) for row in plan.deactivations),
    ]


def _change(run: SyncRun, llm_model_id: int, model: str, kind: str, changes: dict | None = None) -> dict:
    """A ModelChange row, with the model's name for its event (popped before the insert)."""
    return {"run_id": run.pk, "llm_model_id": llm_model_id, "model": model, "kind": kind, "changes": changes or {}}


def _pause_for_tests() -> None:
    """Let a test kill the process mid-apply (tests/modelsync/sync/test_locks.py); a no-op unless PAUSE_ENV is set."""
    if seconds := os.environ.get(PAUSE_ENV):
        logger.warning("pausing %s s inside the apply transaction (%s is set)", seconds, PAUSE_ENV)
        time.sleep(float(seconds))


# --- The sync's statements, each one JSON document (modelsync.sync.bulk) --------------------------------------


def llm_models_insert(rows: list[dict[str, Any]]) -> dict[str, int]:
    """INSERT the rows in one statement; returns external_id -> new id."""
    columns = list(rows[0])
    names = ", ".join(bulk.quote(LLMModel, name) for name in columns)
    sql = f"INSERT INTO {bulk.table(LLMModel)} ({names}) SELECT {names} FROM {bulk.json_rows(LLMModel, columns)} "
    sql += "RETURNING id, external_id"
    with connection.cursor() as cursor:
        cursor.execute(sql, [bulk.document(LLMModel, rows)])
        return {external_id: pk for pk, external_id in cursor.fetchall()}


def llm_models_read(ids: list[int]) -> dict[int, dict[str, Any]]:
    """The synced values of the rows `ids` (one SELECT whatever their number), for the old -> new history."""
    rows = LLMModel.objects.filter(id__in=bulk.id_list(ids)).values("id", *SYNCED_FIELDS)
    return {row["id"]: row for row in rows}


def llm_models_update(rows: list[dict[str, Any]]) -> None:
    """UPDATE rows by id: one statement per distinct set of columns (a handful, never one per row)."""
    shapes: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row in rows:
        shapes.setdefault(tuple(row), []).append(row)
    for same_shape in shapes.values():
        bulk.update(LLMModel, same_shape)


def changes_insert(changes: list[dict[str, Any]], now: datetime) -> None:
    """INSERT the run's ModelChange rows in one statement."""
    if changes:
        bulk.insert(ModelChange, [{**change, "created_at": now} for change in changes])
