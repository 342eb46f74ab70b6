"""The Celery tasks and the beat schedule: limits, JSON ids, idempotency, bounded retries, expiring beat messages."""

import json
import os
import subprocess
import sys
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import OperationalError
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from config.celery import app as celery_app
from modelsync import tasks
from modelsync.exceptions import SyncError
from modelsync.models import Source, SyncRun
from modelsync.schedule import SYNC_ALL_NAME, SYNC_ALL_TASK
from tests.factories import SourceFactory, SyncRunFactory
from tests.modelsync.procs import ROOT

LIMITS = """
import json
from django.conf import settings
from config.celery import app
print(json.dumps([app.conf.task_soft_time_limit, app.conf.task_time_limit, settings.MODELSYNC_LOCK_LEASE,
                  app.conf.broker_transport_options.get("visibility_timeout")]))
"""


def _limits_with(broker_url: str) -> list:
    env = {**os.environ, "CELERY_BROKER_URL": broker_url, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    for name in (
        "CELERY_TASK_SOFT_TIME_LIMIT",
        "CELERY_TASK_TIME_LIMIT",
        "MODELSYNC_LOCK_LEASE",
        "CELERY_VISIBILITY_TIMEOUT",
    ):
        env.pop(name, None)  # the defaults are what is checked
    code = "import django; django.setup()\n" + LIMITS
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_default_limits_order_soft_hard_lease_visibility_on_redis():
    soft, hard, lease, visibility = _limits_with("redis://127.0.0.1:6379/0")
    assert soft < hard < lease < visibility


def test_configured_limits_are_ordered_and_reach_the_celery_app():
    options = settings.CELERY_BROKER_TRANSPORT_OPTIONS
    assert celery_app.conf.task_soft_time_limit == settings.CELERY_TASK_SOFT_TIME_LIMIT
    assert celery_app.conf.task_time_limit == settings.CELERY_TASK_TIME_LIMIT
    assert settings.CELERY_TASK_SOFT_TIME_LIMIT < settings.CELERY_TASK_TIME_LIMIT < settings.MODELSYNC_LOCK_LEASE
    if "visibility_timeout" in options:  # the filesystem broker never redelivers, so it has none
        assert options["visibility_timeout"] > settings.MODELSYNC_LOCK_LEASE


def test_tasks_speak_json_only_and_use_the_database_scheduler():
    assert celery_app.conf.task_serializer == "json"
    assert list(celery_app.conf.accept_content) == ["json"]
    assert celery_app.conf.beat_scheduler == "django_celery_beat.schedulers:DatabaseScheduler"


def test_only_transient_connection_errors_are_retried_boundedly_with_jitter():
    task = tasks.source_sync_task
    assert OperationalError in task.autoretry_for
    assert not any(issubclass(SyncError, kind) or kind is Exception for kind in task.autoretry_for)
    assert task.max_retries == 3 and task.retry_backoff and task.retry_jitter and task.retry_backoff_max <= 60


@pytest.fixture
def static_source(db):
    return Source.objects.create(name="static", kind=Source.Kind.STATIC)


@pytest.fixture
def spy_sync(monkeypatch):
    calls = []

    def fake_sync(*, source, trigger, user=None, dry_run=False, run=None):
        calls.append(run.pk)
        SyncRun.objects.filter(pk=run.pk).update(status=SyncRun.Status.SUCCEEDED)
        return run

    monkeypatch.setattr("modelsync.sync.pipeline.source_sync", fake_sync)
    return calls


def test_task_runs_the_queued_run_through_the_sync_service(static_source):
    run = SyncRunFactory(source=static_source, status=SyncRun.Status.QUEUED, trigger=SyncRun.Trigger.BEAT)
    tasks.source_sync_task(run.pk)
    run.refresh_from_db()
    assert run.status == SyncRun.Status.SUCCEEDED and run.created > 400 and run.trigger == "beat"


def test_rerunning_the_task_for_the_same_run_is_harmless(static_source, spy_sync):
    run = SyncRunFactory(source=static_source, status=SyncRun.Status.QUEUED)
    tasks.source_sync_task(run.pk)
    tasks.source_sync_task(run.pk)  # a redelivered message
    assert spy_sync == [run.pk]


def test_task_for_a_deleted_run_does_nothing(static_source, spy_sync):
    run = SyncRunFactory(source=static_source, status=SyncRun.Status.QUEUED)
    run_id = run.pk
    run.delete()
    tasks.source_sync_task(run_id)
    assert spy_sync == []


def test_queued_run_already_covered_by_a_later_successful_sync_is_skipped(static_source, spy_sync):
    queued = SyncRunFactory(source=static_source, status=SyncRun.Status.QUEUED)
    later = SyncRunFactory(source=static_source, status=SyncRun.Status.SUCCEEDED, started_at=queued.created_at)
    tasks.source_sync_task(queued.pk)
    queued.refresh_from_db()
    assert spy_sync == []
    assert (queued.status, queued.error_kind) == (SyncRun.Status.SKIPPED, "already_synced")
    assert f"#{later.pk}" in queued.error_message


def test_a_lost_database_connection_is_retried_then_gives_up(static_source, monkeypatch):
    calls = []

    def flaky(**kwargs):
        calls.append(1)
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr("modelsync.sync.pipeline.source_sync", flaky)
    run = SyncRunFactory(source=static_source, status=SyncRun.Status.QUEUED)
    result = tasks.source_sync_task.apply(args=[run.pk])
    assert result.failed() and isinstance(result.result, OperationalError)
    assert len(calls) == 1 + tasks.source_sync_task.max_retries


def test_other_errors_are_not_retried(static_source, monkeypatch):
    calls = []

    def broken(**kwargs):
        calls.append(1)
        raise ValueError("a bug")

    monkeypatch.setattr("modelsync.sync.pipeline.source_sync", broken)
    run = SyncRunFactory(source=static_source, status=SyncRun.Status.QUEUED)
    assert tasks.source_sync_task.apply(args=[run.pk]).failed()
    assert len(calls) == 1


@pytest.fixture
def sent(monkeypatch):
    messages = []
    monkeypatch.setattr(tasks.source_sync_task, "delay", lambda *args, **kwargs: messages.append((args, kwargs)))
    return messages


def test_beat_task_requests_a_sync_of_every_enabled_source_after_commit(db, sent, django_capture_on_commit_callbacks):
    enabled = [SourceFactory(), SourceFactory()]
    SourceFactory(enabled=False)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        tasks.sources_sync_all_task()
    assert sent == []  # nothing leaves before the transaction commits
    for callback in callbacks:
        callback()
    runs = SyncRun.objects.filter(trigger=SyncRun.Trigger.BEAT, status=SyncRun.Status.QUEUED)
    assert sorted(run.source_id for run in runs) == sorted(source.pk for source in enabled)
    assert sorted(sent) == sorted(((run.pk,), {}) for run in runs)
    assert all(isinstance(arg, int) for (args, _) in sent for arg in args)  # ids only: JSON, no objects, no secrets


def test_beat_task_twice_queues_nothing_more(db, sent, django_capture_on_commit_callbacks):
    source = SourceFactory()
    with django_capture_on_commit_callbacks(execute=True):
        tasks.sources_sync_all_task()
        tasks.sources_sync_all_task()
    statuses = list(SyncRun.objects.filter(source=source).order_by("id").values_list("status", flat=True))
    assert statuses == ["queued", "skipped"] and len(sent) == 1


def test_beat_task_with_the_broker_down_fails_its_runs_after_one_attempt_and_the_next_tick_queues(
    db, monkeypatch, django_capture_on_commit_callbacks
):
    from kombu.exceptions import OperationalError as BrokerError

    attempts = []

    def refused(run_id):
        attempts.append(run_id)
        raise BrokerError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    sources = [SourceFactory(), SourceFactory(), SourceFactory()]
    with monkeypatch.context() as down, django_capture_on_commit_callbacks(execute=True):
        down.setattr(tasks.source_sync_task, "delay", refused)
        tasks.sources_sync_all_task()
    assert len(attempts) == 1  # one wait on the broker per tick, not one per source
    runs = SyncRun.objects.filter(trigger=SyncRun.Trigger.BEAT)
    assert sorted(runs.values_list("source_id", "status", "error_kind")) == [
        (source.pk, "failed", "broker_unavailable") for source in sources
    ]
    sent = []
    monkeypatch.setattr(tasks.source_sync_task, "delay", sent.append)
    with django_capture_on_commit_callbacks(execute=True):
        tasks.sources_sync_all_task()  # the broker is back: nothing is "already running"
    assert len(sent) == 3 and runs.filter(status="queued").count() == 3


BROKER = """
import json
from config.celery import app
print(json.dumps([app.conf.broker_connection_timeout, app.conf.broker_transport_options,
                  app.conf.task_publish_retry_policy]))
"""


def test_the_broker_timeout_bounds_connects_reads_and_publishes():
    env = {**os.environ, "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0", "CELERY_BROKER_TIMEOUT": "3.5",
           "DJANGO_SETTINGS_MODULE": "config.settings.test"}  # fmt: skip
    code = "import django; django.setup()\n" + BROKER
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    connect, options, policy = json.loads(out.stdout.strip().splitlines()[-1])
    assert connect == options["socket_connect_timeout"] == options["socket_timeout"] == 3.5
    assert policy["max_retries"] == 0  # one attempt: a trigger answers within the timeout, not a multiple of it
    assert options["visibility_timeout"] > settings.MODELSYNC_LOCK_LEASE
    assert settings.CELERY_BROKER_TIMEOUT > 1  # above kombu's 1 s BRPOP poll, so an idle worker never times out


def _setup(**env) -> str:
    out = StringIO()
    call_command("setup_periodic_tasks", stdout=out, **env)
    return out.getvalue()


def test_setup_periodic_tasks_creates_an_expiring_interval_task_once(db, settings):
    settings.MODELSYNC_SYNC_INTERVAL = 900
    _setup()
    _setup()
    task = PeriodicTask.objects.get(name=SYNC_ALL_NAME)
    assert PeriodicTask.objects.filter(task=SYNC_ALL_TASK).count() == 1
    assert (task.interval.every, task.interval.period, task.enabled) == (900, IntervalSchedule.SECONDS, True)
    assert task.expire_seconds == 900  # a message older than one interval is dropped, never replayed
    assert json.loads(task.args or "[]") == [] and json.loads(task.kwargs or "{}") == {}


def test_setup_periodic_tasks_keeps_a_staff_edited_schedule(db, settings):
    settings.MODELSYNC_SYNC_INTERVAL = 900
    _setup()
    task = PeriodicTask.objects.get(name=SYNC_ALL_NAME)
    task.interval = IntervalSchedule.objects.create(every=2, period=IntervalSchedule.HOURS)
    task.enabled = False
    task.save()
    settings.MODELSYNC_SYNC_INTERVAL = 60
    assert "kept" in _setup()
    task.refresh_from_db()
    assert (task.interval.every, task.interval.period, task.enabled) == (2, IntervalSchedule.HOURS, False)
    assert task.expire_seconds == 7200  # the expiry follows the staff's interval


def test_setup_periodic_tasks_reset_restores_the_settings(db, settings):
    settings.MODELSYNC_SYNC_INTERVAL = 900
    _setup()
    PeriodicTask.objects.filter(name=SYNC_ALL_NAME).update(enabled=False)
    settings.MODELSYNC_SYNC_INTERVAL = 120
    _setup(reset=True)
    task = PeriodicTask.objects.get(name=SYNC_ALL_NAME)
    assert (task.interval.every, task.enabled, task.expire_seconds) == (120, True, 120)
