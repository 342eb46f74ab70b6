"""Real Redis, PostgreSQL, `celery worker` and `celery beat` processes: the schedule, backlogs, kills and single-flight.

The worker and beat share pytest-django's live test database (transactional_db commits for real), so the test reads
what they wrote through the ORM. A static source reads the catalog snapshot shipped in the package; pointing it at a
FIFO instead holds a sync in the middle of its fetch for as long as the test wants.
"""

from __future__ import annotations

import itertools
import json
import os
import stat
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from catalog.models import CatalogState, LLMModel
from modelsync.adapters.static import SNAPSHOT
from modelsync.models import Source, SyncRun
from modelsync.schedule import SYNC_ALL_NAME
from modelsync.sync.locks import source_lock
from modelsync.sync.pipeline import source_sync
from modelsync.sync.runs import sync_request
from tests.modelsync.fake_upstream import litellm_proxy
from tests.modelsync.procs import run_command, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]


def set_schedule(seconds: int, *, enabled: bool = True) -> PeriodicTask:
    """What staff do in django-celery-beat's admin: pick another interval (save() tells beat)."""
    interval, _ = IntervalSchedule.objects.get_or_create(every=seconds, period=IntervalSchedule.SECONDS)
    task, _ = PeriodicTask.objects.get_or_create(
        name=SYNC_ALL_NAME, defaults={"task": "modelsync.sources_sync_all_task", "interval": interval}
    )
    task.interval, task.enabled, task.expire_seconds = interval, enabled, seconds
    task.save()
    return task


def beat_runs(since=None):
    runs = SyncRun.objects.filter(trigger=SyncRun.Trigger.BEAT)
    return runs.filter(created_at__gte=since) if since else runs


def catalog_snapshot() -> tuple:
    rows = LLMModel.objects.order_by("pk").values_list("pk", "external_id", "content_hash", "is_active")
    return list(rows), CatalogState.objects.filter(pk=1).values_list("version", flat=True).first()


def make_fifo(path: Path) -> Path:
    os.mkfifo(path)
    return path


def feed_fifo(path: Path, data: bytes) -> None:
    """Give the one sync blocked on opening `path` its catalog; fails at once when nobody is reading."""
    fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK)  # ENXIO when no reader has it open
    os.set_blocking(fd, True)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)


def test_beat_runs_the_sync_and_follows_interval_edits(procs):
    source = Source.objects.create(name="static", kind=Source.Kind.STATIC)
    set_schedule(2)
    worker, beat = procs.worker(), procs.beat()

    first = wait_until(lambda: beat_runs().filter(status=SyncRun.Status.SUCCEEDED).first(), timeout=40,
                       what="a beat-triggered run that succeeded", logs=(worker, beat))  # fmt: skip
    assert first.source == source and first.created > 400 and LLMModel.objects.filter(source=source).count() > 400

    set_schedule(3600)  # staff slow it down: beat stops sending within its loop interval
    time.sleep(3)
    quiet_since = timezone.now()
    time.sleep(6)
    assert not beat_runs(quiet_since).exists(), "beat kept the old 2 s interval"

    set_schedule(1)  # and speed it up again
    resumed = timezone.now()
    wait_until(lambda: beat_runs(resumed).count() >= 3, timeout=20, what="beat to follow the 1 s interval",
               logs=(worker, beat))  # fmt: skip
    spacing = list(beat_runs(resumed).order_by("created_at").values_list("created_at", flat=True))
    assert all(b - a >= timedelta(seconds=0.5) for a, b in itertools.pairwise(spacing))


def test_migrate_then_worker_and_beat_sync_the_env_source_with_no_other_step(procs):
    """A new user's path (issue #15): `migrate`, `celery worker`, `celery beat` and nothing else."""
    interval = 4
    with litellm_proxy() as proxy:
        procs.env.update(MODELSYNC_AUTO_SETUP="1", LITELLM_PROXY_URL=proxy.url, MODELSYNC_SYNC_INTERVAL=str(interval))
        migrate = run_command(procs.env, "migrate", "--noinput")
        output = migrate.communicate(timeout=60)[0].decode()
        assert migrate.returncode == 0, output
        assert f"modelsync: periodic task '{SYNC_ALL_NAME}' created" in output
        worker, beat = procs.worker(), procs.beat()
        run = wait_until(lambda: beat_runs().filter(status=SyncRun.Status.SUCCEEDED).first(), timeout=2 * interval + 3,
                         what="a beat-triggered run within two intervals", logs=(worker, beat))  # fmt: skip
    assert run.source.name == "litellm" and run.created > 0
    assert f"beat: modelsync runs periodic task '{SYNC_ALL_NAME}' kept: <freq: {interval}.00 seconds>" in beat.log()


