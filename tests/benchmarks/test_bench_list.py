"""SPEC §9: GET /api/v1/models/ under the deployed gunicorn command line (2 workers) and `wrk` on loopback, at 2,000
models on PostgreSQL: cached ≥ 1,000 req/s, uncached ≥ 120 req/s, side by side with the same page through a plain
DRF ModelSerializer (tests/benchmarks/list_urls.py) and with 304s and token-authenticated cached pages.

`make bench` runs each for 10 s and asserts the two budgets (the reference rows have none). With benchmarks
disabled (the default run) each load runs for 1 s as a smoke test: every answer must be a 2xx/3xx, and nothing is
timed. Reads are anonymous with MODELSYNC_PUBLIC_READ=1, the deployment where a cached page needs no per-user query;
the token row shows the cost of one. tests/catalog/api/test_api_list_cache.py checks that the list middleware's answers
are DRF's own.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection
from rest_framework.authtoken.models import Token

from modelsync.models import Source
from modelsync.sync.pipeline import source_sync
from tests.conftest import unavailable
from tests.modelsync.conftest import scaled_openrouter
from tests.modelsync.procs import ROOT, Proc, celery_env, database_url

MODELS = 2_000
PAGE = "/api/v1/models/?page_size=50"
PLAIN_PAGE = "/bench/plain-models/?page_size=50"
WRK_ARGS = ["-t2", "-c8"]  # two load threads, eight keep-alive connections
BUDGET_REQ_PER_S = {"cached": 1_000, "uncached": 120}
# Every request a new query string, so neither the page cache nor the view's data cache can answer it.
UNCACHED_LUA = """
local threads, counter = 0, 0
function setup(thread)
  threads = threads + 1
  thread:set("id", threads)
end
function request()
  counter = counter + 1
  return wrk.format(nil, wrk.path .. "&nocache=" .. id .. "-" .. counter)
