"""Several web replicas and workers agree on one catalog (issue #14), on PostgreSQL and Redis.

Two real gunicorn processes, A and B, serve the same database. What staff do through A's admin, and what a sync
run by either of two real Celery workers changes, B serves on its very next request after the commit: list, detail,
selection and ETag (an old ETag gets a 200, never a 304). A token deleted in A's admin stops working on B at once.
"""

from __future__ import annotations

import itertools
import json
import re
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import requests
from django.conf import settings
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth import get_user_model
from django.db import connection
from rest_framework.authtoken.models import Token

from catalog.models import LLMModel
from modelsync.models import Source, SyncRun
from modelsync.sync.pipeline import source_sync
from tests.conftest import unavailable
from tests.modelsync.conftest import scaled_openrouter
from tests.modelsync.procs import Proc, celery_env, database_url, redis_client, start_worker

pytestmark = [pytest.mark.integration, pytest.mark.timeout(240), pytest.mark.django_db(transaction=True)]
PASSWORD = "fleet-staff-pw-5150"
CANARY = "sk-fleet-canary-0c5e"
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))


class Replica:
    """One gunicorn (its own master and worker) on the test database; a staff session and an API token."""

    def __init__(self, name: str, env: dict[str, str], log_dir: Path, token: str):
        args = [GUNICORN, "config.wsgi:application", "--bind", "127.0.0.1:0", "--config", "python:config.gunicorn",
                "--workers", "1"]  # fmt: skip
        self.proc = Proc(f"gunicorn-{name}", args, env={**env, "PROMETHEUS_MULTIPROC_DIR": str(log_dir / name)},
                         log_dir=log_dir)  # fmt: skip
        self.proc.wait_for_log("Listening at: ", timeout=60)
        self.base = re.search(r"Listening at: (http://[\d.:]+)", self.proc.log()).group(1)
        self.api = requests.Session()
        self.api.headers["Authorization"] = f"Token {token}"
        self.admin = requests.Session()

    def login(self) -> None:
        self.admin.get(f"{self.base}/admin/login/", timeout=10)
        page = self.admin.post(f"{self.base}/admin/login/?next=/admin/", timeout=10,
                               data={"username": "staff", "password": PASSWORD, **self._csrf()})  # fmt: skip
        assert page.url == f"{self.base}/admin/", page.text[:500]

    def _csrf(self) -> dict[str, str]:
        return {"csrfmiddlewaretoken": self.admin.cookies["csrftoken"]}

    def admin_post(self, path: str, data: dict) -> requests.Response:
        response = self.admin.post(f"{self.base}{path}", data={**data, **self._csrf()}, timeout=20,
                                   headers={"Referer": f"{self.base}{path}"})  # fmt: skip
        assert response.ok, response.text[:500]
        return response

    def get(self, path: str, **headers) -> requests.Response:
        return self.api.get(f"{self.base}{path}", headers=headers, timeout=20)

    def select(self, **body) -> dict:
        response = self.api.post(f"{self.base}/api/v1/select/", json=body, timeout=20)
        assert response.ok, response.text[:500]
        return response.json()


@pytest.fixture
def fleet(tmp_path, monkeypatch):
    if connection.vendor != "postgresql":
        unavailable("PostgreSQL (DATABASE_URL=postgres://...)")
    redis = redis_client()
    redis.flushdb()
    catalog_file = tmp_path / "catalog.json"
    catalog_file.write_text(json.dumps(scaled_openrouter(300)))
    source = Source.objects.create(
        name="gateway", kind=Source.Kind.STATIC, base_url=str(catalog_file), api_key_env="OPENROUTER_API_KEY"
    )  # the canary below: never in any answer
    monkeypatch.setenv("OPENROUTER_API_KEY", CANARY)  # synced with its key, as the fleet's worker would: callable
    assert source_sync(source=source, trigger=SyncRun.Trigger.CLI).status == SyncRun.Status.SUCCEEDED
    get_user_model().objects.create_superuser("staff", "", PASSWORD)
    token = Token.objects.create(user=get_user_model().objects.get(username="staff")).key
    env = celery_env(database_url=database_url(), broker_url=settings.CELERY_BROKER_URL, var_dir=tmp_path,
                     DJANGO_SECRET_KEY="fleet-test-secret-key-" + "x" * 30, OPENROUTER_API_KEY=CANARY)  # fmt: skip
    started: list[Proc] = []
    try:
        a = Replica("a", env, tmp_path, token)
        started.append(a.proc)
        b = Replica("b", env, tmp_path, token)
        started.append(b.proc)
        a.login()
        yield a, b, catalog_file, env, started
    finally:
        for proc in reversed(started):
            proc.stop()
        redis.flushdb()


