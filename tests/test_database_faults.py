"""A database that refuses, hangs or drops connections, against real gunicorn workers on the real PostgreSQL
(issue #25): each read path gives its outage answer, and within its time bound.

tests/faultproxy.py sits between gunicorn and PostgreSQL. gunicorn runs the production settings (persistent
connections, CONN_MAX_AGE=60, as deployed) with one worker, so the hardest case is the one tested: a connection
that was fine a moment ago and then never answers. Every measured time is printed (`pytest -s` shows them).
"""

from __future__ import annotations

import os
import re
import signal
import sys
import time
from pathlib import Path

import pytest
import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import OperationalError, connection
from rest_framework.authtoken.models import Token

from catalog.models import LLMModel
from config.postgresql.base import DatabaseWrapper
from modelsync.models import Source, SyncRun
from modelsync.sync.pipeline import source_sync
from tests.conftest import unavailable
from tests.faultproxy import FaultProxy
from tests.modelsync.procs import Proc, celery_env, database_url

pytestmark = [pytest.mark.integration, pytest.mark.timeout(180), pytest.mark.django_db(transaction=True)]
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
PASSWORD = "faults-staff-pw-2525"
STALE_WITHIN = 3.0  # seconds: the list, detail, cost and selection while the database hangs (issue #25)
CHAT = {"category": "chat", "callable_only": False}  # the bundled demo catalog: nothing in it can be called
READY_WITHIN = 2.5  # /readyz's own 2 s deadline, plus the request's way through gunicorn


class Web:
    """One gunicorn (master and one worker) on the production settings, reaching PostgreSQL through the proxy."""

    def __init__(self, env: dict[str, str], log_dir: Path, token: str):
        args = [GUNICORN, "config.wsgi:application", "--bind", "127.0.0.1:0", "--config", "python:config.gunicorn",
                "--workers", "1", "--timeout", "30"]  # fmt: skip
        self.proc = Proc("gunicorn-faults", args, env=env, log_dir=log_dir)
        self.proc.wait_for_log("Booting worker with pid: ", timeout=60)
        self.base = re.search(r"Listening at: (http://[\d.:]+)", self.proc.log()).group(1)
        self.api = requests.Session()
        self.api.headers["Authorization"] = f"Token {token}"
        self.admin = requests.Session()
        self.times: dict[str, float] = {}

    def timed(self, label: str, method: str, path: str, *, session=None, **kwargs) -> requests.Response:
        started = time.monotonic()
        response = (session or self.api).request(method, f"{self.base}{path}", timeout=15, **kwargs)
        self.times[label] = round(time.monotonic() - started, 3)
        print(f"{label}: {response.status_code} in {self.times[label]:.3f} s")
        return response

    def wait_until_serving(self) -> None:
        deadline = time.monotonic() + 30
        while True:
            try:
                if requests.get(f"{self.base}/healthz", timeout=5).status_code == 200:
                    return
            except requests.RequestException:
                pass
            assert time.monotonic() < deadline, self.proc.log()[-2000:]
            time.sleep(0.1)

    def login(self) -> None:
        self.admin.get(f"{self.base}/admin/login/", timeout=10)
        page = self.admin.post(f"{self.base}/admin/login/?next=/admin/", timeout=10,
                               data={"username": "staff", "password": PASSWORD,
                                     "csrfmiddlewaretoken": self.admin.cookies["csrftoken"]})  # fmt: skip
        assert page.url == f"{self.base}/admin/", page.text[:500]

    def worker_pid(self) -> int:
        children = Path(f"/proc/{self.proc.popen.pid}/task/{self.proc.popen.pid}/children").read_text().split()
        assert len(children) == 1, children
        return int(children[0])


