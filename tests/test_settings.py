"""Settings: production-safe defaults and one clear line for a missing setting."""

import os
import subprocess
import sys

from tests.settings_vars import ROOT


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "MODELSYNC_"))}
    clean.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120
    )


def test_start_up_without_secret_key_stops_with_one_line_naming_it():
    result = _manage("check", DJANGO_SETTINGS_MODULE="config.settings.production")
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "DJANGO_SECRET_KEY" in lines[0], result.stderr


def test_manage_py_in_another_shell_finds_the_key_make_run_made(tmp_path):
    (tmp_path / "secret_key").write_text("quickstart-made-key-" + "k" * 40 + "\n")
    code = "from django.conf import settings; print(settings.SECRET_KEY)"
    result = _manage("shell", "--no-imports", "-c", code, MODELSYNC_VAR_DIR=str(tmp_path))
    assert result.stdout.strip() == "quickstart-made-key-" + "k" * 40, result.stderr
    production = _manage("check", DJANGO_SETTINGS_MODULE="config.settings.production", MODELSYNC_VAR_DIR=str(tmp_path))
    assert production.returncode != 0 and "DJANGO_SECRET_KEY is not set" in production.stderr


def test_a_bad_metrics_network_or_log_format_names_the_variable():
    bad_network = _manage("check", DJANGO_SECRET_KEY="x" * 50, MODELSYNC_METRICS_ALLOW="10.0.0.0/8,not-a-network")
    assert bad_network.returncode != 0 and "MODELSYNC_METRICS_ALLOW has an invalid network" in bad_network.stderr
    bad_format = _manage("check", DJANGO_SECRET_KEY="x" * 50, MODELSYNC_LOG_FORMAT="xml")
    assert bad_format.returncode != 0 and "MODELSYNC_LOG_FORMAT must be plain or json" in bad_format.stderr


def test_invalid_integer_setting_names_the_variable():
    result = _manage("check", DJANGO_SECRET_KEY="x" * 50, MODELSYNC_SYNC_INTERVAL="soon")
    assert result.returncode != 0
    assert "MODELSYNC_SYNC_INTERVAL" in result.stderr.strip().splitlines()[-1], result.stderr


def test_debug_is_off_unless_asked_for():
    code = "from django.conf import settings; print(settings.DEBUG)"
    result = _manage("shell", "--no-imports", "-c", code, DJANGO_SECRET_KEY="x" * 50)
    assert result.stdout.strip() == "False", result.stderr
    result = _manage("shell", "--no-imports", "-c", code, DJANGO_DEBUG="1")
    assert result.stdout.strip() == "True", result.stderr


def test_production_settings_pass_the_deploy_checks():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_SECRET_KEY="a-long-random-production-secret-key-" + "x" * 40,
        DJANGO_ALLOWED_HOSTS="modelsync.example.com",
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_serves_the_api_docs_own_scripts_through_whitenoise(tmp_path):
    """collectstatic as the Dockerfile runs it, then the docs pages as production serves them: every script and
    stylesheet they name is this site's, and whitenoise answers it (Swagger UI and Redoc work offline)."""
    production = {
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": "a-long-random-production-secret-key-" + "x" * 40,
        "DJANGO_ALLOWED_HOSTS": "modelsync.example.com",
        "MODELSYNC_VAR_DIR": str(tmp_path),
    }
    collected = _manage("collectstatic", "--noinput", "-v0", **production)
    assert collected.returncode == 0, collected.stderr
    code = """
import re
from django.test import Client
client = Client(HTTP_HOST="modelsync.example.com")
for page in ("/api/docs/", "/api/redoc/"):
    html = client.get(page, secure=True).content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+\\.(?:js|css))"', html)
    print(page, len(assets))
    for url in assets:
        response = client.get(url, secure=True)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        print(url, response.status_code, len(body))
"""
    result = _manage("shell", "--no-imports", "-c", code, **production)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "/api/docs/ 3" in lines and "/api/redoc/ 1" in lines, result.stdout  # bundle, preset and CSS; Redoc
    assets = [line.split() for line in lines if not line.startswith("/api/")]
    assert len(assets) == 4 and all(url.startswith("/static/drf_spectacular_sidecar/") for url, _, _ in assets)
    assert all(status == "200" and int(size) > 10_000 for _, status, size in assets), result.stdout
