"""Two real Celery workers and beat (Redis, PostgreSQL) run the retirement warnings: each day of a walk across the
lead times is sent by beat and by extra messages to both workers at once, and each warning still goes out once."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter

import pytest
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from modelsync import queue
from modelsync.models import Event
from modelsync.notices import RetirementNotice
from modelsync.schedule import RETIREMENT_WARNINGS_NAME, retirement_warnings_schedule_ensure
from tests.modelsync.changes.retirement_catalog import DAY, retirement_catalog_sync
from tests.modelsync.procs import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]
SUCCEEDED = f"Task {queue.RETIREMENT_WARNINGS}"


def runs(*workers) -> int:
    """How many warning runs the workers finished (their logs say so per task)."""
    return sum(line.count(SUCCEEDED) and "succeeded" in line for w in workers for line in w.log().splitlines())


def beat_every_second_for(day: dt.date) -> None:
    """What staff could do in admin: run the daily task every second, for a given day (its kwargs)."""
    task = PeriodicTask.objects.get(name=RETIREMENT_WARNINGS_NAME)
    task.crontab = None
    task.interval, _ = IntervalSchedule.objects.get_or_create(every=1, period=IntervalSchedule.SECONDS)
    task.kwargs, task.expire_seconds = json.dumps({"today": day.isoformat()}), 60
    task.save()  # save() tells beat the schedule changed


def test_two_workers_and_beat_send_each_lead_times_warning_once(procs, monkeypatch):
    monkeypatch.setenv("LITELLM_API_KEY", "sk-test-only")
    monkeypatch.setenv("OPENROUTER_API_KEY", "sk-or-test-only")
    retirement_catalog_sync()
    retirement_warnings_schedule_ensure()
    beat_every_second_for(DAY - dt.timedelta(days=120))  # nothing due yet
    workers = [procs.worker(concurrency=2), procs.worker(concurrency=2)]
    beat = procs.beat()
    for left in (90, 30, 7, 1, 0):
        day = DAY - dt.timedelta(days=left)
        before = runs(*workers)
        beat_every_second_for(day)
        for _ in range(6):  # a replica's beat, a retried message: the same day at once on both workers
            queue.enqueue(queue.RETIREMENT_WARNINGS, day.isoformat())
        wait_until(lambda before=before: runs(*workers) >= before + 10, timeout=90, what=f"the runs for {day}",
                   logs=(*workers, beat))  # fmt: skip
    events = Event.objects.filter(type__in=("model.retiring", "model.retired"))
    on_day = Counter((e.data["model"], e.data["lead_days"]) for e in events if e.data["date"] == DAY.isoformat())
    assert len({model for model, _ in on_day}) == 7
    assert set(on_day.values()) == {1} and len(on_day) == 7 * 5  # each model, each of 90/30/7/1/0, once
    keys = Counter((e.llm_model_id, e.data["lead_days"], e.data["date"]) for e in events)
    assert max(keys.values()) == 1 and len(keys) == RetirementNotice.objects.count()
    assert all(sum(SUCCEEDED in line for line in w.log().splitlines()) > 0 for w in workers)  # both took part
