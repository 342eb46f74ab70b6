"""modelsync.queue: tasks asked for by name, so no domain module imports modelsync.tasks."""

import subprocess
import sys
from pathlib import Path

import pytest

from modelsync import queue, tasks

ROOT = Path(__file__).resolve().parents[2]
FRESH_PROCESS = """
import sys
import django
django.setup()
from modelsync import queue
assert "modelsync.tasks" not in sys.modules, "imported before anyone asked for a task"
names = [queue.SOURCE_SYNC, queue.SOURCES_SYNC_ALL, queue.WEBHOOKS_DRAIN, queue.WEBHOOK_DELIVER]
print(" ".join(queue._task(name).name for name in names))
"""


def test_a_web_process_that_never_imported_the_tasks_finds_them_by_name():
    """gunicorn imports no tasks module (only a worker runs Celery's autodiscovery at start); a trigger must still
    publish there."""
    env = {"DJANGO_SETTINGS_MODULE": "config.settings.test", "PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-c", FRESH_PROCESS], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=120, check=True).stdout  # fmt: skip
    assert out.split() == [queue.SOURCE_SYNC, queue.SOURCES_SYNC_ALL, queue.WEBHOOKS_DRAIN, queue.WEBHOOK_DELIVER]


def test_the_names_are_the_names_the_tasks_are_registered_under():
    assert tasks.source_sync_task.name == queue.SOURCE_SYNC
    assert tasks.sources_sync_all_task.name == queue.SOURCES_SYNC_ALL
    assert tasks.webhooks_drain_task.name == queue.WEBHOOKS_DRAIN
    assert tasks.webhook_deliver_task.name == queue.WEBHOOK_DELIVER


@pytest.mark.django_db
def test_enqueue_on_commit_publishes_after_the_commit_and_without_a_fallback_lets_a_broker_error_through(
    monkeypatch, django_capture_on_commit_callbacks
):
    sent = []
    monkeypatch.setattr(tasks.webhook_deliver_task, "delay", sent.append)
    with django_capture_on_commit_callbacks(execute=True):
        queue.enqueue_on_commit(queue.WEBHOOK_DELIVER, 7)
        assert sent == []
    assert sent == [7]

    def refused(*args):
        raise OSError("connection refused")

    monkeypatch.setattr(tasks.webhook_deliver_task, "delay", refused)
    with pytest.raises(OSError), django_capture_on_commit_callbacks(execute=True):
        queue.enqueue_on_commit(queue.WEBHOOK_DELIVER, 7)
    told = []
    with django_capture_on_commit_callbacks(execute=True):
        queue.enqueue_on_commit(queue.WEBHOOK_DELIVER, 7, unqueued=told.append)
    assert [type(exc) for exc in told] == [OSError]