@pytest.fixture
def outage(tmp_path):
    """The real catalog (421 models) in PostgreSQL, a staff user with a token, the proxy, and gunicorn behind it."""
    if connection.vendor != "postgresql":
        unavailable("PostgreSQL (DATABASE_URL=postgres://...)")
    source = Source.objects.create(name="static", kind=Source.Kind.STATIC)
    assert source_sync(source=source, trigger=SyncRun.Trigger.CLI).created == 421
    staff = get_user_model().objects.create_superuser("staff", "", None)
    hasher = PBKDF2PasswordHasher()  # production's hasher (the test settings' MD5 is not among production's)
    staff.password = hasher.encode(PASSWORD, hasher.salt(), iterations=1000)
    staff.save()
    token = Token.objects.create(user=get_user_model().objects.get(username="staff")).key
    db = connection.settings_dict
    proxy = FaultProxy(db["HOST"] or "127.0.0.1", int(db["PORT"] or 5432))
    env = celery_env(
        database_url=proxy.url_for(database_url()), broker_url=settings.CELERY_BROKER_URL, var_dir=tmp_path,
        DJANGO_SECRET_KEY="faults-test-secret-key-" + "x" * 30, DJANGO_SECURE_SSL_REDIRECT="0",
        DJANGO_SESSION_COOKIE_SECURE="0", DJANGO_CSRF_COOKIE_SECURE="0", DJANGO_SECURE_HSTS_SECONDS="0",
        MODELSYNC_AUTO_SETUP="0", PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "metrics"),
    )  # fmt: skip
    env["DJANGO_SETTINGS_MODULE"] = "config.settings.production"
    env.pop("DJANGO_CONN_MAX_AGE", None)  # the deployed default: persistent connections
    web = None
    try:
        web = Web(env, tmp_path, token)
        yield web, proxy
    finally:
        if web is not None:
            web.proc.stop()
        proxy.close()


def _stale(response: requests.Response) -> dict:
    assert response.status_code == 200, response.text[:500]
    assert response.headers.get("X-Catalog-Stale") == "1", dict(response.headers)
    body = response.json()
    assert body["stale"] is True
    return body


def _fresh(response: requests.Response) -> dict:
    assert response.status_code == 200, response.text[:500]
    assert "X-Catalog-Stale" not in response.headers
    return response.json()


def _sample(text: str, name: str) -> float | None:
    match = re.search(rf"^{re.escape(name)} (\S+)$", text, re.M)
    return float(match.group(1)) if match else None


