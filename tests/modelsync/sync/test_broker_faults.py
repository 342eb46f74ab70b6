"""Real Redis behind a fault proxy, real PostgreSQL, a real `celery worker`: triggers while the broker is down.

The web side (this process) publishes through tests/faultproxy.py to the real Redis; the worker reads that Redis
directly. With the proxy refusing or blackholing, a trigger answers 503 `broker_unavailable` within a bound and
records its run as failed; once the proxy passes again, the next trigger is 202 and the worker runs it. The bound
is generous (10 s; the configured one is CELERY_BROKER_TIMEOUT, 2 s by default) and asserted only here.
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission
from django.test import Client
from kombu import pools as kombu_pools
from rest_framework.test import APIClient

from config.celery import app as celery_app
from modelsync.models import Source, SyncRun
from tests.faultproxy import FaultProxy
from tests.modelsync.procs import celery_env, database_url, start_worker

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]
TRIGGER = "/api/v1/sync/"
BOUND = 10.0  # seconds; far above CELERY_BROKER_TIMEOUT, far below "hangs until gunicorn kills the worker"


def _pools_reset() -> None:
    """Drop the app's cached broker connections, so the next publish connects to the broker URL configured now.

    kombu keeps the connection and producer pools in process-wide groups keyed by broker URL, which the app's own
    attributes only point at: closing one without clearing the groups leaves a producer pool over a closed
    connection pool ("Acquire on closed pool") for every later publish of the process."""
    kombu_pools.reset()
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@contextmanager
def publishing_through(proxy: FaultProxy):
    """This process publishes to Redis through `proxy` (the write URL; CELERY_BROKER_URL in the environment would
    win over broker_url)."""
    _pools_reset()
    celery_app.conf.broker_write_url = proxy.url_for(settings.CELERY_BROKER_URL)
    try:
        yield
    finally:
        celery_app.conf.broker_write_url = None
        _pools_reset()


@pytest.fixture
def proxy(broker):
    """Every publish of this process goes through the proxy: the refused case answering 503 at all proves it."""
    address = urlsplit(settings.CELERY_BROKER_URL)
    with FaultProxy(address.hostname or "127.0.0.1", address.port or 6379) as proxy, publishing_through(proxy):
        yield proxy


@pytest.fixture
def operator(django_user_model):
    """Staff who may start syncs, not a superuser."""
    user = django_user_model.objects.create_user("operator", password="pw", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="run_sync"))
    return user


@pytest.fixture
def api(operator) -> APIClient:
    client = APIClient()
    client.force_authenticate(operator)
    return client


@pytest.fixture
def source(transactional_db):
    return Source.objects.create(name="static", kind=Source.Kind.STATIC)


def _timed_trigger(api: APIClient):
    started = time.monotonic()
    response = api.post(TRIGGER, {"source": "static"}, format="json")
    return response, time.monotonic() - started


def _fault(proxy: FaultProxy, mode: str) -> None:
    proxy.set_mode(mode)
    proxy.cut()  # connections the pool kept from before see the fault too
    time.sleep(0.2)  # the proxy's pumps notice a mode change within 50 ms


def _assert_not_started(response, elapsed: float, broker) -> SyncRun:
    body = response.json()
    assert response.status_code == 503, body
    assert body["error"]["code"] == "broker_unavailable" and "static" in body["error"]["message"]
    assert elapsed < BOUND, f"the trigger took {elapsed:.1f} s with the broker down"
    (shown,) = body["runs"]
    run = SyncRun.objects.get(pk=shown["id"])
    assert (shown["status"], run.status, run.error_kind) == ("failed", "failed", "broker_unavailable")
    assert "task broker could not be reached" in run.error_message and run.finished_at
    assert broker.llen("celery") == 0  # nothing reached the queue
    return run


def test_refused_and_hanging_broker_fail_fast_and_the_next_trigger_after_recovery_runs(
    proxy, broker, api, source, tmp_path
):
    env = celery_env(database_url=database_url(), broker_url=settings.CELERY_BROKER_URL, var_dir=tmp_path)
    worker = start_worker(env, tmp_path)  # on the real Redis: only the web side's path to the broker fails
    try:
        _fault(proxy, "refuse")
        refused = _assert_not_started(*_timed_trigger(api), broker)

        _fault(proxy, "blackhole")
        response, elapsed = _timed_trigger(api)
        hung = _assert_not_started(response, elapsed, broker)
        assert elapsed >= settings.CELERY_BROKER_TIMEOUT * 0.9  # it did wait on the broker, for the timeout only

        _fault(proxy, "pass")
        response, elapsed = _timed_trigger(api)
        assert response.status_code == 202, response.json()  # not 409: the failed runs block nothing
        (queued,) = response.json()["runs"]
        assert queued["status"] == "queued"
        deadline = time.monotonic() + 60
        while (run := SyncRun.objects.get(pk=queued["id"])).status in ("queued", "running"):
            assert time.monotonic() < deadline, f"the worker did not finish run {run.pk}:\n{worker.log()[-3000:]}"
            time.sleep(0.2)
        assert run.status == "succeeded" and run.created > 400, (run.status, run.error_kind, run.error_message)
        statuses = SyncRun.objects.filter(pk__in=[refused.pk, hung.pk]).values_list("status", flat=True)
        assert set(statuses) == {"failed"}  # a late message, if any, never revived a failed run
    finally:
        worker.stop()


def test_admin_sync_now_with_the_broker_down_says_so_and_the_next_press_queues(proxy, broker, operator, source):
    client = Client()
    client.force_login(operator)
    for mode in ("refuse", "blackhole"):
        _fault(proxy, mode)
        started = time.monotonic()
        page = client.post("/admin/modelsync/source/sync-all/", follow=True)
        elapsed = time.monotonic() - started
        assert page.status_code == 200 and elapsed < BOUND, (mode, page.status_code, elapsed)
        said = [str(message) for message in page.context["messages"]]
        assert len(said) == 1 and said[0].startswith("static: not started, the task broker could not be reached")
        assert 'data-status="failed"' in page.content.decode()  # landed on the run's page, which shows why
    assert list(SyncRun.objects.values_list("status", "error_kind")) == [("failed", "broker_unavailable")] * 2

    _fault(proxy, "pass")
    page = client.post("/admin/modelsync/source/sync-all/", follow=True)
    assert [str(message) for message in page.context["messages"]] == ["Queued 1 sync."]
    assert SyncRun.objects.filter(status="queued").count() == 1 and broker.llen("celery") == 1


def test_readyz_names_the_broker_within_the_bound_while_it_refuses_or_hangs(proxy, client):
    for mode, ready in (("refuse", False), ("blackhole", False), ("pass", True)):
        _fault(proxy, mode)
        started = time.monotonic()
        response = client.get("/readyz")
        elapsed = time.monotonic() - started
        assert response.json()["checks"] == {"database": True, "broker": ready}, mode
        assert response.status_code == (200 if ready else 503) and elapsed < BOUND, (mode, elapsed)
