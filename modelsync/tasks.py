"""Celery tasks: take ids, call one service. Re-running one is harmless.

Nothing imports this module: Celery finds it by autodiscovery (config/celery.py), and domain code asks for a task
by its name in modelsync.queue.
"""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.db import InterfaceError, OperationalError

from modelsync import queue
from modelsync.changes.outbox import delivery_attempt, outbox_drain
from modelsync.changes.retiring import retirement_warnings_send
from modelsync.startup import startup_ensure
from modelsync.sync.pipeline import queued_run_sync
from modelsync.sync.runs import sync_requests_all_enabled

# Only a lost connection to the database is retried here: the upstream HTTP calls already retry 429/5xx with
# backoff inside the run (modelsync/sync/http.py), and a failed run is recorded, not raised.
TRANSIENT_ERRORS = (OperationalError, InterfaceError, ConnectionError)


@shared_task(
    name=queue.SOURCE_SYNC,
    ignore_result=True,
    autoretry_for=TRANSIENT_ERRORS,
    max_retries=3,
    retry_backoff=2,
    retry_backoff_max=60,
    retry_jitter=True,
)
def source_sync_task(run_id: int) -> None:
    """Run the queued SyncRun `run_id` (created by modelsync.sync.runs.sync_request); gone or not queued: nothing."""
    queued_run_sync(run_id)


@shared_task(name=queue.SOURCES_SYNC_ALL, ignore_result=True)
def sources_sync_all_task() -> None:
    """What beat runs: a sync request for every enabled source. Not retried: beat's next tick is the retry."""
    # A source set in the environment since the last start-up is synced on this tick. The schedule is left alone:
    # beat is running it, and a save from here would race beat's own bookkeeping on the row.
    startup_ensure(schedule=False)
    sync_requests_all_enabled()


@shared_task(name=queue.WEBHOOKS_DRAIN, ignore_result=True)
def webhooks_drain_task() -> None:
    """Turn new events into deliveries and queue the due ones (after each commit with events, and on beat)."""
    for delivery_pk in outbox_drain():
        webhook_deliver_task.delay(delivery_pk)


@shared_task(name=queue.WEBHOOK_DELIVER, ignore_result=True, autoretry_for=TRANSIENT_ERRORS, max_retries=3)
def webhook_deliver_task(delivery_pk: int) -> None:
    """One attempt of one delivery; a failed one is queued again after its backoff."""
    if (retry_in := delivery_attempt(delivery_pk)) is not None:
        webhook_deliver_task.apply_async((delivery_pk,), countdown=retry_in)


@shared_task(name=queue.RETIREMENT_WARNINGS, ignore_result=True, autoretry_for=TRANSIENT_ERRORS, max_retries=3)
def retirement_warnings_task(today: str | None = None) -> None:
    """What beat runs daily: the retirement warnings due today, each sent once however often it runs. `today` (an
    ISO date, e.g. in the periodic task's kwargs) sends a given day's instead, as after an outage."""
    retirement_warnings_send(today=dt.date.fromisoformat(today) if today else None)
