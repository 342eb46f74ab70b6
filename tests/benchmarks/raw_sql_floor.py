"""The SPEC §9 raw-SQL floor: the same diff a sync writes, by hand-written PostgreSQL with every value prepared.

What a sync cannot go below: one read of the source's catalog rows, the new rows inserted, the changed rows
rewritten, the gone rows flagged and one change row each, in one transaction. Values travel as typed arrays
expanded by unnest() (no JSON for the database to parse) and nothing is computed while the clock runs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from django.db import connection

from catalog.models import LLMModel
from modelsync.models import ModelChange, SyncRun
from modelsync.sync.reconcile import SyncPlan, field_changes


@dataclass
class FloorDiff:
    source_id: int
    run_id: int
    creates: list[dict]  # full rows of the new models
    updates: list[dict]  # id + synced values of the changed models
    gone: list[int]  # ids to deactivate
    update_changes: list[str]  # the change history of each update, JSON


def floor_diff(source_id: int, run: SyncRun, plan: SyncPlan, now: datetime) -> FloorDiff:
    """Everything the floor writes, computed before its clock starts (from the plan the sync itself made)."""
    old = {row["id"]: row for row in LLMModel.objects.filter(id__in=[r.id for r, _ in plan.updates]).values()}
    lifecycle = {"is_active": True, "first_seen_at": now, "last_seen_at": now, "consecutive_misses": 0,
                 "popularity": 0, "is_hidden": False, "staff_display_name": "", "staff_notes": "",
                 "staff_description": "", "enrichment": {}, "enrichment_inputs": "", "created_at": now,
                 "updated_at": now}  # fmt: skip
    return FloorDiff(
        source_id=source_id,
        run_id=run.pk,
        creates=[
            {
                **r.synced_values(),
                "source_id": source_id,
                "external_id": r.external_id,
                **lifecycle,
                "content_hash": r.content_hash(),
            }
            for r in plan.creates
        ],
        updates=[{"id": row.id, **r.synced_values(), "content_hash": r.content_hash()} for row, r in plan.updates],
        gone=[row.id for row in plan.deactivations],
        update_changes=[json.dumps(field_changes(old[row.id], r)) for row, r in plan.updates],
    )


def _unnest(model, rows: list[dict]) -> tuple[str, dict[str, str], list[list]]:
    """(FROM item `v`, column -> its value expression, parameters): one typed array per column (jsonb as text)."""
    typed, values, params = [], {}, []
    for name in rows[0]:
        f = model._meta.get_field(name)
        is_json = f.db_type(connection) == "jsonb"
        typed.append(f"%s::{'text' if is_json else f.db_type(connection)}[]")
        values[f.column] = f"v.{f.column}::jsonb" if is_json else f"v.{f.column}"
        params.append([json.dumps(row[name]) if is_json else row[name] for row in rows])
    return f"unnest({', '.join(typed)}) AS v({', '.join(values)})", values, params


def apply_floor(diff: FloorDiff) -> None:
    """The floor's five statements; call inside a transaction."""
    table, changes = LLMModel._meta.db_table, ModelChange._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, external_id, content_hash, is_active, consecutive_misses FROM {table} "
                       "WHERE source_id = %s", [diff.source_id])  # fmt: skip
        cursor.fetchall()
        source, values, params = _unnest(LLMModel, diff.creates)
        cursor.execute(f"INSERT INTO {table} ({', '.join(values)}) SELECT {', '.join(values.values())} "
                       f"FROM {source} RETURNING id", params)  # fmt: skip
        created = [pk for (pk,) in cursor.fetchall()]
        source, values, params = _unnest(LLMModel, diff.updates)
        sets = ", ".join(f"{column} = {value}" for column, value in values.items() if column != "id")
        cursor.execute(f"UPDATE {table} SET {sets} FROM {source} WHERE {table}.id = v.id", params)
        cursor.execute(f"UPDATE {table} SET is_active = false, deactivated_at = now(), "
                       "consecutive_misses = consecutive_misses + 1 WHERE id = ANY(%s)", [diff.gone])  # fmt: skip
        updated = [row["id"] for row in diff.updates]
        cursor.execute(
            f"INSERT INTO {changes} (run_id, llm_model_id, kind, changes, created_at) SELECT %s, m, k, c::jsonb, now() "
            "FROM unnest(%s::bigint[], %s::text[], %s::text[]) AS v(m, k, c)",
            [diff.run_id, created + updated + diff.gone,
             ["created"] * len(created) + ["updated"] * len(updated) + ["deactivated"] * len(diff.gone),
             ["{}"] * len(created) + diff.update_changes + ["{}"] * len(diff.gone)],
        )  # fmt: skip