def _visible(replica: Replica, model: str) -> bool:
    rows = replica.get(f"/api/v1/models/?search={model}&page_size=200").json()["results"]
    return any(row["model"] == model for row in rows)


def test_a_hide_through_one_replica_is_served_by_the_other_at_once(fleet):
    a, b, *_ = fleet
    model = LLMModel.objects.filter(category="chat").order_by("model").first()
    page = b.get("/api/v1/models/?page_size=200")
    old_etag = page.headers["ETag"]
    assert b.get("/api/v1/models/?page_size=200", **{"If-None-Match": old_etag}).status_code == 304
    assert b.get(f"/api/v1/models/{model.pk}/").status_code == 200 and _visible(b, model.model)
    assert b.select(preferred=[model.model], fallbacks=0)["selected"]["model"] == model.model

    a.admin_post("/admin/catalog/llmmodel/", {"action": "hide", ACTION_CHECKBOX_NAME: [model.pk]})

    assert not _visible(b, model.model)
    assert b.get(f"/api/v1/models/{model.pk}/").status_code == 404
    assert b.select(preferred=[model.model], fallbacks=0)["selected"]["model"] != model.model
    again = b.get("/api/v1/models/?page_size=200", **{"If-None-Match": old_etag})
    assert again.status_code == 200 and again.headers["ETag"] != old_etag


def test_a_rename_and_a_source_rename_are_served_by_the_other_at_once(fleet):
    a, b, *_ = fleet
    model = LLMModel.objects.order_by("model").first()
    assert b.get(f"/api/v1/models/{model.pk}/").json()["display_name"] == model.display_name
    a.admin_post(f"/admin/catalog/llmmodel/{model.pk}/change/",
                 {"staff_display_name": "Our house model", "staff_tags": "", "staff_is_recommended": "unknown",
                  "staff_safety_score": "", "staff_notes": "", "links-TOTAL_FORMS": "0",
                  "links-INITIAL_FORMS": "0"})  # fmt: skip
    assert b.get(f"/api/v1/models/{model.pk}/").json()["display_name"] == "Our house model"
    assert b.select(preferred=[model.model], fallbacks=0)["selected"]["display_name"] == "Our house model"

    source = Source.objects.get()
    form = a.admin.get(f"{a.base}/admin/modelsync/source/{source.pk}/change/", timeout=10).text
    fields = dict(re.findall(r'<input type="(?:text|url|number)" name="(\w+)" value="([^"]*)"', form))
    checked = re.findall(r'<input type="checkbox" name="(\w+)"[^>]*checked', form)
    kind = re.search(r'<option value="(\w+)" selected>', form).group(1)
    a.admin_post(f"/admin/modelsync/source/{source.pk}/change/",
                 {**fields, **dict.fromkeys(checked, "on"), "kind": kind, "name": "corp-gateway"})  # fmt: skip
    assert Source.objects.get().name == "corp-gateway"
    assert b.get(f"/api/v1/models/{model.pk}/").json()["source"] == "corp-gateway"
    assert {row["source"] for row in b.get("/api/v1/models/").json()["results"]} == {"corp-gateway"}