end
"""


def deployed_gunicorn_options() -> list[str]:
    """The web command line of docker-compose.yml (the same as the Dockerfile's and quickstart's), minus bind/logs."""
    command = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]["web"]["command"]
    options = command[command.index("config.wsgi:application") + 1 :]
    for flag in ("--bind", "--access-logfile"):
        if flag in options:
            at = options.index(flag)
            del options[at : at + 2]
    assert options[options.index("--workers") + 1] == "2", "SPEC §9 measures 2 workers"
    return options


@dataclass
class Served:
    base: str
    token: str
    etag: str
    lua: Path


def _get(url: str, **headers: str):
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def _wait_until_up(proc: Proc, base: str) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            if _get(f"{base}/healthz")[0] == 200:
                return
        except OSError:
            pass
        if proc.popen.poll() is not None or time.monotonic() > deadline:
            raise AssertionError(f"gunicorn did not come up:\n{proc.log()[-4000:]}")
        time.sleep(0.2)


@pytest.fixture(scope="module")
def served(django_db_setup, django_db_blocker, tmp_path_factory):
    """2,000 models committed to the test database, served by gunicorn as deployed; flushed afterwards."""
    if not shutil.which("wrk"):
        unavailable("wrk (make wrk, or apt-get install wrk)")
    tmp = tmp_path_factory.mktemp("bench-list")
    with django_db_blocker.unblock():
        if connection.vendor != "postgresql":
            unavailable("PostgreSQL (DATABASE_URL=postgres://...): SPEC §9 measures the list there")
        assert connection.settings_dict["NAME"].startswith("test_"), "commits and flushes: the test database only"
        catalog = tmp / "catalog.json"
        catalog.write_text(json.dumps(scaled_openrouter(MODELS)))
        run = source_sync(
            source=Source.objects.create(name="bench", kind="static", base_url=str(catalog)), trigger="cli"
        )
        assert run.created == MODELS
        token = Token.objects.create(user=get_user_model().objects.create_user("bench", password="bench-pw-123"))
        env = celery_env(database_url=database_url(), broker_url="memory://", var_dir=tmp)
        env.update(
            DJANGO_SETTINGS_MODULE="tests.benchmarks.list_settings",
            DJANGO_SECRET_KEY="bench-only-secret-key",
            MODELSYNC_PUBLIC_READ="1",
            DJANGO_LOG_LEVEL="WARNING",
        )
        gunicorn = str(Path(sys.executable).with_name("gunicorn"))
        args = [gunicorn, "config.wsgi:application", "--bind", "127.0.0.1:0", *deployed_gunicorn_options()]
        proc = Proc("gunicorn", args, env=env, log_dir=tmp)
        try:
            proc.wait_for_log("Listening at: ", timeout=60)
            base = re.search(r"Listening at: (http://[\d.:]+)", proc.log()).group(1)
            _wait_until_up(proc, base)
            status, headers, body = _get(base + PAGE)
            assert status == 200, body[:500]
            assert json.loads(body)["count"] == MODELS
            lua = tmp / "uncached.lua"
            lua.write_text(UNCACHED_LUA)
            yield Served(base=base, token=token.key, etag=headers["ETag"], lua=lua)
        finally:
            proc.stop()
            call_command("flush", interactive=False, verbosity=0)  # as transactional_db leaves the database


@dataclass
class Load:
    path: str
    headers: tuple[str, ...] = ()
    script: bool = False
    status: int = 200


def _wrk(served: Served, load: Load, seconds: int) -> dict:
    args = ["wrk", *WRK_ARGS, f"-d{seconds}s", "--timeout", "5s"]
    for header in load.headers:
        args += ["-H", header.format(token=served.token, etag=served.etag)]
    if load.script:
        args += ["-s", str(served.lua)]
    out = subprocess.run([*args, served.base + load.path], capture_output=True, text=True, timeout=seconds + 60)
    assert out.returncode == 0, out.stderr
    requests = int(re.search(r"(\d+) requests in", out.stdout).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out.stdout)
    return {
        "req_per_s": float(re.search(r"Requests/sec:\s+([\d.]+)", out.stdout).group(1)),
        "requests": requests,
        "bad": int(bad.group(1)) if bad else 0,
        "output": out.stdout,
    }


LOADS = {
    "cached": Load(PAGE),
    "uncached": Load(PAGE, script=True),
    "not_modified": Load(PAGE, headers=("If-None-Match: {etag}",), status=304),
    "token_cached": Load(PAGE, headers=("Authorization: Token {token}",)),
    "plain_modelserializer": Load(PLAIN_PAGE),
}
FIGURES = {
    "cached": "list, cached page",
    "uncached": "list, uncached (a new query each request)",
    "not_modified": "list, 304 Not Modified (reference)",
    "token_cached": "list, cached page, token auth (reference)",
    "plain_modelserializer": "plain DRF ModelSerializer, same page (reference)",
}


@pytest.mark.benchmark
@pytest.mark.integration
@pytest.mark.django_db  # so pytest-django sets the test database up even when only these tests are selected
@pytest.mark.timeout(600)
@pytest.mark.parametrize("name", list(LOADS))
def test_list_throughput(benchmark, served, name):
    load = LOADS[name]
    headers = {h.split(": ")[0]: h.split(": ", 1)[1].format(token=served.token, etag=served.etag) for h in load.headers}
    status, _, body = _get(served.base + load.path + ("&nocache=check" if load.script else ""), **headers)
    assert status == load.status, body[:500]
    seconds = 1 if benchmark.disabled else 10
    _wrk(served, load, 2 if not benchmark.disabled else 1)  # warm both workers (caches, connections)
    result = benchmark.pedantic(_wrk, args=(served, load, seconds), rounds=1, iterations=1)
    assert result["bad"] == 0, result["output"]
    benchmark.extra_info.update(
        figure=f"{FIGURES[name]}, {MODELS:,} models",
        unit="req/s",
        higher_is_better=True,
        measured=result["req_per_s"],
        wrk=" ".join([*WRK_ARGS, f"-d{seconds}s"]),
        gunicorn=" ".join(deployed_gunicorn_options()),
    )
    if name in BUDGET_REQ_PER_S:
        benchmark.extra_info["budget"] = BUDGET_REQ_PER_S[name]
    if name in BUDGET_REQ_PER_S and not benchmark.disabled:
        assert result["req_per_s"] >= BUDGET_REQ_PER_S[name], result["output"]


def test_the_deploy_files_start_the_measured_gunicorn():
    """The benchmark runs docker-compose's web command line; the Dockerfile and the quickstart must run the same."""
    options = deployed_gunicorn_options()
    dockerfile = next(line for line in (ROOT / "Dockerfile").read_text().splitlines() if line.startswith("CMD "))
    quickstart = next(line for line in (ROOT / "scripts/quickstart.sh").read_text().splitlines() if "/gunicorn" in line)
    assert " ".join(options) in " ".join(json.loads(dockerfile.removeprefix("CMD ")))
    assert " ".join(options) in quickstart
