"""MODELSYNC_LOG_FORMAT=json (issue #14): one JSON object per line, a sync run's with its run id, source, status
and counters, a request error's with its status code; never the canary key the source reads."""

import json
import os
import subprocess
import sys

from tests.settings_vars import ROOT

CANARY = "sk-json-log-canary-41b2"


def _manage(var_dir, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "MODELSYNC_", "DATABASE_", "CELERY_"))}
    env.update(MODELSYNC_LOG_FORMAT="json", MODELSYNC_VAR_DIR=str(var_dir), DJANGO_SECRET_KEY="k" * 50,
               DJANGO_SETTINGS_MODULE="config.settings.base", OPENROUTER_API_KEY=CANARY)  # fmt: skip
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)  # fmt: skip


def _json_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def test_a_sync_run_is_one_json_line_with_its_fields(tmp_path):
    assert _manage(tmp_path, "migrate", "-v0").returncode == 0
    # The static source reads the bundled catalog; pointing it at the canary's variable proves no key is logged.
    setup = (
        "from modelsync.models import Source;"
        "Source.objects.filter(name='static').update(api_key_env='OPENROUTER_API_KEY')"
    )
    assert _manage(tmp_path, "shell", "--no-imports", "-c", setup).returncode == 0
    done = _manage(tmp_path, "sync_models", "--json")
    assert done.returncode == 0, done.stderr
    runs = [line for line in _json_lines(done.stderr) if line.get("event") == "sync_run"]
    assert len(runs) == 1, done.stderr
    run = runs[0]
    assert (run["logger"], run["level"], run["source"], run["status"]) == (
        "modelsync.sync",
        "INFO",
        "static",
        "succeeded",
    )
    assert isinstance(run["run_id"], int) and run["counters"]["created"] > 400 and "time" in run
    assert CANARY not in done.stderr + done.stdout


def test_a_request_error_is_a_json_line_with_its_status(tmp_path):
    code = "from django.test import Client; Client(HTTP_HOST='localhost').get('/api/v1/no-such-endpoint/')"
    done = _manage(tmp_path, "shell", "--no-imports", "-c", code)
    errors = [line for line in _json_lines(done.stderr) if line.get("logger") == "django.request"]
    assert errors and errors[0]["status_code"] == 404 and errors[0]["level"] == "WARNING", done.stderr
    assert errors[0]["message"] == "Not Found: /api/v1/no-such-endpoint/"
