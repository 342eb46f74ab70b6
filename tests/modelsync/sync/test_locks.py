"""One sync per source at a time: the SyncLease on SQLite, the advisory lock and real killed processes on PostgreSQL."""

import io
import json
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from modelsync.models import Source, SyncLease, SyncRun
from modelsync.sync import locks
from modelsync.sync.apply import PAUSE_ENV
from modelsync.sync.locks import ADVISORY_NAMESPACE, source_lock
from modelsync.sync.pipeline import source_sync
from tests.conftest import postgresql_required
from tests.modelsync.payloads import load

ROOT = Path(__file__).resolve().parents[3]
on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql" and not postgresql_required(),
    reason="needs DATABASE_URL pointing at PostgreSQL (CI=true makes a missing one fail, but for CI_DATABASE=sqlite)",
)


@pytest.mark.django_db
def test_a_held_lease_refuses_a_second_holder_and_is_released_after(file_source):
    with locks._lease_lock(file_source.pk) as first:  # what another process's run would try
        with locks._lease_lock(file_source.pk) as second:
            assert (first, second) == (True, False)
        assert SyncLease.objects.filter(source=file_source).exists()
    assert not SyncLease.objects.exists()


@pytest.mark.django_db
def test_a_nested_run_in_the_same_process_is_refused_on_every_database(file_source):
    with source_lock(file_source.pk) as outer, source_lock(file_source.pk) as inner:
        assert (outer, inner) == (True, False)
    with source_lock(file_source.pk) as again:
        assert again


@pytest.mark.django_db
def test_an_expired_lease_of_a_killed_worker_is_taken_over(file_source):
    if connection.vendor == "postgresql":
        pytest.skip("the lease is the lock of databases without advisory locks")
    SyncLease.objects.create(source=file_source, holder="dead", expires_at=timezone.now() - timedelta(seconds=1))
    with source_lock(file_source.pk) as acquired:
        assert acquired and SyncLease.objects.get(source=file_source).holder != "dead"


@pytest.mark.django_db
def test_the_lease_itself_takes_over_an_expired_one_and_respects_a_live_one_on_every_database(file_source):
    SyncLease.objects.create(source=file_source, holder="dead", expires_at=timezone.now() - timedelta(seconds=1))
    with locks._lease_lock(file_source.pk) as taken_over:
        lease = SyncLease.objects.get(source=file_source)
        assert taken_over and lease.holder != "dead" and lease.expires_at > timezone.now()
        with locks._lease_lock(file_source.pk) as second:
            assert not second
    assert not SyncLease.objects.exists()


# --- PostgreSQL: real sessions and real processes -----------------------------------------------------------


def _require_postgresql():
    assert connection.vendor == "postgresql", "CI=true: these tests must run on PostgreSQL"


def _other_session():
    import psycopg

    s = connection.settings_dict
    return psycopg.connect(dbname=s["NAME"], user=s["USER"], host=s["HOST"] or None, port=s["PORT"] or None,
                           password=s["PASSWORD"] or None, autocommit=True)  # fmt: skip


def _advisory_locks_held(source_id: int) -> int:
    with _other_session() as session:
        sql = "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = %s AND objid = %s"
        return session.execute(sql, [ADVISORY_NAMESPACE, source_id]).fetchone()[0]


@on_postgresql
@pytest.mark.django_db
def test_a_lock_held_by_another_session_makes_the_run_skipped_and_a_closed_session_frees_it(catalog_file, file_source):
    _require_postgresql()
    catalog_file.write(load("openrouter/models.json"))
    other = _other_session()
    other.execute("SELECT pg_advisory_lock(%s, %s)", [ADVISORY_NAMESPACE, file_source.pk])
    assert source_sync(source=file_source, trigger="cli").status == "skipped"
    other.close()  # like a killed worker's connection: the lock goes with it
    assert source_sync(source=file_source, trigger="cli").status == "succeeded"
    assert _advisory_locks_held(file_source.pk) == 0


def _sync_process(source: Source, tmp_path: Path, **env: str) -> subprocess.Popen:
    database = connection.settings_dict
    url = (
        f"postgres://{database['USER']}@{database['HOST'] or '127.0.0.1'}:{database['PORT'] or 5432}/{database['NAME']}"
    )
    environment = {key: value for key, value in os.environ.items() if not key.startswith("PYTEST_")}
    environment.update(DJANGO_SETTINGS_MODULE="config.settings.test", DATABASE_URL=url, PYTHONUNBUFFERED="1",
                       MODELSYNC_VAR_DIR=str(tmp_path), **env)  # fmt: skip
    return subprocess.Popen(
        [sys.executable, "manage.py", "sync_models", "--source", source.name, "--json"],
        cwd=ROOT, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def _wait_for(condition, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.1)


def _catalog_dump() -> str:
    out = io.StringIO()
    call_command("dumpdata", "catalog", stdout=out)
    return out.getvalue()


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_two_syncs_started_together_one_runs_and_one_is_skipped(catalog_file, file_source, tmp_path):
    _require_postgresql()
    catalog_file.write(load("openrouter/models.json"))
    procs = [_sync_process(file_source, tmp_path, **{PAUSE_ENV: "2"}) for _ in range(2)]
    outputs = [proc.communicate(timeout=120) for proc in procs]
    summaries = [json.loads(out.strip().splitlines()[-1]) for out, _ in outputs]
    assert sorted(s["status"] for s in summaries) == ["skipped", "succeeded"], outputs
    assert sorted(proc.returncode for proc in procs) == [0, 0]  # skipped is a normal outcome
    assert next(s for s in summaries if s["status"] == "skipped")["error_kind"] == "already_running"
    assert file_source.llm_models.count() == 421


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_sync_killed_mid_apply_changes_nothing_leaves_no_lock_and_is_marked_by_the_next_run(
    catalog_file, file_source, tmp_path
):
    _require_postgresql()
    catalog_file.write(load("openrouter/models_older.json"))
    assert source_sync(source=file_source, trigger="cli").created == 345
    catalog_file.write(load("openrouter/models.json"))  # 93 to create, some to update, 17 to miss
    before = _catalog_dump()
    proc = _sync_process(file_source, tmp_path, **{PAUSE_ENV: "60"})
    try:
        _wait_for(lambda: SyncRun.objects.filter(source=file_source, status="running").exists())
        _wait_for(lambda: _advisory_locks_held(file_source.pk) == 1)
        time.sleep(1.0)  # inside the apply transaction: the inserts are done, the pause holds it open
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    _wait_for(lambda: _advisory_locks_held(file_source.pk) == 0, timeout=15)
    assert _catalog_dump() == before
    stale = SyncRun.objects.get(source=file_source, status="running")
    run = source_sync(source=file_source, trigger="cli")
    assert (run.status, run.created) == ("succeeded", 93)
    stale.refresh_from_db()
    assert (stale.status, stale.error_kind) == ("failed", "abandoned")
