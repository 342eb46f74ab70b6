"""No start-up step to remember (issue #15): `migrate`, `sync_models` and the beat task see the environment's
sources and the schedule; a source that does not exist is named with what would create it."""

import importlib
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import OperationalError
from django_celery_beat.models import PeriodicTask, PeriodicTasks

from catalog.models import LLMModel
from config.celery import _beat_schedule_ensure
from modelsync import startup, tasks
from modelsync.models import Source, SyncRun
from modelsync.schedule import SYNC_ALL_NAME, sync_schedule_ensure
from modelsync.startup import ensure_before_serving
from tests.modelsync.fake_upstream import litellm_proxy

pytestmark = pytest.mark.django_db


@pytest.fixture
def auto_setup(settings):
    settings.MODELSYNC_AUTO_SETUP = True
    return settings


def _migrate() -> str:
    out = io.StringIO()
    call_command("migrate", stdout=out)
    return out.getvalue()


def test_migrate_creates_the_environments_sources_and_the_schedule(auto_setup):
    auto_setup.LITELLM_PROXY_URL = "http://127.0.0.1:4000/"
    auto_setup.OPENROUTER_ENABLED = True
    output = _migrate()
    assert sorted(Source.objects.values_list("name", "base_url")) == [
        ("litellm", "http://127.0.0.1:4000"),
        ("openrouter", "https://openrouter.ai/api/v1"),
    ]
    task = PeriodicTask.objects.get(name=SYNC_ALL_NAME)
    assert (task.interval.every, task.enabled) == (auto_setup.MODELSYNC_SYNC_INTERVAL, True)
    assert f"modelsync: periodic task '{SYNC_ALL_NAME}' created" in output
    assert f"periodic task '{SYNC_ALL_NAME}' kept" in _migrate()  # a second migrate changes nothing
    assert Source.objects.count() == 2 and PeriodicTask.objects.filter(name=SYNC_ALL_NAME).count() == 1


def test_with_auto_setup_off_migrate_leaves_both_to_the_commands(settings):
    settings.MODELSYNC_AUTO_SETUP = False
    settings.LITELLM_PROXY_URL = "http://127.0.0.1:4000"
    assert "modelsync:" not in _migrate()
    assert not Source.objects.exists() and not PeriodicTask.objects.filter(name=SYNC_ALL_NAME).exists()


def test_sync_models_right_after_migrate_syncs_the_env_source(auto_setup):
    with litellm_proxy() as proxy:
        auto_setup.LITELLM_PROXY_URL = proxy.url
        _migrate()
        out = io.StringIO()
        call_command("sync_models", "--source", "litellm", "--json", stdout=out)
    summary = json.loads(out.getvalue().splitlines()[-1])
    assert (summary["source"], summary["status"]) == ("litellm", "succeeded") and summary["created"] > 0
    assert LLMModel.objects.filter(source__name="litellm", is_active=True).count() == summary["created"]


def test_a_demo_install_then_migrate_with_a_gateway_syncs_only_the_gateway(auto_setup, monkeypatch):
    """The README's order: a first start on the demo, then LITELLM_PROXY_URL, migrate and one sync_models."""
    _migrate()
    call_command("sync_models", stdout=io.StringIO())
    assert LLMModel.objects.filter(source__name="static").count() == 421
    monkeypatch.setenv("LITELLM_API_KEY", "sk-startup-0000")
    with litellm_proxy() as proxy:
        auto_setup.LITELLM_PROXY_URL = proxy.url
        _migrate()
        out = io.StringIO()
        call_command("sync_models", "--json", stdout=out)  # every enabled source: the gateway alone now
    summaries = [json.loads(line) for line in out.getvalue().splitlines() if line.startswith("{")]
    assert [summary["source"] for summary in summaries] == ["litellm"]
    assert dict(Source.objects.values_list("name", "enabled")) == {"litellm": True, "static": False}
    offered = set(LLMModel.objects.visible().values_list("source__name", flat=True))
    assert offered == {"litellm"}  # the demo's 421 rows are kept, and offered nowhere


