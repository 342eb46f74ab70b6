"""A catalog synced from the real static snapshot (421 OpenRouter models), and API clients."""

import pytest
from django.contrib.auth.models import Permission
from rest_framework.authtoken.models import Token

from catalog.snapshot import snapshot_reset
from catalog.usage import usage_reset
from modelsync.models import Source
from modelsync.sync.pipeline import source_sync


@pytest.fixture(autouse=True)
def _fresh_snapshot():
    snapshot_reset()
    usage_reset()
    yield
    snapshot_reset()


@pytest.fixture
def real_catalog(db):
    source = Source.objects.create(name="static", kind="static")
    run = source_sync(source=source, trigger="cli")
    assert run.created == 421
    return source


def _client_for(user):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def reader(django_user_model):
    return _client_for(django_user_model.objects.create_user("reader", password="reader-pw-123"))


@pytest.fixture
def staff(django_user_model):
    """Staff who may start syncs (and so read their history)."""
    user = django_user_model.objects.create_user("staffer", password="staff-pw-123", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="run_sync"))
    return _client_for(user)


@pytest.fixture
def token_client(django_user_model):
    from rest_framework.test import APIClient

    user = django_user_model.objects.create_user("service", password="service-pw-123")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


@pytest.fixture
def litellm_catalog(db, monkeypatch):
    """A litellm source synced through the real pipeline from the real LiteLLM 1.109.1 proxy captures."""
    from modelsync.adapters.litellm import LiteLLMAdapter
    from tests.modelsync.payloads import litellm_payloads

    monkeypatch.setenv("LITELLM_API_KEY", "sk-test-only")
    monkeypatch.setattr(LiteLLMAdapter, "fetch", lambda self, client: litellm_payloads())
    source = Source.objects.create(name="litellm", kind="litellm", base_url="http://127.0.0.1:4000",
                                   api_key_env="LITELLM_API_KEY")  # fmt: skip
    run = source_sync(source=source, trigger="cli")
    assert run.status in ("succeeded", "partial") and run.created > 0, run.error_message
    return source
