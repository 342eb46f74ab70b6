"""'Test connection' on a source page: reachability and the key, shown without revealing the key."""

import json

import pytest
from django.urls import reverse

from modelsync.models import Source
from modelsync.sync.connection import source_test_connection
from tests.modelsync.fake_upstream import fake_upstream
from tests.modelsync.payloads import load, raw

pytestmark = pytest.mark.django_db
KEY = "sk-canary-conn-31f0a2"


@pytest.fixture
def proxy():
    with fake_upstream() as upstream:
        upstream.json("/health/readiness", raw("litellm/health_readiness.json"))
        upstream.json("/v1/models", raw("litellm/no_wildcards/v1_models.json"))
        yield upstream


def _litellm(url: str) -> Source:
    return Source.objects.create(name="litellm", kind="litellm", base_url=url, api_key_env="LITELLM_API_KEY")


def test_litellm_checks_readiness_without_the_key_and_the_list_with_it(proxy, monkeypatch):
    monkeypatch.setenv("LITELLM_API_KEY", KEY)
    checks = source_test_connection(source=_litellm(proxy.url))
    assert [(c.name, c.ok) for c in checks] == [("proxy is up", True), ("key can list models", True)]
    readiness, listing = proxy.headers
    assert "Authorization" not in readiness and listing["Authorization"] == f"Bearer {KEY}"
    assert proxy.hits["/health"] == 0  # /health makes paid calls upstream


def test_missing_key_is_reported_by_variable_name(proxy, monkeypatch):
    monkeypatch.delenv("LITELLM_API_KEY", raising=False)
    checks = source_test_connection(source=_litellm(proxy.url))
    assert checks[1].ok is False and "LITELLM_API_KEY is not set" in checks[1].detail


def test_rejected_key_fails_without_showing_it(proxy, monkeypatch):
    monkeypatch.setenv("LITELLM_API_KEY", KEY)
    body = json.dumps(load("litellm/unauthorized_models__no_key.json")).replace("No api key passed in", KEY)
    proxy.json("/v1/models", body.encode(), status=401)
    checks = source_test_connection(source=_litellm(proxy.url))
    assert checks[1].ok is False and "unauthorized" in checks[1].detail and KEY not in checks[1].detail


def test_openrouter_key_check_and_unreachable_host(monkeypatch):
    monkeypatch.setenv("OPENROUTER_API_KEY", KEY)
    with fake_upstream() as upstream:
        upstream.json("/api/v1/models", raw("openrouter/models.json"))
        upstream.json(
            "/api/v1/key",
            json.dumps({"data": load("openrouter/key_auth-key_2025-03_llm-openrouter-issue24.json")}).encode(),
        )
        source = Source.objects.create(name="or", kind="openrouter", base_url=f"{upstream.url}/api/v1",
                                       api_key_env="OPENROUTER_API_KEY")  # fmt: skip
        assert all(c.ok for c in source_test_connection(source=source))
    down = source_test_connection(source=source)  # the fake is gone now
    assert not down[0].ok and "connection_error" in down[0].detail


def test_admin_button_posts_and_shows_the_outcome(proxy, monkeypatch, admin_client):
    monkeypatch.setenv("LITELLM_API_KEY", KEY)
    source = _litellm(proxy.url)
    url = reverse("admin:modelsync_source_test_connection", args=[source.pk])
    assert admin_client.get(url).status_code == 405
    response = admin_client.post(url, follow=True)
    page = response.content.decode()
    assert "Proxy is up: OK" in page and "Key can list models: OK" in page and KEY not in page
    assert (
        "Test connection"
        in admin_client.get(reverse("admin:modelsync_source_change", args=[source.pk])).content.decode()
    )


def test_a_static_source_checks_that_its_catalog_file_is_readable(catalog_file):
    catalog_file.write(load("openrouter/models.json"))
    source = Source.objects.create(name="file", kind="static", base_url=str(catalog_file.path))
    assert [(c.name, c.ok, c.detail) for c in source_test_connection(source=source)] == [
        ("catalog file is readable", True, str(catalog_file.path))
    ]
    catalog_file.path.unlink()
    (check,) = source_test_connection(source=source)
    assert not check.ok and check.detail == str(catalog_file.path)