def test_a_worker_that_was_down_does_not_replay_the_backlog(procs, broker):
    Source.objects.create(name="static", kind=Source.Kind.STATIC)
    set_schedule(1)
    worker, beat = procs.worker(), procs.beat()
    wait_until(lambda: beat_runs().filter(status=SyncRun.Status.SUCCEEDED).exists(), timeout=40,
               what="a first beat run", logs=(worker, beat))  # fmt: skip

    worker.stop()
    time.sleep(6)  # beat keeps sending while nobody consumes
    set_schedule(3600)
    time.sleep(2.5)
    backlog = broker.llen("celery")
    assert backlog >= 3, f"expected a backlog of beat messages in Redis, found {backlog}"
    runs_before = beat_runs().count()

    worker = procs.worker()
    wait_until(lambda: broker.llen("celery") == 0, timeout=20, what="the worker to drain the queue", logs=(worker,))
    time.sleep(3)
    assert beat_runs().count() == runs_before, f"{backlog} expired beat messages were replayed"
    assert "expired" in worker.log().lower() or "revoked" in worker.log().lower()


def test_sigkill_mid_sync_frees_the_lock_leaves_the_catalog_and_the_next_run_succeeds(procs, tmp_path):
    snapshot = json.loads(SNAPSHOT.read_text())
    catalog_file = tmp_path / "catalog.json"
    catalog_file.write_text(json.dumps(snapshot))
    source = Source.objects.create(name="static", kind=Source.Kind.STATIC, base_url=str(catalog_file))
    assert source_sync(source=source, trigger=SyncRun.Trigger.CLI).status == SyncRun.Status.SUCCEEDED
    before = catalog_snapshot()

    Source.objects.filter(pk=source.pk).update(base_url=str(make_fifo(tmp_path / "slow-upstream")))
    source.refresh_from_db()
    worker = procs.worker()
    killed = sync_request(source=source, trigger=SyncRun.Trigger.ADMIN)
    wait_until(lambda: SyncRun.objects.get(pk=killed.pk).status == SyncRun.Status.RUNNING, timeout=30,
               what="the run to be in the middle of its fetch", logs=(worker,))  # fmt: skip
    with source_lock(source.pk) as acquired:
        assert not acquired, "the running sync should hold the source lock"

    worker.kill()
    wait_until(lambda: _lock_free(source), timeout=10, what="the killed worker's lock to go")
    assert catalog_snapshot() == before

    snapshot["data"][0]["name"] += " (renamed upstream)"
    catalog_file.write_text(json.dumps(snapshot))
    Source.objects.filter(pk=source.pk).update(base_url=str(catalog_file))
    source.refresh_from_db()
    worker = procs.worker()
    next_run = sync_request(source=source, trigger=SyncRun.Trigger.ADMIN)
    assert next_run.status == SyncRun.Status.QUEUED, next_run.error_message
    done = wait_until(lambda: SyncRun.objects.filter(pk=next_run.pk, finished_at__isnull=False).first(), timeout=30,
                      what="the next run to finish", logs=(worker,))  # fmt: skip
    assert (done.status, done.updated, done.created) == (SyncRun.Status.SUCCEEDED, 1, 0)
    assert SyncRun.objects.get(pk=killed.pk).status == SyncRun.Status.FAILED


def _lock_free(source: Source) -> bool:
    with source_lock(source.pk) as acquired:
        return acquired


def test_three_triggers_at_once_run_exactly_one_sync(procs, tmp_path, django_user_model, client):
    fifo = make_fifo(tmp_path / "slow-upstream")
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    source = Source.objects.create(name="static", kind=Source.Kind.STATIC, base_url=str(fifo))
    staff = django_user_model.objects.create_superuser("staff", "", "pw")
    client.force_login(staff)
    # Two children: beat's fan-out task must not wait behind the sync that holds the upstream.
    worker = procs.worker(concurrency=2)
    started = timezone.now()
    # Enabled before beat starts: django-celery-beat misses an edit made between its first load and its first tick.
    set_schedule(1)
    beat = procs.beat()  # beat ...
    command = run_command(procs.env, "sync_models", "--source", "static", "--json")  # ... the command ...
    assert client.post("/admin/modelsync/source/sync-all/").status_code == 302  # ... and the button
    wait_until(lambda: beat_runs(started).exists(), timeout=20, what="beat's trigger", logs=(worker, beat))
    set_schedule(3600, enabled=False)  # one beat trigger is enough; later ticks would start fresh syncs
    runs = SyncRun.objects.filter(created_at__gte=started)
    wait_until(lambda: runs.filter(trigger=SyncRun.Trigger.CLI).exists(), timeout=30, what="the command's run")
    wait_until(lambda: runs.filter(status=SyncRun.Status.RUNNING).exists(), timeout=30, what="one run to start",
               logs=(worker,))  # fmt: skip
    time.sleep(1.5)  # the losers settle as skipped while the winner waits on its upstream

    feed_fifo(fifo, SNAPSHOT.read_bytes())
    output, _ = command.communicate(timeout=60)
    wait_until(lambda: not runs.filter(status__in=(SyncRun.Status.QUEUED, SyncRun.Status.RUNNING)).exists(),
               timeout=30, what="every run to finish", logs=(worker,))  # fmt: skip
    assert command.returncode == 0, output.decode()
    first = {trigger: runs.filter(trigger=trigger).earliest("id") for trigger in ("beat", "admin", "cli")}
    statuses = sorted(run.status for run in first.values())
    assert statuses == ["skipped", "skipped", "succeeded"], {t: (r.status, r.error_kind) for t, r in first.items()}
    assert runs.filter(status=SyncRun.Status.SUCCEEDED).count() == 1
    assert LLMModel.objects.filter(source=source).count() > 400
