"""Background work by name: how domain code asks for a task without importing modelsync.tasks.

The task names live here, once; modelsync.tasks registers its tasks under them and Celery finds that module by
autodiscovery (config/celery.py). A publish looks the task up in the app's registry, so it goes out exactly as
`task.delay()` would (the task's options, `task_always_eager` in the browser tests) and fails the same way when the
broker cannot take it (CELERY_BROKER_TIMEOUT; no publish retries).
"""

from __future__ import annotations

from collections.abc import Callable

from celery import current_app
from django.db import transaction

SOURCE_SYNC = "modelsync.source_sync_task"
SOURCES_SYNC_ALL = "modelsync.sources_sync_all_task"
WEBHOOKS_DRAIN = "modelsync.webhooks_drain_task"
WEBHOOK_DELIVER = "modelsync.webhook_deliver_task"
RETIREMENT_WARNINGS = "modelsync.retirement_warnings_task"


def enqueue(name: str, *ids: int) -> None:
    """Publish task `name` with `ids` now; raises what the broker raised (the caller decides what that means)."""
    _task(name).delay(*ids)


def _task(name: str):
    """The registered task `name`. A worker has imported every tasks module at start; a web process has not (Celery
    runs the autodiscovery of config/celery.py when it imports its default modules), so it does that once here."""
    if name not in current_app.tasks:
        current_app.loader.import_default_modules()
    return current_app.tasks[name]


def enqueue_on_commit(name: str, *ids: int, unqueued: Callable[[Exception], None] | None = None) -> None:
    """Publish once the transaction commits (at once outside one). When the broker cannot take it, `unqueued` is
    told why (the work is picked up later: the periodic drain); without one, the error propagates."""

    def publish() -> None:
        try:
            enqueue(name, *ids)
        except Exception as exc:
            if unqueued is None:
                raise
            unqueued(exc)

    transaction.on_commit(publish)
