"""/metrics (issue #14): the sync and catalog figures from the database, request latency by route, access by
token or network, and never a secret."""

import re
from unittest import mock

import pytest
from django.db.utils import OperationalError

from catalog.models import LLMModel
from modelsync.models import Source, SyncRun
from modelsync.sync.pipeline import source_sync
from tests.factories import SyncRunFactory

pytestmark = pytest.mark.django_db
CANARY = "sk-metrics-canary-7f3a"


def _scrape(client, **extra) -> str:
    response = client.get("/metrics", **extra)
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"].startswith("text/plain; version=")
    return response.content.decode()


def _value(text: str, name: str, **labels) -> float | None:
    """The sample `name` with exactly these labels (in any order), parsed by the library's own parser."""
    from prometheus_client.parser import text_string_to_metric_families

    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and sample.labels == labels:
                return sample.value
    return None


def test_a_sync_moves_the_counters(client, monkeypatch):
    monkeypatch.setenv("OPENROUTER_API_KEY", CANARY)
    source = Source.objects.create(name="static", kind=Source.Kind.STATIC, api_key_env="OPENROUTER_API_KEY")
    before = _scrape(client)
    assert _value(before, "modelsync_sync_runs_total", source="static", status="succeeded") is None
    assert _value(before, "modelsync_models_active", source="static") == 0

    run = source_sync(source=source, trigger=SyncRun.Trigger.CLI)
    after = _scrape(client)
    assert _value(after, "modelsync_sync_runs_total", source="static", status="succeeded") == 1
    active = LLMModel.objects.filter(source=source, is_active=True).count()
    assert _value(after, "modelsync_models_active", source="static") == active > 400
    source.refresh_from_db()
    assert _value(after, "modelsync_source_last_success_timestamp_seconds", source="static") == pytest.approx(
        source.last_success_at.timestamp()
    )
    assert _value(after, "modelsync_sync_run_duration_seconds_count", source="static") == 1
    assert _value(after, "modelsync_sync_run_duration_seconds_sum", source="static") == run.duration_ms / 1000
    assert CANARY not in after


def test_guard_refusals_by_reason_and_duration_buckets(client):
    source = Source.objects.create(name="gw", kind=Source.Kind.STATIC)
    SyncRunFactory(source=source, status="refused", error_kind="mass_deactivation", duration_ms=200)
    SyncRunFactory(source=source, status="refused", error_kind="mass_deactivation", duration_ms=7000)
    SyncRunFactory(source=source, status="failed", error_kind="http_error", duration_ms=40)
    text = _scrape(client)
    assert _value(text, "modelsync_guard_refusals_total", source="gw", reason="mass_deactivation") == 2
    assert _value(text, "modelsync_sync_runs_total", source="gw", status="failed") == 1
    bucket = "modelsync_sync_run_duration_seconds_bucket"
    assert _value(text, bucket, source="gw", le="0.1") == 1
    assert _value(text, bucket, source="gw", le="0.5") == 2
    assert _value(text, bucket, source="gw", le="5.0") == 2
    assert _value(text, bucket, source="gw", le="10.0") == _value(text, bucket, source="gw", le="+Inf") == 3


def test_request_latency_is_labelled_by_route_not_path(client, settings):
    settings.MODELSYNC_PUBLIC_READ = True
    client.get("/api/v1/models/")
    client.get("/api/v1/models/12345/")
    client.get("/no/such/page")
    text = _scrape(client)
    endpoints = set(re.findall(r'modelsync_http_request_duration_seconds_count\{endpoint="([^"]+)"', text))
    assert {"/api/v1/models/", "/api/v1/models/<pk>/", "unmatched"} <= endpoints, endpoints
    assert "12345" not in text


@pytest.mark.parametrize(
    ("remote", "header", "token", "allowed"),
    [
        ("127.0.0.1", "", "", True),  # loopback by default
        ("10.1.2.3", "", "", False),
        ("10.1.2.3", "Bearer s3cret-metrics", "s3cret-metrics", True),
        ("10.1.2.3", "Bearer wrong", "s3cret-metrics", False),
        ("10.1.2.3", "s3cret-metrics", "s3cret-metrics", False),  # the scheme is part of it
    ],
)
def test_who_may_scrape(client, settings, remote, header, token, allowed):
    settings.MODELSYNC_METRICS_TOKEN = token
    extra = {"REMOTE_ADDR": remote, **({"HTTP_AUTHORIZATION": header} if header else {})}
    response = client.get("/metrics", **extra)
    assert response.status_code == (200 if allowed else 403)
    if not allowed:
        assert b"MODELSYNC_METRICS_TOKEN" in response.content and b"modelsync_" not in response.content


def test_the_allow_list_takes_networks(client, settings):
    import ipaddress

    settings.MODELSYNC_METRICS_ALLOW = (ipaddress.ip_network("10.0.0.0/8"),)
    assert client.get("/metrics", REMOTE_ADDR="10.9.8.7").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 403
    assert client.get("/metrics", REMOTE_ADDR="not-an-address").status_code == 403


def test_with_the_database_down_the_scrape_still_answers_with_database_up_0(client):
    client.get("/healthz")  # a request for the process metrics to show
    assert _value(_scrape(client), "modelsync_database_up") == 1
    with mock.patch("django.db.backends.utils.CursorWrapper.execute", side_effect=OperationalError("down")):
        text = _scrape(client)
    assert _value(text, "modelsync_database_up") == 0
    assert "modelsync_http_request_duration_seconds_count" in text  # the process's own metrics are kept
    assert "modelsync_sync_runs_total" not in text and "modelsync_models_active" not in text  # absent, not 0


def test_the_snapshot_timestamp_is_absent_until_a_snapshot_is_built(client, monkeypatch):
    from prometheus_client import CollectorRegistry, Gauge

    from catalog import metrics as catalog_metrics
    from catalog.snapshot import snapshot_get, snapshot_reset
    from config import metrics

    registry = CollectorRegistry()  # this process's gauge as if it had just started
    monkeypatch.setattr(catalog_metrics, "_snapshot_built", None)
    monkeypatch.setattr(metrics, "REGISTRY", registry)
    monkeypatch.setattr(catalog_metrics, "Gauge", lambda *args, **kwargs: Gauge(*args, registry=registry, **kwargs))
    assert "modelsync_snapshot_built_timestamp_seconds" not in _scrape(client)
    snapshot_reset()
    snapshot_get()
    built = _value(_scrape(client), "modelsync_snapshot_built_timestamp_seconds")
    assert built is not None and built > 1_700_000_000  # a time, not 0