def test_a_sync_by_either_worker_is_served_by_both_replicas_at_once(fleet):
    a, b, catalog_file, env, started = fleet
    started.extend([start_worker(env, catalog_file.parent), start_worker(env, catalog_file.parent)])
    payload = json.loads(catalog_file.read_text())
    changed = payload["data"][0]
    changed["pricing"]["prompt"] = "0.00000777"
    catalog_file.write_text(json.dumps(payload))
    model = LLMModel.objects.get(external_id=changed["id"])
    before = {replica.get(f"/api/v1/models/{model.pk}/").json()["pricing"]["input_per_mtok"] for replica in (a, b)}
    assert before != {"7.77"}

    scraped_before = requests.get(f"{b.base}/metrics", timeout=20).text
    response = a.api.post(f"{a.base}/api/v1/sync/", json={}, timeout=20)
    assert response.status_code == 202, response.text
    (run_id,) = [run["id"] for run in response.json()["runs"]]
    deadline = time.monotonic() + 60
    while SyncRun.objects.get(pk=run_id).status in (SyncRun.Status.QUEUED, SyncRun.Status.RUNNING):
        assert time.monotonic() < deadline, [proc.log()[-2000:] for proc in started[2:]]
        time.sleep(0.1)
    assert SyncRun.objects.get(pk=run_id).status == SyncRun.Status.SUCCEEDED
    for replica in (a, b):
        assert replica.get(f"/api/v1/models/{model.pk}/").json()["pricing"]["input_per_mtok"] == "7.77"
        chosen = replica.select(preferred=[model.model], fallbacks=0, input_tokens=1_000_000)["selected"]
        assert chosen["pricing"]["input_per_mtok"] == "7.77"

    scraped = requests.get(f"{b.base}/metrics", timeout=20).text  # B serves what a worker did
    succeeded = 'modelsync_sync_runs_total{source="gateway",status="succeeded"}'
    assert _sample(scraped_before, succeeded) == 1 and _sample(scraped, succeeded) == 2
    assert _sample(scraped, 'modelsync_models_active{source="gateway"}') == 300
    assert _sample(scraped, 'modelsync_http_request_duration_seconds_count{endpoint="/api/v1/select/",method="POST",'
                            'status="200"}') == 1  # fmt: skip
    assert CANARY not in scraped + "".join(proc.log() for proc in started)


def _sample(text: str, series: str) -> float | None:
    match = re.search(rf"^{re.escape(series)} (\S+)$", text, re.M)
    return float(match.group(1)) if match else None


def test_a_token_deleted_in_one_replicas_admin_stops_working_on_the_other(fleet):
    a, b, *_ = fleet
    assert b.get("/api/v1/models/").status_code == 200
    user_id = Token.objects.get().user_id  # DRF's token admin addresses a token by its user
    a.admin_post(f"/admin/authtoken/tokenproxy/{user_id}/delete/", {"post": "yes"})
    assert not Token.objects.exists()
    refused = b.get("/api/v1/models/")
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "authentication_failed"


def test_a_schedule_edit_is_what_the_other_replica_reports(fleet):
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    from modelsync.schedule import SYNC_ALL_NAME, sync_schedule_ensure

    _, b, *_ = fleet
    sync_schedule_ensure()
    (first,) = b.get("/api/v1/sync/status/").json()
    task = PeriodicTask.objects.get(name=SYNC_ALL_NAME)
    task.interval = IntervalSchedule.objects.create(every=7, period=IntervalSchedule.HOURS)
    task.save()  # what the Periodic tasks admin does, on any process
    (second,) = b.get("/api/v1/sync/status/").json()
    moved = datetime.fromisoformat(second["next_run_at"]) - datetime.fromisoformat(first["next_run_at"])
    assert moved == timedelta(hours=7) - timedelta(seconds=settings.MODELSYNC_SYNC_INTERVAL)
    task.enabled = False
    task.save()
    assert b.get("/api/v1/sync/status/").json()[0]["next_run_at"] is None


def test_two_workers_and_one_beat_sync_each_source_once_per_interval_never_twice_at_once(fleet, tmp_path):
    from modelsync.schedule import SYNC_ALL_NAME
    from tests.modelsync.procs import start_beat
    from tests.modelsync.sync.test_scheduling_integration import set_schedule

    *_, catalog_file, env, started = fleet
    Source.objects.create(name="second", kind=Source.Kind.STATIC, base_url=str(catalog_file))
    set_schedule(2)
    started.extend([start_worker(env, tmp_path), start_worker(env, tmp_path)])
    beat = start_beat(env, tmp_path)
    started.append(beat)
    time.sleep(13)
    beat.stop()
    time.sleep(3)  # the last tick's runs finish
    ticks = beat.log().count(f"Scheduler: Sending due task {SYNC_ALL_NAME}")
    assert ticks >= 4, beat.log()[-2000:]
    for source in Source.objects.all():
        runs = list(source.runs.filter(trigger=SyncRun.Trigger.BEAT).exclude(status=SyncRun.Status.SKIPPED)
                    .order_by("started_at"))  # fmt: skip
        assert ticks - 1 <= len(runs) <= ticks, (source.name, ticks, [(r.status, r.started_at) for r in runs])
        assert all(run.status == SyncRun.Status.SUCCEEDED for run in runs)
        for earlier, later in itertools.pairwise(runs):
            assert earlier.finished_at <= later.started_at  # never two runs of one source at once