def test_a_hanging_database_is_answered_stale_in_time_even_by_a_worker_started_during_it(outage):
    web, proxy = outage
    model = LLMModel.objects.get(model="deepseek/deepseek-chat")
    before = web.timed("metrics before any snapshot", "GET", "/metrics").text
    assert "modelsync_snapshot_built_timestamp_seconds" not in before  # absent, not 0
    assert _sample(before, "modelsync_database_up") == 1
    assert _fresh(web.timed("list", "GET", "/api/v1/models/?page_size=5"))["count"] == 421  # the token: remembered
    assert _fresh(web.timed("select", "POST", "/api/v1/select/", json=CHAT))["stale"] is False
    built = _sample(web.timed("metrics", "GET", "/metrics").text, "modelsync_snapshot_built_timestamp_seconds")
    assert built == pytest.approx(time.time(), abs=60)
    web.login()
    assert web.timed("admin", "GET", "/admin/", session=web.admin).status_code == 200

    proxy.set_mode("blackhole")  # open connections stop answering, new ones are accepted and never answered
    listed = _stale(web.timed("blackhole: list", "GET", "/api/v1/models/?page_size=5"))
    selected = _stale(web.timed("blackhole: select", "POST", "/api/v1/select/", json=CHAT))
    detail = _stale(web.timed("blackhole: detail", "GET", f"/api/v1/models/{model.pk}/"))
    cost = _stale(web.timed("blackhole: cost", "GET", f"/api/v1/models/{model.pk}/cost/?input_tokens=1000000"))
    ready = web.timed("blackhole: readyz", "GET", "/readyz")
    scraped = web.timed("blackhole: metrics", "GET", "/metrics")
    admin = web.timed("blackhole: admin", "GET", "/admin/", session=web.admin)
    assert listed["count"] == 421 and selected["selected"]["category"] == "chat" and selected["considered"] == 421
    assert detail["id"] == model.pk and cost["input_cost"] == "0.2574"
    assert ready.status_code == 503 and ready.json()["checks"] == {"database": False, "broker": True}
    assert scraped.status_code == 200 and _sample(scraped.text, "modelsync_database_up") == 0
    assert _sample(scraped.text, "modelsync_snapshot_built_timestamp_seconds") == built  # process metrics kept
    assert "modelsync_http_request_duration_seconds_count" in scraped.text
    assert admin.status_code == 503 and "The database is unavailable" in admin.text
    for label in ("list", "select", "detail", "cost"):
        assert web.times[f"blackhole: {label}"] < STALE_WITHIN, web.times
    assert web.times["blackhole: readyz"] < READY_WITHIN, web.times
    for label in ("metrics", "admin"):
        assert web.times[f"blackhole: {label}"] < STALE_WITHIN, web.times

    # After MODELSYNC_DB_RETRY_AFTER the process tries the database again: one more wait each time, never more.
    time.sleep(settings.MODELSYNC_DB_RETRY_AFTER)
    _stale(web.timed("blackhole, retried: select", "POST", "/api/v1/select/", json=CHAT))
    time.sleep(settings.MODELSYNC_DB_RETRY_AFTER)
    ready = web.timed("blackhole, retried: readyz", "GET", "/readyz")  # its check waits on the connect: the deadline
    assert ready.status_code == 503 and ready.json()["checks"] == {"database": False, "broker": True}
    assert web.times["blackhole, retried: select"] < STALE_WITHIN, web.times
    assert web.times["blackhole, retried: readyz"] < READY_WITHIN, web.times

    old_worker = web.worker_pid()
    os.kill(old_worker, signal.SIGKILL)  # gunicorn starts a new worker, which has never seen the database
    deadline = time.monotonic() + 30
    while web.proc.log().count("Booting worker with pid: ") < 2:
        assert time.monotonic() < deadline, web.proc.log()[-2000:]
        time.sleep(0.1)
    assert web.worker_pid() != old_worker
    web.wait_until_serving()  # the new worker has loaded the app (/healthz needs no database)
    relisted = _stale(web.timed("new worker: list", "GET", "/api/v1/models/?page_size=5"))  # the token: from disk
    reselected = _stale(web.timed("new worker: select", "POST", "/api/v1/select/", json=CHAT))
    assert relisted["count"] == 421 and reselected["selected"]["model"] == selected["selected"]["model"]
    assert all(entry["id"] > 0 for entry in relisted["results"])  # the saved snapshot's ids, not the static catalog's
    unknown = web.api.get(f"{web.base}/api/v1/models/", headers={"Authorization": "Token " + "0" * 40}, timeout=15)
    assert unknown.status_code == 503 and unknown.json()["error"]["code"] == "database_unavailable"
    for label in ("list", "select"):
        assert web.times[f"new worker: {label}"] < STALE_WITHIN, web.times

    proxy.set_mode("pass")
    started = time.monotonic()
    while (recovered := web.api.get(f"{web.base}/api/v1/models/?page_size=5", timeout=15)).headers.get(
        "X-Catalog-Stale"
    ):
        assert time.monotonic() - started < 15, "still stale 15 s after the database came back"
        time.sleep(0.2)
    print(f"recovered: fresh answers {time.monotonic() - started:.3f} s after the database came back")
    assert _fresh(recovered)["count"] == 421
    assert web.timed("recovered: admin", "GET", "/admin/", session=web.admin).status_code == 200


