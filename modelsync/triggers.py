"""Requesting a sync from an interface (admin, API, beat): one run in flight per source, enqueued after commit."""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from modelsync.locks import source_lock
from modelsync.models import Source, SyncRun
from modelsync.services import sync_runs_abandon
from modelsync.tasks import source_sync_task

logger = logging.getLogger("modelsync.triggers")
IN_FLIGHT = (SyncRun.Status.QUEUED, SyncRun.Status.RUNNING)


def sync_in_flight(source: Source) -> SyncRun | None:
    """The queued or running run of `source`, once runs that can no longer finish have been written off."""
    _abandoned_runs_close(source)
    return SyncRun.objects.filter(source=source, status__in=IN_FLIGHT, dry_run=False).order_by("-id").first()


def sync_request(*, source: Source, trigger: str, user=None) -> SyncRun:
    """A queued run whose task starts once the transaction commits; while one is in flight, a `skipped` run."""
    with transaction.atomic():
        # Requests for one source take turns (PostgreSQL row lock), so two at once cannot both queue a run.
        Source.objects.select_for_update().filter(pk=source.pk).first()
        if in_flight := sync_in_flight(source):
            return _skipped_run(source=source, trigger=trigger, user=user, in_flight=in_flight)
        run = SyncRun.objects.create(source=source, trigger=trigger, triggered_by=user)
        source_sync_task.delay_on_commit(run.pk)
    logger.info("sync_request source=%s run=%s trigger=%s status=queued", source.name, run.pk, trigger)
    return run


def _skipped_run(*, source: Source, trigger: str, user, in_flight: SyncRun) -> SyncRun:
    message = f"run #{in_flight.pk} of this source is {in_flight.status}"
    run = SyncRun.objects.create(
        source=source, trigger=trigger, triggered_by=user,
        **SyncRun.skipped_fields(error_kind="already_running", message=message),
    )  # fmt: skip
    logger.info("sync_request source=%s run=%s trigger=%s status=skipped in_flight=%s",
                source.name, run.pk, trigger, in_flight.pk)  # fmt: skip
    return run


def _abandoned_runs_close(source: Source) -> None:
    """Fail runs whose worker died: `running` with the source lock free, or `queued` for longer than the lease."""
    runs = SyncRun.objects.filter(source=source, dry_run=False)
    now = timezone.now()
    stale_queued = runs.filter(status=SyncRun.Status.QUEUED, created_at__lt=now - _lease())
    message = "no worker started this run before the lock lease ran out"
    if count := stale_queued.update(status=SyncRun.Status.FAILED, error_kind="never_started", error_message=message,
                                    finished_at=now):  # fmt: skip
        logger.warning("sync runs written off: %s (never_started)", count)
    if not runs.filter(status=SyncRun.Status.RUNNING).exists():
        return
    # The lock dies with its holder (connection closed or lease expired); while we hold it nobody can be running.
    with source_lock(source.pk) as acquired:
        if acquired:
            sync_runs_abandon(source=source)


def _lease() -> timedelta:
    return timedelta(seconds=settings.MODELSYNC_LOCK_LEASE)
