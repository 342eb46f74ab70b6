"""GET /api/v1/sync/status/: per source the last run, the last success and the next run of the beat schedule."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django_celery_beat.models import PeriodicTask

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
