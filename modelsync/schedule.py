"""The beat schedule (SPEC §7): the interval sync of every enabled source, the webhook drain and the daily
retirement warnings, each created idempotently."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

from modelsync import queue

SYNC_ALL_NAME = "Sync all enabled sources"
SYNC_ALL_TASK = queue.SOURCES_SYNC_ALL


@dataclass(frozen=True)
class EnsuredSchedule:
    task: PeriodicTask
    verb: str  # created, reset or kept

    def __str__(self) -> str:
        return (
            f"periodic task '{SYNC_ALL_NAME}' {self.verb}: {self.task.schedule!r}, enabled={self.task.enabled}, "
            f"messages expire after {self.task.expire_seconds}s"
        )


def _expiry_seconds(task: PeriodicTask | None, default: int) -> int:
    """One interval: a beat message nobody ran within its own interval is dropped, so a backlog never replays."""
    if task is not None and task.interval is not None:
        return max(1, int(task.interval.schedule.run_every.total_seconds()))
    return (task.expire_seconds if task is not None else None) or default


@transaction.atomic
def sync_schedule_ensure(*, reset: bool = False) -> EnsuredSchedule:
    """Create the periodic sync from MODELSYNC_SYNC_INTERVAL; a staff-edited schedule is kept unless `reset`."""
    seconds = settings.MODELSYNC_SYNC_INTERVAL
    existing = PeriodicTask.objects.select_related("interval").filter(name=SYNC_ALL_NAME).first()
    defaults = {"task": SYNC_ALL_TASK, "one_off": False, "description": "modelsync: pull every enabled source"}
    if existing is None or reset:
        schedule, _ = IntervalSchedule.objects.get_or_create(every=seconds, period=IntervalSchedule.SECONDS)
        defaults.update(interval=schedule, crontab=None, solar=None, clocked=None, enabled=True)
        defaults["expire_seconds"] = seconds
    else:  # staff own the interval and the enabled flag from now on; the expiry follows their interval
        defaults["expire_seconds"] = _expiry_seconds(existing, seconds)
    if existing is not None and not reset and all(getattr(existing, k) == v for k, v in defaults.items()):
        return EnsuredSchedule(existing, "kept")  # unsaved: a save would make every beat reload its schedule
    # update_or_create saves through the model, which tells a running beat that the schedule changed.
    task, created = PeriodicTask.objects.update_or_create(name=SYNC_ALL_NAME, defaults=defaults)
    return EnsuredSchedule(task, "created" if created else ("reset" if reset else "kept"))


WEBHOOK_DRAIN_NAME = "Deliver webhooks"
WEBHOOK_DRAIN_TASK = queue.WEBHOOKS_DRAIN


def webhook_drain_schedule_ensure() -> PeriodicTask:
    """The periodic outbox drain: what delivers events whose after-commit kick was lost. Staff edits are kept."""
    schedule, _ = IntervalSchedule.objects.get_or_create(
        every=settings.MODELSYNC_WEBHOOK_DRAIN_INTERVAL, period=IntervalSchedule.SECONDS
    )
    task, _ = PeriodicTask.objects.get_or_create(
        name=WEBHOOK_DRAIN_NAME,
        defaults={"task": WEBHOOK_DRAIN_TASK, "interval": schedule, "expire_seconds": schedule.every,
                  "description": "modelsync: send webhook deliveries that are due"},
    )  # fmt: skip
    return task


RETIREMENT_WARNINGS_NAME = "Send retirement warnings"
RETIREMENT_WARNINGS_TASK = queue.RETIREMENT_WARNINGS
DAY = 24 * 60 * 60


def retirement_warnings_schedule_ensure() -> PeriodicTask:
    """The daily retirement warnings, at 06:00 UTC (https://crontab.guru/#0_6_*_*_*). Staff edits are kept; a message
    older than a day is dropped: the next day's run sends what is due then (only the nearest lead time)."""
    schedule, _ = CrontabSchedule.objects.get_or_create(
        minute="0", hour="6", day_of_week="*", day_of_month="*", month_of_year="*", timezone="UTC"
    )
    task, _ = PeriodicTask.objects.get_or_create(
        name=RETIREMENT_WARNINGS_NAME,
        defaults={"task": RETIREMENT_WARNINGS_TASK, "crontab": schedule, "expire_seconds": DAY,
                  "description": "modelsync: model.retiring / model.retired events due today"},
    )  # fmt: skip
    return task
