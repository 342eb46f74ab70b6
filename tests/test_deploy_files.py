"""docker-compose.yml and .env.example agree with the code (no Docker engine runs here, so we read them)."""

import importlib
import re

import pytest
import yaml
from django.core.management import get_commands

from tests.settings_vars import ROOT, all_variables

COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
APP_SERVICES = ("migrate", "web", "worker", "beat")
CONTRACT_VARIABLES = {
    "DATABASE_URL",
    "CELERY_BROKER_URL",
    "LITELLM_PROXY_URL",
    "LITELLM_API_KEY",
    "OPENROUTER_ENABLED",
    "OPENROUTER_BASE_URL",
    "OPENROUTER_API_KEY",
    "MODELSYNC_SYNC_INTERVAL",
    "DJANGO_SECRET_KEY",
    "DJANGO_DEBUG",
    "DJANGO_ALLOWED_HOSTS",
    "PORT",
    "MODELSYNC_PUBLIC_READ",
}


def test_compose_has_the_production_services():
    assert {"web", "worker", "beat", "db", "redis", "litellm"} <= set(SERVICES)
    assert SERVICES["db"]["image"].startswith("postgres:")
    assert SERVICES["redis"]["image"].startswith("redis:")
    assert SERVICES["litellm"]["image"].startswith("ghcr.io/berriai/litellm")


def test_web_worker_and_beat_share_one_image():
    images = {(SERVICES[name].get("build"), SERVICES[name]["image"]) for name in APP_SERVICES}
    assert images == {(".", "modelsync:latest")}


def test_exactly_one_beat():
    assert SERVICES["beat"]["deploy"]["replicas"] == 1
    assert "django_celery_beat.schedulers:DatabaseScheduler" in SERVICES["beat"]["command"]


@pytest.mark.parametrize("name", ["web", "db", "redis", "litellm", "worker"])
def test_long_running_services_have_healthchecks(name):
    assert SERVICES[name]["healthcheck"]["test"]


def test_gunicorn_entry_point_exists():
    command = SERVICES["web"]["command"]
    module, attribute = command[command.index("gunicorn") + 1].split(":")
    assert module == "config.wsgi" and attribute == "application"
    assert (ROOT / "config" / "wsgi.py").read_text().count("application = get_wsgi_application()") == 1


def test_celery_app_is_importable_as_config():
    assert importlib.import_module("config").celery_app.main == "modelsync"
    for name in ("worker", "beat"):
        command = SERVICES[name]["command"]
        assert command[:3] == ["celery", "-A", "config"] and command[3] == name


def test_management_commands_used_by_compose_exist():
    used = re.findall(r"manage\.py (\w+)", " ".join(SERVICES["migrate"]["command"]))
    assert used == ["migrate"]  # which also ensures the sources and the schedule (modelsync/startup.py)
    assert set(used) <= set(get_commands())


def test_every_variable_compose_sets_is_read_by_the_code():
    for name in APP_SERVICES:
        unknown = set(SERVICES[name]["environment"]) - all_variables()
        assert not unknown, f"{name} sets variables nothing reads: {unknown}"


def test_litellm_config_is_mounted_and_keeps_keys_in_the_environment():
    mount = next(v for v in SERVICES["litellm"]["volumes"] if v.endswith(":/app/config.yaml:ro"))
    config_path = ROOT / mount.split(":")[0]
    config = yaml.safe_load(config_path.read_text())
    assert config["model_list"]
    for entry in config["model_list"]:
        assert entry["litellm_params"]["api_key"].startswith("os.environ/")


def test_env_example_lists_every_variable_empty():
    lines = [line for line in (ROOT / ".env.example").read_text().splitlines() if line and not line.startswith("#")]
    listed = {line.split("=", 1)[0] for line in lines}
    assert all(line.endswith("=") for line in lines), "values belong in comments; .env.example stays empty"
    assert listed == all_variables() - {"MODELSYNC_TEST_PAUSE_IN_APPLY"}
    assert listed >= CONTRACT_VARIABLES


def test_two_web_replicas_behind_one_published_port():
    web, proxy = SERVICES["web"], SERVICES["proxy"]
    assert web["deploy"]["replicas"] == 2 and "ports" not in web and web["expose"] == ["8000"]
    assert proxy["ports"] == ["8000:8000"] and proxy["depends_on"]["web"]["condition"] == "service_healthy"
    mounted = proxy["volumes"][0].split(":")
    conf = (ROOT / mounted[0]).read_text()
    assert "server web:8000;" in conf and "proxy_pass http://modelsync_web;" in conf
    assert re.search(r"location = /metrics \{\s*return 404;", conf)  # the published port never shows metrics
    assert web["environment"]["DJANGO_SECRET_KEY"] == SERVICES["worker"]["environment"]["DJANGO_SECRET_KEY"]


@pytest.mark.django_db
def test_prometheus_scrapes_every_replica_and_its_alerts_use_metrics_the_service_exports(client):
    prometheus = SERVICES["prometheus"]
    files = {
        target: ROOT / host.removeprefix("./") for host, target, _ in (v.split(":") for v in prometheus["volumes"])
    }
    config = yaml.safe_load(files["/etc/prometheus/prometheus.yml"].read_text())
    assert config["rule_files"] == ["/etc/prometheus/alerts.yml"] and "/etc/prometheus/alerts.yml" in files
    (job,) = config["scrape_configs"]
    assert job["metrics_path"] == "/metrics" and job["dns_sd_configs"] == [
        {"names": ["web"], "type": "A", "port": 8000}
    ]
    rules = yaml.safe_load(files["/etc/prometheus/alerts.yml"].read_text())["groups"][0]["rules"]
    assert "ModelsyncSourceNotSyncing" in {rule["alert"] for rule in rules}
    exported = set(re.findall(r"^# TYPE (\w+) ", client.get("/metrics").content.decode(), re.M))
    used = {name for rule in rules for name in re.findall(r"\b(modelsync_\w+)", rule["expr"])}
    assert len(used) == 3 and used <= exported, used - exported
