"""quickstart_admin (a random password, printed once) and setup_periodic_tasks on a staff-edited schedule."""

import io
import stat

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from modelsync.schedule import SYNC_ALL_NAME

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path  # the first login is kept there, never in the checkout's var/


def _run(*args, **kwargs) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, **kwargs)
    return out.getvalue()


def test_quickstart_admin_creates_a_superuser_with_a_random_password_printed_once():
    first = _run("quickstart_admin")
    password = first.split("with password: ", 1)[1].split()[0]
    user = get_user_model().objects.get(username="admin")
    assert user.is_superuser and user.is_staff and user.check_password(password) and len(password) >= 16
    second = _run("quickstart_admin")
    assert password not in second and ".venv/bin/python manage.py changepassword admin" in second
    assert get_user_model().objects.filter(username="admin").count() == 1
    user.refresh_from_db()
    assert user.check_password(password)  # a second run never resets it


def test_the_first_login_is_kept_in_var_readable_by_its_owner_only(tmp_path):
    first = _run("quickstart_admin")
    password = first.split("with password: ", 1)[1].split()[0]
    kept = tmp_path / "first-login.txt"
    assert kept.read_text() == f"username: admin\npassword: {password}\n"
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600 and str(kept) in first
    again = _run("quickstart_admin")
    assert f"with the password kept in {kept}" in again and password not in again


def test_quickstart_admin_passwords_differ_between_installs():
    first = _run("quickstart_admin", username="one").split("with password: ", 1)[1].split()[0]
    second = _run("quickstart_admin", username="two").split("with password: ", 1)[1].split()[0]
    assert first != second


def test_a_schedule_staff_moved_to_a_crontab_is_kept_with_its_own_expiry(settings):
    _run("setup_periodic_tasks")
    crontab = CrontabSchedule.objects.create(minute="*/30", hour="*")
    PeriodicTask.objects.filter(name=SYNC_ALL_NAME).update(interval=None, crontab=crontab, expire_seconds=1200)
    output = _run("setup_periodic_tasks")
    task = PeriodicTask.objects.get(name=SYNC_ALL_NAME)
    assert (task.crontab, task.interval, task.expire_seconds) == (crontab, None, 1200)
    assert "kept" in output and "expire after 1200s" in output


def test_a_crontab_schedule_without_an_expiry_gets_the_settings_interval(settings):
    _run("setup_periodic_tasks")
    crontab = CrontabSchedule.objects.create(minute="0", hour="*/6")
    PeriodicTask.objects.filter(name=SYNC_ALL_NAME).update(interval=None, crontab=crontab, expire_seconds=None)
    _run("setup_periodic_tasks")
    task = PeriodicTask.objects.get(name=SYNC_ALL_NAME)
    assert task.crontab == crontab and task.expire_seconds == settings.MODELSYNC_SYNC_INTERVAL
