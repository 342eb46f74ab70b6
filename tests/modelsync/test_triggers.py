"""sync_request: one run in flight per source, enqueued only after commit; dead runs never block a source."""

from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.db import connection, connections
from django.utils import timezone

from modelsync import triggers
from modelsync.locks import ADVISORY_NAMESPACE, source_lock
from modelsync.models import SyncRun
from tests.factories import SourceFactory, SyncRunFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(monkeypatch):
    messages = []
    monkeypatch.setattr(triggers.source_sync_task, "delay", lambda *args, **kwargs: messages.append(args))
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