@pytest.mark.parametrize(
    ("name", "hint"),
    [
        ("litellm", "set LITELLM_PROXY_URL=http://your-proxy:4000 in the environment and run the command again"),
        ("openrouter", "set OPENROUTER_ENABLED=1 in the environment and run the command again"),
        ("corp-vllm", "add it in admin at /admin/modelsync/source/add/"),
    ],
)
def test_a_missing_source_names_what_would_create_it(auto_setup, name, hint):
    Source.objects.create(name="static", kind=Source.Kind.STATIC)
    with pytest.raises(CommandError) as raised:
        call_command("sync_models", "--source", name)
    assert str(raised.value) == f"no source named {name!r} (known: static); {hint}"


def test_the_beat_task_syncs_a_source_set_in_the_environment_since_start_up(
    auto_setup, django_capture_on_commit_callbacks, monkeypatch
):
    sent = []
    monkeypatch.setattr(tasks.source_sync_task, "delay", lambda run_id: sent.append(run_id))
    auto_setup.LITELLM_PROXY_URL = "http://127.0.0.1:4000"
    with django_capture_on_commit_callbacks(execute=True):
        tasks.sources_sync_all_task()
    run = SyncRun.objects.get()
    assert (run.source.name, run.trigger, sent) == ("litellm", SyncRun.Trigger.BEAT, [run.pk])
    assert not PeriodicTask.objects.filter(name=SYNC_ALL_NAME).exists()  # beat owns its row while it runs


def test_beat_start_ensures_the_schedule_and_logs_it(auto_setup, caplog):
    caplog.set_level("INFO", logger="celery.beat")
    _beat_schedule_ensure(sender=None)
    task = PeriodicTask.objects.get(name=SYNC_ALL_NAME)
    assert f"beat: modelsync runs periodic task '{SYNC_ALL_NAME}' created" in caplog.text
    assert f"<freq: {task.interval.schedule.human_seconds}>" in caplog.text


def test_beat_start_with_auto_setup_off_says_so(settings, caplog):
    settings.MODELSYNC_AUTO_SETUP = False
    caplog.set_level("INFO", logger="celery.beat")
    _beat_schedule_ensure(sender=None)
    assert "auto setup off (MODELSYNC_AUTO_SETUP=0)" in caplog.text
    assert not PeriodicTask.objects.exists()


def test_an_unchanged_schedule_is_not_saved_again(settings):
    sync_schedule_ensure()
    changed = PeriodicTasks.last_change()
    assert sync_schedule_ensure().verb == "kept"
    assert PeriodicTasks.last_change() == changed  # a running beat is not told to reload for nothing


def test_a_web_process_start_ensures_the_env_sources(auto_setup):
    auto_setup.LITELLM_PROXY_URL = "http://127.0.0.1:4000"
    ensure_before_serving()
    assert list(Source.objects.values_list("name", flat=True)) == ["litellm"]
    assert not PeriodicTask.objects.filter(name=SYNC_ALL_NAME).exists()  # beat's to ensure


def test_a_web_process_starts_with_the_database_down(auto_setup, monkeypatch, caplog):
    def down():
        raise OperationalError("connection refused")

    monkeypatch.setattr(startup, "sources_ensure_from_env", down)
    ensure_before_serving()  # no exception: the web serves the last good catalog
    assert "sources from the environment not ensured (connection refused)" in caplog.text


def test_config_wsgi_runs_it_once_the_app_is_loaded(monkeypatch):
    calls = []
    wsgi = importlib.import_module("config.wsgi")
    monkeypatch.setattr(startup, "ensure_before_serving", lambda: calls.append("ensured"))
    importlib.reload(wsgi)
    assert calls == ["ensured"]
