"""GET /api/v1/sync/status/: per source the last run, the last success and the next run of the beat schedule."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django_celery_beat.models import PeriodicTask

from modelsync import tasks
from modelsync.models import SyncRun
from modelsync.schedule import SYNC_ALL_NAME
from tests.factories import SourceFactory, SyncRunFactory

pytestmark = pytest.mark.django_db
STATUS = "/api/v1/sync/status/"


@pytest.fixture
def staff(django_user_model):
    from rest_framework.test import APIClient

    client = APIClient()
    user = django_user_model.objects.create_user("staffer", password="pw", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_syncrun"))  # reading is enough
    client.force_authenticate(user)
    return client


def _by_source(staff) -> dict[str, dict]:
    response = staff.get(STATUS)
    assert response.status_code == 200
    return {row["source"]: row for row in response.json()}


def test_without_a_schedule_no_source_has_a_next_run(staff):
    SourceFactory(name="litellm", last_run_at=timezone.now())
    assert _by_source(staff)["litellm"]["next_run_at"] is None


def test_next_run_is_the_last_run_plus_the_interval_and_only_for_enabled_sources(staff, settings):
    call_command("setup_periodic_tasks", stdout=None)
    last = timezone.now().replace(microsecond=0) - timedelta(minutes=5)
    SourceFactory(name="litellm", last_run_at=last)
    SourceFactory(name="never-ran")
    SourceFactory(name="paused", enabled=False, last_run_at=last)
    rows = _by_source(staff)
    assert parse_datetime(rows["litellm"]["next_run_at"]) == last + timedelta(seconds=settings.MODELSYNC_SYNC_INTERVAL)
    assert rows["never-ran"]["next_run_at"] is None
    assert rows["paused"]["next_run_at"] is None and rows["paused"]["enabled"] is False


def test_the_beats_own_last_run_wins_over_the_sources(staff, settings):
    call_command("setup_periodic_tasks", stdout=None)
    beat_ran = timezone.now().replace(microsecond=0) - timedelta(minutes=1)
    PeriodicTask.objects.filter(name=SYNC_ALL_NAME).update(last_run_at=beat_ran)
    SourceFactory(name="litellm", last_run_at=beat_ran - timedelta(hours=3))
    row = _by_source(staff)["litellm"]
    assert parse_datetime(row["next_run_at"]) == beat_ran + timedelta(seconds=settings.MODELSYNC_SYNC_INTERVAL)


def test_a_paused_schedule_gives_no_next_run(staff):
    call_command("setup_periodic_tasks", stdout=None)
    PeriodicTask.objects.filter(name=SYNC_ALL_NAME).update(enabled=False)
    SourceFactory(name="litellm", last_run_at=timezone.now())
    assert _by_source(staff)["litellm"]["next_run_at"] is None


def test_the_last_run_ignores_skipped_runs(staff):
    source = SourceFactory(name="litellm")
    done = SyncRunFactory(source=source, status=SyncRun.Status.SUCCEEDED)
    SyncRunFactory(source=source, status=SyncRun.Status.SKIPPED)
    row = _by_source(staff)["litellm"]
    assert row["last_run"]["id"] == done.pk and row["last_run"]["status"] == "succeeded"


# --- Who may start syncs and read runs (the same rule as admin: tests/modelsync/sync/test_admin_sync.py) -------------


def _client_for(user):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(user)
    return client


def test_staff_without_the_permission_may_neither_start_nor_read(django_user_model):
    client = _client_for(django_user_model.objects.create_user("onlooker", is_staff=True))
    SourceFactory(name="litellm")
    refused = client.post("/api/v1/sync/", {}, format="json")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "permission_denied"
    assert "'Can start a sync' permission (modelsync.run_sync)" in refused.json()["error"]["message"]
    for path in ("/api/v1/sync-runs/", STATUS):
        response = client.get(path)
        assert response.status_code == 403 and "sync history" in response.json()["error"]["message"]
    assert not SyncRun.objects.exists()


def test_reading_runs_does_not_let_one_start_a_sync(staff):
    run = SyncRunFactory(source=SourceFactory(name="litellm"), status=SyncRun.Status.SUCCEEDED)
    assert staff.get(f"/api/v1/sync-runs/{run.pk}/").json()["id"] == run.pk
    assert staff.post("/api/v1/sync/", {}, format="json").status_code == 403
    assert SyncRun.objects.count() == 1


# --- The broker down --------------------------------------------------------------------------------------------


@pytest.fixture
def operator(django_user_model):
    user = django_user_model.objects.create_user("operator", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="run_sync"))
    return _client_for(user)


@pytest.mark.django_db(transaction=True)  # the publish runs on the real commit, before the response
def test_trigger_with_the_broker_down_is_a_503_and_the_next_one_after_recovery_is_202(operator, monkeypatch):
    from kombu.exceptions import OperationalError

    def hangs(run_id):
        raise OperationalError("Timeout reading from socket")

    sent = []
    source = SourceFactory(name="litellm")
    with monkeypatch.context() as down:
        down.setattr(tasks.source_sync_task, "delay", hangs)
        response = operator.post("/api/v1/sync/", {"source": "litellm"}, format="json")
    body = response.json()
    assert response.status_code == 503 and set(body) == {"error", "runs"}
    assert (
        body["error"]["code"] == "broker_unavailable"
        and "Not started (recorded as failed): litellm." in (body["error"]["message"])
    )
    (run,) = body["runs"]
    assert (run["status"], run["error_kind"]) == ("failed", "broker_unavailable")
    assert "Timeout reading from socket" in run["error_message"]
    source.refresh_from_db()
    assert source.consecutive_failures == 0 and source.last_run_at is None  # the source itself was never tried

    monkeypatch.setattr(tasks.source_sync_task, "delay", sent.append)
    again = operator.post("/api/v1/sync/", {"source": "litellm"}, format="json")
    assert again.status_code == 202 and sent == [again.json()["runs"][0]["id"]]


def test_a_broker_error_raised_in_any_view_is_a_503_in_the_one_shape():
    from kombu.exceptions import OperationalError

    from catalog.api.errors import api_exception_handler

    response = api_exception_handler(OperationalError("Error 111 connecting"), {})
    assert response.status_code == 503
    assert response.data["error"]["code"] == "broker_unavailable"
    assert "Error 111" not in response.data["error"]["message"]  # the broker's address stays in the log