def test_a_refusing_database_is_answered_stale_at_once_and_a_cut_connection_is_replaced(outage):
    web, proxy = outage
    _fresh(web.timed("list", "GET", "/api/v1/models/?page_size=5"))
    _fresh(web.timed("select", "POST", "/api/v1/select/", json=CHAT))

    proxy.cut()  # the worker's open connection dies (a PostgreSQL restart): the next request reconnects, fresh
    assert _fresh(web.timed("cut: list", "GET", "/api/v1/models/?page_size=5"))["count"] == 421

    proxy.set_mode("refuse")
    proxy.cut()
    _stale(web.timed("refuse: list", "GET", "/api/v1/models/?page_size=5"))
    _stale(web.timed("refuse: select", "POST", "/api/v1/select/", json=CHAT))
    ready = web.timed("refuse: readyz", "GET", "/readyz")
    scraped = web.timed("refuse: metrics", "GET", "/metrics")
    assert ready.status_code == 503 and ready.json()["checks"]["database"] is False
    assert scraped.status_code == 200 and _sample(scraped.text, "modelsync_database_up") == 0
    for label in ("list", "select", "metrics"):
        assert web.times[f"refuse: {label}"] < STALE_WITHIN, web.times
    assert web.times["refuse: readyz"] < READY_WITHIN, web.times

    proxy.set_mode("pass")
    deadline = time.monotonic() + 15
    while web.api.get(f"{web.base}/api/v1/models/?page_size=5", timeout=15).headers.get("X-Catalog-Stale"):
        assert time.monotonic() < deadline, "still stale 15 s after the database came back"
        time.sleep(0.2)
    assert web.api.get(f"{web.base}/readyz", timeout=15).status_code == 200


# --- The backend's limits, in this process, on the real PostgreSQL behind the proxy -------------------------------


@pytest.fixture
def proxied_wrapper():
    """A second connection wrapper (alias "faulty") on the test database, through a fault proxy of its own."""
    if connection.vendor != "postgresql":
        unavailable("PostgreSQL (DATABASE_URL=postgres://...)")
    db = connection.settings_dict
    with FaultProxy(db["HOST"] or "127.0.0.1", int(db["PORT"] or 5432)) as proxy:
        wrapper = DatabaseWrapper({**db, "HOST": "127.0.0.1", "PORT": proxy.port, "CONN_MAX_AGE": 60}, alias="faulty")
        try:
            yield wrapper, proxy
        finally:
            wrapper.close()


def _select_one(wrapper) -> int:
    with wrapper.cursor() as cursor:
        cursor.execute("SELECT 1")
        return cursor.fetchone()[0]


def test_a_connection_that_stops_answering_fails_its_health_check_and_the_outage_is_remembered(proxied_wrapper):
    wrapper, proxy = proxied_wrapper
    assert _select_one(wrapper) == 1
    proxy.set_mode("blackhole")
    wrapper.health_check_done = False  # what each request's start does
    with pytest.raises(OperationalError, match="did not answer a moment ago"):
        _select_one(wrapper)  # the health check gave up, and the reconnect is not even tried
    proxy.set_mode("pass")
    with pytest.raises(OperationalError, match="did not answer a moment ago"):
        _select_one(wrapper)  # remembered for MODELSYNC_DB_RETRY_AFTER seconds


def test_a_connect_that_hangs_gives_up_at_the_connect_timeout_and_is_remembered(proxied_wrapper, settings):
    wrapper, proxy = proxied_wrapper
    proxy.set_mode("blackhole")
    with pytest.raises(OperationalError, match="timeout"):
        wrapper.ensure_connection()
    with pytest.raises(OperationalError, match="did not answer a moment ago"):
        wrapper.ensure_connection()
    settings.MODELSYNC_DB_RETRY_AFTER = 0
    from config.database import database_up

    database_up(wrapper._target())
    proxy.set_mode("pass")
    assert _select_one(wrapper) == 1


def test_the_web_processs_statement_timeout_is_postgresqls_and_a_workers_has_none(proxied_wrapper, monkeypatch):
    import config.database

    wrapper, _ = proxied_wrapper
    assert connection.settings_dict["ENGINE"] == "config.postgresql"  # every process: the connect timeout
    assert connection.settings_dict["OPTIONS"]["connect_timeout"] == settings.MODELSYNC_DB_CONNECT_TIMEOUT
    with wrapper.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == "0"  # this process is no web process
    wrapper.close()
    monkeypatch.setattr(config.database, "_web_process", True)
    with wrapper.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == f"{int(settings.MODELSYNC_DB_STATEMENT_TIMEOUT)}s"
        with pytest.raises(OperationalError, match="statement timeout"):
            cursor.execute("SELECT pg_sleep(%s)", [settings.MODELSYNC_DB_STATEMENT_TIMEOUT + 2])
    assert wrapper.connection.answer_timeout == settings.MODELSYNC_DB_STATEMENT_TIMEOUT + 1
