"""One run per source, the whole rule: a request queues a run only when none is in flight, a queued run that a later
run already covered is skipped, and runs whose worker died are written off (the lock itself: modelsync.sync.locks).

Requesting a sync from an interface (admin, API, beat): one run in flight per source, published after commit.

A run is published to the broker only once its row is committed, and a publish that fails (broker refused, hung or
dropped) fails the run as `broker_unavailable` at once: a queued run that no worker will ever see would otherwise
block its source (every trigger `already_running`) until the lock lease wrote it off.
"""

import logging
from collections.abc import Iterable
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from modelsync import queue
from modelsync.models import Source, SyncRun
from modelsync.sync.locks import source_lock

logger = logging.getLogger("modelsync.triggers")
# The loggers these lines had before the rule was gathered here: log queries keep working.
sync_logger = logging.getLogger("modelsync.sync")
task_logger = logging.getLogger("modelsync.tasks")
IN_FLIGHT = (SyncRun.Status.QUEUED, SyncRun.Status.RUNNING)
BROKER_UNAVAILABLE = "broker_unavailable"
# What a publish raises when the broker cannot take the message: kombu wraps the transport's connection errors in
# its OperationalError; a bare socket error or timeout is caught too, in case a transport lets one through.
BROKER_ERRORS = (BrokerError, OSError)


def sync_in_flight(source: Source) -> SyncRun | None:
    """The queued or running run of `source`, once runs that can no longer finish have been written off."""
    _abandoned_runs_close(source)
    return SyncRun.objects.filter(source=source, status__in=IN_FLIGHT, dry_run=False).order_by("-id").first()


def sync_request(*, source: Source, trigger: str, user=None) -> SyncRun:
    """A queued run published once the transaction commits; while one is in flight, a `skipped` run; when the
    broker cannot take the message, the run comes back `failed` (`broker_unavailable`)."""
    return sync_requests(sources=[source], trigger=trigger, user=user)[0]


def sync_requests(*, sources: Iterable[Source], trigger: str, user=None) -> list[SyncRun]:
    """sync_request() for several sources, with one publish attempt at most failing on a broker that is down.

    The runs come back in the order of `sources`; outside a transaction their publish has happened (or failed) by
    the time this returns, so the caller can tell the user what became of each.
    """
    runs = []
    for source in sources:
        with transaction.atomic():
            # Requests for one source take turns (PostgreSQL row lock), so two at once cannot both queue a run.
            Source.objects.select_for_update().filter(pk=source.pk).first()
            if in_flight := sync_in_flight(source):
                runs.append(_skipped_run(source=source, trigger=trigger, user=user, in_flight=in_flight))
                continue
            run = SyncRun.objects.create(source=source, trigger=trigger, triggered_by=user)
            logger.info("sync_request source=%s run=%s trigger=%s status=queued", source.name, run.pk, trigger)
            runs.append(run)
    queued = [run for run in runs if run.status == SyncRun.Status.QUEUED]
    if queued:
        transaction.on_commit(lambda: _runs_publish(queued))  # at once when no outer transaction is open
    return runs


def _runs_publish(runs: list[SyncRun]) -> None:
    """Send each run's task; after the first failed publish the rest fail too, without waiting on the broker again."""
    failure = None
    for run in runs:
        if failure is None:
            try:
                queue.enqueue(queue.SOURCE_SYNC, run.pk)
                continue
            except Exception as exc:  # whatever it was, the run must not stay queued
                failure = exc
        if isinstance(failure, BROKER_ERRORS):
            _run_not_published(run, BROKER_UNAVAILABLE, _broker_message(failure))
        else:
            _run_not_published(run, "publish_failed", f"the sync task could not be sent ({type(failure).__name__})")
    if failure is not None and not isinstance(failure, BROKER_ERRORS):
        raise failure  # a bug, not an outage: the runs are failed, and the error goes to the log as a 500


def _run_not_published(run: SyncRun, error_kind: str, message: str) -> None:
    """The run is finished as failed, so it blocks nothing; `run` (the caller's object) says so too."""
    now = timezone.now()
    fields = {"status": SyncRun.Status.FAILED, "error_kind": error_kind, "error_message": message,
              "started_at": now, "finished_at": now, "duration_ms": 0}  # fmt: skip
    # Conditional: should the message have got through after all, a worker that already took the run keeps it.
    SyncRun.objects.filter(pk=run.pk, status=SyncRun.Status.QUEUED).update(**fields)
    for name, value in fields.items():
        setattr(run, name, value)
    logger.error("sync_request source=%s run=%s trigger=%s status=failed error_kind=%s: %s",
                 run.source.name, run.pk, run.trigger, error_kind, message)  # fmt: skip


def _broker_message(exc: BaseException) -> str:
    """Plain words and the broker's own error, never the broker's password."""
    detail = f"{type(exc).__name__}: {exc}"
    if password := urlsplit(settings.CELERY_BROKER_URL).password:
        detail = detail.replace(password, "***")
    return f"the task broker could not be reached, so this sync was not started ({detail[:300]}); try again later"


def _skipped_run(*, source: Source, trigger: str, user, in_flight: SyncRun) -> SyncRun:
    message = f"run #{in_flight.pk} of this source is {in_flight.status}"
    run = SyncRun.objects.create(
        source=source, trigger=trigger, triggered_by=user,
        **_skipped_fields(error_kind="already_running", message=message),
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
        sync_logger.warning("sync runs written off: %s (abandoned)", count)
    return count


def run_covered_skip(run: SyncRun) -> bool:
    """Skip the queued `run` when a run of the same source that started after it was requested succeeded: that run
    already did the job. True when skipped."""
    done = (SyncRun.Status.SUCCEEDED, SyncRun.Status.PARTIAL)
    later = SyncRun.objects.filter(source_id=run.source_id, status__in=done, dry_run=False)
    covering = later.filter(started_at__gte=run.created_at).exclude(pk=run.pk).order_by("-id").first()
    if covering is None:
        return False
    message = f"run #{covering.pk} synced this source after this run was requested"
    # Conditional update: a concurrent redelivery of the same message cannot skip a run that already started.
    SyncRun.objects.filter(pk=run.pk, status=SyncRun.Status.QUEUED).update(
        **_skipped_fields(error_kind="already_synced", message=message)
    )
    task_logger.info("sync_run source=%s run=%s status=skipped error_kind=already_synced", run.source.name, run.pk)
    return True


def sync_requests_all_enabled() -> list[SyncRun]:
    """What beat asks for: a sync request for every enabled source."""
    return sync_requests(sources=Source.objects.filter(enabled=True), trigger=SyncRun.Trigger.BEAT)


def _skipped_fields(*, error_kind: str, message: str) -> dict:
    """The fields of a run that did not sync because another run does or did: finished at once, no time spent."""
    now = timezone.now()
    return {"status": SyncRun.Status.SKIPPED, "started_at": now, "finished_at": now, "duration_ms": 0,
            "error_kind": error_kind, "error_message": message}  # fmt: skip
