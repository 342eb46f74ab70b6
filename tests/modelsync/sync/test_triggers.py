"""sync_request: one run in flight per source, enqueued only after commit; dead runs and a broker that is down
never block a source."""

from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.db import connection, connections
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from kombu.exceptions import OperationalError as BrokerError

from modelsync import tasks
from modelsync.models import SyncRun
from modelsync.sync import runs as triggers
from modelsync.sync.locks import ADVISORY_NAMESPACE, source_lock
from tests.factories import SourceFactory, SyncRunFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(monkeypatch):
    messages = []
    monkeypatch.setattr(tasks.source_sync_task, "delay", lambda *args, **kwargs: messages.append(args))
    return messages


@contextmanager
def lock_held_elsewhere(source_id: int):
    """The source lock held as another worker would: on PostgreSQL from a second session (advisory locks re-enter)."""
    if connection.vendor != "postgresql":
        with source_lock(source_id) as acquired:
            yield acquired
        return
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [ADVISORY_NAMESPACE, source_id])
            yield cursor.fetchone()[0]
    finally:
        other.close()


@pytest.fixture
def source():
    return SourceFactory(name="litellm")


def test_request_queues_a_run_and_enqueues_its_id_only_after_commit(source, sent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        run = triggers.sync_request(source=source, trigger="admin")
    assert (run.status, run.trigger) == (SyncRun.Status.QUEUED, "admin") and sent == []
    callbacks[0]()
    assert sent == [(run.pk,)]


def test_a_trigger_while_a_run_is_queued_is_recorded_as_skipped(source, sent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = triggers.sync_request(source=source, trigger="beat")
        second = triggers.sync_request(source=source, trigger="api")
    assert second.status == SyncRun.Status.SKIPPED and second.error_kind == "already_running"
    assert second.error_message == f"run #{first.pk} of this source is queued"
    assert second.finished_at is not None and sent == [(first.pk,)]


def test_a_trigger_while_a_run_holds_the_lock_is_skipped(source, sent):
    running = SyncRunFactory(source=source, status=SyncRun.Status.RUNNING, started_at=timezone.now())
    with lock_held_elsewhere(source.pk) as acquired:
        assert acquired
        run = triggers.sync_request(source=source, trigger="admin")
    assert run.status == SyncRun.Status.SKIPPED and f"#{running.pk}" in run.error_message
    assert SyncRun.objects.get(pk=running.pk).status == SyncRun.Status.RUNNING


def test_a_running_run_without_its_lock_was_killed_and_no_longer_blocks(source, sent):
    corpse = SyncRunFactory(source=source, status=SyncRun.Status.RUNNING, started_at=timezone.now())
    run = triggers.sync_request(source=source, trigger="admin")
    corpse.refresh_from_db()
    assert run.status == SyncRun.Status.QUEUED
    assert (corpse.status, corpse.error_kind) == (SyncRun.Status.FAILED, "abandoned") and corpse.finished_at


def test_a_run_queued_longer_than_the_lease_is_written_off(source, sent, settings):
    stale = SyncRunFactory(source=source, status=SyncRun.Status.QUEUED)
    old = timezone.now() - timedelta(seconds=settings.MODELSYNC_LOCK_LEASE + 1)
    SyncRun.objects.filter(pk=stale.pk).update(created_at=old)
    run = triggers.sync_request(source=source, trigger="beat")
    stale.refresh_from_db()
    assert run.status == SyncRun.Status.QUEUED
    assert (stale.status, stale.error_kind) == (SyncRun.Status.FAILED, "never_started")


def test_finished_runs_and_other_sources_do_not_block(source, sent):
    for status in SyncRun.FINISHED:
        SyncRunFactory(source=source, status=status)
    SyncRunFactory(source=SourceFactory(), status=SyncRun.Status.QUEUED)
    assert triggers.sync_request(source=source, trigger="cli").status == SyncRun.Status.QUEUED


def test_a_running_dry_run_does_not_count_as_in_flight(source, sent):
    SyncRunFactory(source=source, status=SyncRun.Status.RUNNING, dry_run=True)
    assert triggers.sync_in_flight(source) is None


def test_the_user_who_triggered_is_recorded_on_queued_and_skipped_runs(source, sent, django_user_model):
    user = django_user_model.objects.create_user("ops")
    runs = [triggers.sync_request(source=source, trigger="admin", user=user) for _ in range(2)]
    assert [(run.status, run.triggered_by_id) for run in runs] == [("queued", user.pk), ("skipped", user.pk)]


# --- The broker down: a publish that fails fails its run, which then blocks nothing -------------------------------


class Broker:
    """source_sync_task.delay as the broker answers it: each call takes the next outcome (None = accepted)."""

    def __init__(self, *outcomes):
        self.outcomes = list(outcomes)
        self.sent: list[int] = []
        self.attempts = 0

    def delay(self, run_id):
        self.attempts += 1
        outcome = self.outcomes.pop(0) if self.outcomes else None
        if outcome is not None:
            raise outcome
        self.sent.append(run_id)


def refused(text="Error 111 connecting to 127.0.0.1:6379. Connection refused."):
    return BrokerError(text)


@pytest.fixture
def broker(monkeypatch):
    broker = Broker()
    monkeypatch.setattr(tasks.source_sync_task, "delay", broker.delay)
    return broker


def test_a_refused_publish_fails_the_run_as_broker_unavailable(source, broker, django_capture_on_commit_callbacks):
    broker.outcomes = [refused()]
    with django_capture_on_commit_callbacks(execute=True):
        run = triggers.sync_request(source=source, trigger="api")
    stored = SyncRun.objects.get(pk=run.pk)
    for seen in (run, stored):  # the caller's object says what the database says
        assert (seen.status, seen.error_kind) == (SyncRun.Status.FAILED, "broker_unavailable")
        assert seen.error_message.startswith("the task broker could not be reached, so this sync was not started")
        assert "Connection refused" in seen.error_message and seen.finished_at and seen.duration_ms == 0
    assert broker.sent == []


def test_after_a_refused_publish_the_next_trigger_queues_and_sends(source, broker, django_capture_on_commit_callbacks):
    broker.outcomes = [refused(), None]
    with django_capture_on_commit_callbacks(execute=True):
        failed = triggers.sync_request(source=source, trigger="admin")
    with django_capture_on_commit_callbacks(execute=True):
        again = triggers.sync_request(source=source, trigger="beat")
    assert failed.status == SyncRun.Status.FAILED and triggers.sync_in_flight(source) == again
    assert again.status == SyncRun.Status.QUEUED and broker.sent == [again.pk]


def test_the_publish_waits_for_the_commit(source, broker, django_capture_on_commit_callbacks):
    broker.outcomes = [refused()]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        run = triggers.sync_request(source=source, trigger="api")
    assert broker.attempts == 0 and SyncRun.objects.get(pk=run.pk).status == SyncRun.Status.QUEUED
    callbacks[0]()
    assert broker.attempts == 1 and SyncRun.objects.get(pk=run.pk).status == SyncRun.Status.FAILED


@given(outcomes=st.lists(st.sampled_from(["ok", "refused", "timeout"]), min_size=1, max_size=5))
@hypothesis_settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_several_sources_stop_trying_the_broker_after_its_first_failure(
    outcomes, monkeypatch, django_capture_on_commit_callbacks
):
    SyncRun.objects.all().delete()
    sources = [SourceFactory() for _ in outcomes]
    errors = {"ok": None, "refused": refused(), "timeout": BrokerError("Timeout reading from socket")}
    broker = Broker(*(errors[outcome] for outcome in outcomes))
    monkeypatch.setattr(tasks.source_sync_task, "delay", broker.delay)
    with django_capture_on_commit_callbacks(execute=True):
        runs = triggers.sync_requests(sources=sources, trigger="beat")
    accepted = next((index for index, outcome in enumerate(outcomes) if outcome != "ok"), len(outcomes))
    assert broker.attempts == min(accepted + 1, len(outcomes))  # one wait on a broker that is down, not one each
    assert broker.sent == [run.pk for run in runs[:accepted]]
    assert [run.status for run in runs] == ["queued"] * accepted + ["failed"] * (len(outcomes) - accepted)
    assert all(run.error_kind == "broker_unavailable" for run in runs[accepted:])
    assert not SyncRun.objects.filter(status="queued").exclude(pk__in=broker.sent).exists()  # no run left hanging


def test_the_broker_password_never_reaches_the_run(source, broker, settings, django_capture_on_commit_callbacks):
    settings.CELERY_BROKER_URL = "redis://:hunter2-broker-pw@127.0.0.1:6379/5"
    broker.outcomes = [refused("AUTH failed for redis://:hunter2-broker-pw@127.0.0.1:6379/5")]
    with django_capture_on_commit_callbacks(execute=True):
        run = triggers.sync_request(source=source, trigger="api")
    assert run.error_kind == "broker_unavailable" and "hunter2-broker-pw" not in run.error_message
    assert "redis://:***@127.0.0.1:6379/5" in run.error_message


def test_a_run_a_worker_already_took_is_not_failed_by_a_late_publish_error(
    source, monkeypatch, django_capture_on_commit_callbacks
):
    def delivered_then_timed_out(run_id):  # the message got through; only the broker's reply was lost
        SyncRun.objects.filter(pk=run_id).update(status=SyncRun.Status.RUNNING)
        raise BrokerError("Timeout reading from socket")

    monkeypatch.setattr(tasks.source_sync_task, "delay", delivered_then_timed_out)
    with django_capture_on_commit_callbacks(execute=True):
        run = triggers.sync_request(source=source, trigger="api")
    assert SyncRun.objects.get(pk=run.pk).status == SyncRun.Status.RUNNING


def test_an_unexpected_publish_error_fails_the_runs_and_is_raised(source, broker, django_capture_on_commit_callbacks):
    other = SourceFactory()
    broker.outcomes = [TypeError("not JSON serializable")]
    with pytest.raises(TypeError), django_capture_on_commit_callbacks(execute=True):
        triggers.sync_requests(sources=[source, other], trigger="api")
    runs = SyncRun.objects.order_by("id")
    assert [(run.status, run.error_kind) for run in runs] == [("failed", "publish_failed")] * 2
    assert broker.attempts == 1
