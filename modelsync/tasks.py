"""Celery tasks: take ids, load rows, call one service. Re-running one is harmless."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from celery import shared_task
from django.db import InterfaceError, OperationalError

if TYPE_CHECKING:
    from modelsync.models import SyncRun

logger = logging.getLogger("modelsync.tasks")

# Only a lost connection to the database is retried here: the upstream HTTP calls already retry 429/5xx with
# backoff inside the run (modelsync/sync/http.py), and a failed run is recorded, not raised.
TRANSIENT_ERRORS = (OperationalError, InterfaceError, ConnectionError)


@shared_task(
    name="modelsync.source_sync_task",
    ignore_result=True,
    autoretry_for=TRANSIENT_ERRORS,
    max_retries=3,
    retry_backoff=2,
    retry_backoff_max=60,
    retry_jitter=True,
)
def source_sync_task(run_id: int) -> None:
    """Run the queued SyncRun `run_id` (created by modelsync.sync.runs.sync_request); gone or not queued: nothing."""
    from modelsync.models import SyncRun
    from modelsync.sync.pipeline import source_sync

    run = SyncRun.objects.select_related("source", "triggered_by").filter(pk=run_id).first()
    if run is None or run.status != SyncRun.Status.QUEUED:
        logger.info("sync_task run=%s nothing to do (%s)", run_id, run.status if run else "gone")
        return
    if covering := _covering_run(run):
        _skip_as_covered(run, covering)
        return
    source_sync(source=run.source, trigger=run.trigger, user=run.triggered_by, run=run)


def _covering_run(run: SyncRun) -> SyncRun | None:
    """A run of the same source that started after `run` was requested and succeeded: it already did the job."""
    from modelsync.models import SyncRun

    done = (SyncRun.Status.SUCCEEDED, SyncRun.Status.PARTIAL)
    later = SyncRun.objects.filter(source_id=run.source_id, status__in=done, dry_run=False)
    return later.filter(started_at__gte=run.created_at).exclude(pk=run.pk).order_by("-id").first()


def _skip_as_covered(run: SyncRun, covering: SyncRun) -> None:
    from modelsync.models import SyncRun

    message = f"run #{covering.pk} synced this source after this run was requested"
    # Conditional update: a concurrent redelivery of the same message cannot skip a run that already started.
    SyncRun.objects.filter(pk=run.pk, status=SyncRun.Status.QUEUED).update(
        **SyncRun.skipped_fields(error_kind="already_synced", message=message)
    )
    logger.info("sync_run source=%s run=%s status=skipped error_kind=already_synced", run.source.name, run.pk)


@shared_task(name="modelsync.sources_sync_all_task", ignore_result=True)
def sources_sync_all_task() -> None:
    """What beat runs: a sync request for every enabled source. Not retried: beat's next tick is the retry."""
    from modelsync.models import Source, SyncRun
    from modelsync.startup import startup_ensure
    from modelsync.sync.runs import sync_requests

    # A source set in the environment since the last start-up is synced on this tick. The schedule is left alone:
    # beat is running it, and a save from here would race beat's own bookkeeping on the row.
    startup_ensure(schedule=False)
    sync_requests(sources=Source.objects.filter(enabled=True), trigger=SyncRun.Trigger.BEAT)


@shared_task(name="modelsync.webhooks_drain_task", ignore_result=True)
def webhooks_drain_task() -> None:
    """Turn new events into deliveries and queue the due ones (after each commit with events, and on beat)."""
    from modelsync.changes.outbox import outbox_drain

    for delivery_pk in outbox_drain():
        webhook_deliver_task.delay(delivery_pk)


@shared_task(name="modelsync.webhook_deliver_task", ignore_result=True, autoretry_for=TRANSIENT_ERRORS, max_retries=3)
def webhook_deliver_task(delivery_pk: int) -> None:
    """One attempt of one delivery; a failed one is queued again after its backoff."""
    from modelsync.changes.outbox import delivery_attempt

    if (retry_in := delivery_attempt(delivery_pk)) is not None:
        webhook_deliver_task.apply_async((delivery_pk,), countdown=retry_in)
