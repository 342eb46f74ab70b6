"""source_sync(): fetch -> parse -> filter -> reconcile -> guards -> apply. The only writer of sync results."""

from __future__ import annotations

import gc
import logging
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import fields
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from catalog.models import SYNCED_FIELDS, LLMModel
from catalog.version import catalog_version_bump
from modelsync import bulk
from modelsync.adapters.base import SourceConfig, adapter_for
from modelsync.events import events_record, source_failing_event, sync_events
from modelsync.exceptions import RefusedError, SyncError
from modelsync.http import UpstreamClient, scrub
from modelsync.links import links_refresh
from modelsync.locks import source_lock
from modelsync.models import ModelChange, Source, SyncRun
from modelsync.reconcile import CatalogRow, SyncPlan, field_changes, filter_records, reconcile
from modelsync.records import ParseResult
from modelsync.recordset import redact

logger = logging.getLogger("modelsync.sync")
FINDINGS_KEPT = 200
# Test-only: seconds to sleep inside the apply transaction, so a test can SIGKILL a run mid-apply. Unset = no pause.
PAUSE_ENV = "MODELSYNC_TEST_PAUSE_IN_APPLY"
OK = (SyncRun.Status.SUCCEEDED, SyncRun.Status.PARTIAL)


def source_config(source: Source) -> SourceConfig:
    """The adapter's view of a source; the key is read from the environment by name, now, and kept nowhere."""
    return SourceConfig(
        name=source.name,
        kind=source.kind,
        base_url=source.base_url,
        api_key=os.environ.get(source.api_key_env, "") if source.api_key_env else "",
        recommended_patterns=tuple(settings.MODELSYNC_RECOMMENDED_PATTERNS),
    )


def source_sync(
    *, source: Source, trigger: str, user=None, dry_run: bool = False, run: SyncRun | None = None
) -> SyncRun:
    """Run one sync of `source` and return its SyncRun; every failure is recorded on the run, never raised."""
    run = run or SyncRun.objects.create(source=source, trigger=trigger, triggered_by=user, dry_run=dry_run)
    started = time.monotonic()
    with source_lock(source.pk) as acquired:
        if not acquired:
            _finish(run, started, status=SyncRun.Status.SKIPPED, error_kind="already_running",
                    message="another sync of this source is running")  # fmt: skip
            return run
        sync_runs_abandon(source=source, current=run)
        run.status, run.started_at = SyncRun.Status.RUNNING, timezone.now()
        SyncRun.objects.filter(pk=run.pk).update(status=run.status, started_at=run.started_at, dry_run=dry_run)
        _run_guarded(source, run, started, dry_run=dry_run)
    _record_health(source, run)
    return run


def _run_guarded(source: Source, run: SyncRun, started: float, *, dry_run: bool) -> None:
    """The pipeline, with every failure turned into the run's status, error kind and a plain message."""
    config = source_config(source)
    try:
        with _cyclic_gc_paused():
            _sync(source, config, run, started, dry_run=dry_run)
    except SyncError as exc:
        _finish(run, started, status=exc.status, error_kind=exc.kind, message=scrub(str(exc), config.api_key))
    except Exception as exc:  # recorded for staff by type only; the traceback goes to the log (never the key)
        logger.error("sync of %s failed unexpectedly: %s", source.name, type(exc).__name__, exc_info=True)
        _finish(run, started, status=SyncRun.Status.FAILED, error_kind="internal_error", message=type(exc).__name__)


@contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    """A sync allocates a dozen objects per model (JSON, records, rows) and frees none of them until it ends, so
    the cyclic collector would rescan the growing heap over and over: a third of a 20,000-model sync. Those
    objects form no reference cycles; reference counting frees them when the sync returns."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _sync(source: Source, config: SourceConfig, run: SyncRun, started: float, *, dry_run: bool) -> None:
    adapter = adapter_for(config)
    parsed = adapter.parse(adapter.fetch(UpstreamClient(api_key=config.api_key)))
    records = redact(filter_records(parsed.records, source.include_list, source.exclude_list), config.api_key)
    run.findings = [scrub(f"{f.kind}: {f.external_id or '-'}: {f.message}", config.api_key)
                    for f in parsed.findings[:FINDINGS_KEPT]]  # fmt: skip
    run.seen, run.invalid = len(records), parsed.invalid_count
    _guard_payload(parsed)
    invalid = [finding for finding in parsed.findings if finding.counts_as_invalid]
    plan = reconcile(
        _catalog_rows(source),
        records,
        miss_threshold=settings.MODELSYNC_MISS_THRESHOLD,
        invalid_ids=frozenset(finding.external_id for finding in invalid if finding.external_id),
        count_misses=all(finding.external_id for finding in invalid),  # an id-less invalid item may be any row
    )
    _count(run, plan)
    status = SyncRun.Status.PARTIAL if parsed.invalid_count else SyncRun.Status.SUCCEEDED
    if dry_run:
        run.plan = plan.summary()
    _guard_plan(run, plan)
    if dry_run:
        _finish(run, started, status=status)
        return
    with transaction.atomic():
        _apply(source, run, plan)
        if plan.changes_catalog:
            links_refresh()  # either side of a link may have changed: in the same transaction, in bulk
        _finish(run, started, status=status)  # counters commit with the catalog rows they describe


def _guard_payload(parsed: ParseResult) -> None:
    """An empty list or too many invalid items is a doubtful fetch: refuse it, never read it as 'all gone'."""
    total = len(parsed.records) + parsed.invalid_count
    if not parsed.records:
        raise RefusedError("the upstream listed no models; the catalog was left as it was", kind="empty")
    if parsed.invalid_count / total > settings.MODELSYNC_MAX_INVALID_FRACTION:
        raise RefusedError(
            f"{parsed.invalid_count} of {total} items are invalid "
            f"(limit MODELSYNC_MAX_INVALID_FRACTION={settings.MODELSYNC_MAX_INVALID_FRACTION:.0%})",
            kind="too_many_invalid",
        )


def _guard_plan(run: SyncRun, plan: SyncPlan) -> None:
    """Refuse a run whose list lacks more than a fraction of the active models; the would-be plan is kept."""
    limit = settings.MODELSYNC_MAX_DEACTIVATE_FRACTION * plan.active_before
    if plan.missing_count and plan.missing_count > limit:
        run.plan = plan.summary()
        raise RefusedError(
            f"would deactivate {plan.missing_count} of {plan.active_before} active models "
            f"(limit MODELSYNC_MAX_DEACTIVATE_FRACTION={settings.MODELSYNC_MAX_DEACTIVATE_FRACTION:.0%})",
            kind="mass_deactivation",
        )


def _catalog_rows(source: Source) -> list[CatalogRow]:
    """The one read of the catalog a sync needs: identity, hash and lifecycle of every row of the source.

    Plain SQL: at 20,000 rows the ORM's per-row machinery took as long as the query itself (SPEC §9).
    """
    columns = ", ".join(bulk.quote(LLMModel, field.name) for field in fields(CatalogRow))
    sql = f"SELECT {columns} FROM {bulk.table(LLMModel)} WHERE {bulk.quote(LLMModel, 'source')} = %s"
    with connection.cursor() as cursor:
        cursor.execute(sql, [source.pk])
        return [
            CatalogRow(pk, external_id, model, content_hash, bool(is_active), misses)  # SQLite answers 0/1
            for pk, external_id, model, content_hash, is_active, misses in cursor.fetchall()
        ]


def _count(run: SyncRun, plan: SyncPlan) -> None:
    run.created = len(plan.creates)
    run.updated = plan.updated_count
    run.reactivated = plan.reactivated_count
    run.deactivated = len(plan.deactivations)
    run.unchanged = plan.unchanged


def _apply(source: Source, run: SyncRun, plan: SyncPlan) -> None:
    """Write the plan with a constant number of statements (see modelsync.bulk); nothing when nothing changed."""
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
    """Let a test kill the process mid-apply (tests/modelsync/test_locks.py); a no-op unless PAUSE_ENV is set."""
    if seconds := os.environ.get(PAUSE_ENV):
        logger.warning("pausing %s s inside the apply transaction (%s is set)", seconds, PAUSE_ENV)
        time.sleep(float(seconds))


def sync_runs_abandon(*, source: Source, current: SyncRun | None = None) -> int:
    """Call while holding the source lock: any other run still 'running' was killed mid-way, so say so."""
    count = (
        SyncRun.objects.filter(source=source, status=SyncRun.Status.RUNNING)
        .exclude(pk=current.pk if current else None)
        .update(
            status=SyncRun.Status.FAILED,
            error_kind="abandoned",
            error_message="the process running this sync stopped before it finished",
            finished_at=timezone.now(),
        )
    )
    if count:
        logger.warning("sync runs written off: %s (abandoned)", count)
    return count


def _finish(run: SyncRun, started: float, *, status: str, error_kind: str = "", message: str = "") -> None:
    run.status, run.error_kind, run.error_message = status, error_kind, message[:2000]
    run.finished_at = timezone.now()
    run.started_at = run.started_at or run.finished_at
    run.duration_ms = int((time.monotonic() - started) * 1000)
    run.save()
    counters = run.counters()
    fields = {
        "event": "sync_run",
        "run_id": run.pk,
        "source": run.source.name,
        "status": run.status,
        "error_kind": run.error_kind,
        "dry_run": run.dry_run,
        "duration_ms": run.duration_ms,
        "counters": counters,
    }  # nested: "created" is a LogRecord attribute
    logger.info(
        "sync_run source=%s run=%s status=%s error_kind=%s dry_run=%s duration_ms=%s %s",
        run.source.name, run.pk, run.status, run.error_kind or "-", run.dry_run, run.duration_ms,
        " ".join(f"{name}={value}" for name, value in counters.items()), extra=fields,
    )  # fmt: skip


def _record_health(source: Source, run: SyncRun) -> None:
    """last_run_at / last_success_at / consecutive_failures; a skipped or dry run says nothing about health."""
    if run.status == SyncRun.Status.SKIPPED or run.dry_run:
        return
    updates = {"last_run_at": run.finished_at}
    if run.status in OK:
        updates.update(last_success_at=run.finished_at, consecutive_failures=0)
    else:
        updates["consecutive_failures"] = F("consecutive_failures") + 1
    with transaction.atomic():
        Source.objects.filter(pk=source.pk).update(**updates)
        source.refresh_from_db(fields=["last_run_at", "last_success_at", "consecutive_failures"])
        if source.consecutive_failures == settings.MODELSYNC_UNHEALTHY_AFTER_FAILURES:  # once per failing streak
            events_record([source_failing_event(source, run)])


# --- The sync's statements, each one JSON document (modelsync.bulk) --------------------------------------------


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
