"""A private feed URL's token (issue #27) in no log line of the real processes: Django's JSON logs (a refused token,
with the request Django attaches) and gunicorn's access log, whose request line carries the query string."""

import os
import re
import socket
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.modelsync.procs import Proc
from tests.test_json_logs import _json_lines, _manage

pytestmark = [pytest.mark.integration, pytest.mark.timeout(180)]
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))


@pytest.fixture(scope="module")
def install(tmp_path_factory) -> tuple[Path, str]:
    """A migrated SQLite install (the production settings) and a feed token made by the shell command."""
    var_dir = tmp_path_factory.mktemp("feedlogs")
    assert _manage(var_dir, "migrate", "-v0").returncode == 0
    made = _manage(var_dir, "create_feed_token", "feedreader")
    assert made.returncode == 0, made.stderr
    token = made.stdout.strip()
    assert token.startswith("msf_") and token not in made.stderr
    return var_dir, token


def test_json_logs_of_a_refused_and_an_accepted_token_hold_no_token(install):
    var_dir, token = install
    code = (
        "from django.test import Client; c = Client(HTTP_HOST='localhost');"
        f"print(c.get('/feeds/changes.atom?token={token}x&type=model.created').status_code,"
        f" c.get('/feeds/changes.atom?token={token}').status_code)"
    )
    done = _manage(var_dir, "shell", "--no-imports", "-c", code)
    assert done.stdout.split() == ["401", "200"], done.stderr
    refused = [line for line in _json_lines(done.stderr) if line.get("logger") == "django.request"]
    assert refused and refused[0]["message"] == "Unauthorized: /feeds/changes.atom", done.stderr
    assert refused[0]["request"] == "<WSGIRequest: GET '/feeds/changes.atom?token=[redacted]&type=model.created'>"
    assert token not in done.stderr + done.stdout


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_gunicorns_access_log_has_the_request_line_without_the_token(install, tmp_path):
    var_dir, token = install
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "MODELSYNC_", "DATABASE_", "CELERY_"))}
    env.update(MODELSYNC_VAR_DIR=str(var_dir), DJANGO_SECRET_KEY="k" * 50,
               DJANGO_SETTINGS_MODULE="config.settings.base")  # fmt: skip
    port = _free_port()
    args = [
        GUNICORN,
        "config.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--config",
        "python:config.gunicorn",
        "--workers",
        "1",
        "--access-logfile",
        "-",
    ]  # fmt: skip (as the Dockerfile and `make run` start it)
    web = Proc("gunicorn-feedlogs", args, env=env, log_dir=tmp_path)
    try:
        web.wait_for_log("Booting worker with pid: ", timeout=60)
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                ok = requests.get(f"{base}/feeds/changes.atom", params={"token": token}, timeout=10)
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline, web.log()[-2000:]
                time.sleep(0.2)
        refused = requests.get(f"{base}/feeds/changes.atom?type=x&token={token}x", timeout=10,
                               headers={"Referer": f"{base}/feeds/changes.atom?token={token}"})  # fmt: skip
        assert (ok.status_code, refused.status_code) == (200, 401)
        web.wait_for_log('"GET /feeds/changes.atom?type=x&token=[redacted] HTTP/1.1" 401', timeout=10)
    finally:
        web.stop()
    log = web.log()
    assert re.search(r'"GET /feeds/changes\.atom\?token=\[redacted\] HTTP/1\.1" 200 \d+ "-"', log), log
    assert f'"http://127.0.0.1:{port}/feeds/changes.atom?token=[redacted]"' in log  # the Referer too
    assert token not in log
