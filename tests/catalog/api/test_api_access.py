"""Who may call what (token, session, anonymous, staff), ETags, throttling, and the real LiteLLM catalog."""

from decimal import Decimal
from unittest import mock

import pytest
from django.contrib.auth.models import Permission
from django.core.cache import cache
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle

from catalog.models import LLMModel
from catalog.version import catalog_version_bump
from tests.factories import LLMModelFactory

pytestmark = pytest.mark.django_db
READS = [("get", "/api/v1/models/"), ("post", "/api/v1/select/")]
STAFF_ONLY = [("get", "/api/v1/sync-runs/"), ("get", "/api/v1/sync/status/"), ("post", "/api/v1/sync/")]


def call(client, method: str, path: str):
    return getattr(client, method)(path, {}, format="json") if method == "post" else client.get(path)


def token_for(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


@pytest.fixture
def staff_token(django_user_model):
    user = django_user_model.objects.create_user("ops", password="ops-pw-12345", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="run_sync"))
    return token_for(user)


@pytest.mark.parametrize(("method", "path"), READS + STAFF_ONLY)
def test_anonymous_gets_a_401_with_the_token_challenge(api_client, method, path):
    response = call(api_client, method, path)
    assert response.status_code == 401 and response["WWW-Authenticate"] == "Token"
    assert response.json()["error"]["code"] == "not_authenticated"


@pytest.mark.parametrize(("method", "path"), READS)
def test_public_read_opens_reads_but_not_the_sync_endpoints(api_client, settings, method, path):
    settings.MODELSYNC_PUBLIC_READ = True
    assert call(api_client, method, path).status_code == 200
    assert all(call(api_client, m, p).status_code == 401 for m, p in STAFF_ONLY)


@pytest.mark.parametrize(("method", "path"), READS)
def test_a_token_reads(token_client, method, path):
    assert call(token_client, method, path).status_code == 200


def test_a_wrong_token_is_a_401(api_client):
    api_client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert api_client.get("/api/v1/models/").json()["error"]["code"] == "authentication_failed"


def test_a_session_reads_and_its_posts_need_the_csrf_token(django_user_model):
    django_user_model.objects.create_user("browser", password="browser-pw-123")
    client = APIClient(enforce_csrf_checks=True)
    assert client.login(username="browser", password="browser-pw-123")
    assert client.get("/api/v1/models/").status_code == 200
    refused = client.post("/api/v1/select/", {}, format="json")
    assert refused.status_code == 403 and "CSRF" in refused.json()["error"]["message"]
    csrf = client.get("/picker/").cookies["csrftoken"].value
    assert client.post("/api/v1/select/", {}, format="json", HTTP_X_CSRFTOKEN=csrf).status_code == 200


@pytest.mark.parametrize(("method", "path"), STAFF_ONLY)
def test_non_staff_cannot_use_the_sync_endpoints(token_client, reader, method, path):
    assert call(token_client, method, path).status_code == 403
    assert call(reader, method, path).json()["error"]["code"] == "permission_denied"


def test_staff_by_token_triggers_and_reads_the_sync_endpoints(
    staff_token, real_catalog, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        triggered = staff_token.post("/api/v1/sync/", format="json")  # no body: every enabled source
    assert triggered.status_code == 202 and triggered.json()["runs"][0]["status"] == "queued"
    runs = staff_token.get("/api/v1/sync-runs/").json()
    assert runs["count"] == 2 and runs["results"][0]["id"] == triggered.json()["runs"][0]["id"]
    (status,) = staff_token.get("/api/v1/sync/status/").json()
    assert status["last_success_at"] and status["next_run_at"] is None  # no beat schedule in this database


def test_the_trigger_is_throttled(staff_token, real_catalog, django_capture_on_commit_callbacks):
    cache.clear()
    rates = mock.patch.dict(ScopedRateThrottle.THROTTLE_RATES, {"sync": "2/minute"})
    with rates, django_capture_on_commit_callbacks(execute=False):
        codes = [staff_token.post("/api/v1/sync/", format="json").status_code for _ in range(3)]
    assert codes == [202, 409, 429]


def test_etag_ignores_parameter_order_and_accepts_weak_and_listed_tags(reader):
    LLMModelFactory()
    etag = reader.get("/api/v1/models/?page_size=5&category=chat")["ETag"]
    assert reader.get("/api/v1/models/?category=chat&page_size=5")["ETag"] == etag
    assert reader.get("/api/v1/models/?category=chat")["ETag"] != etag
    for header in (etag, f"W/{etag}", f'"other", {etag}', "*"):
        again = reader.get("/api/v1/models/?category=chat&page_size=5", HTTP_IF_NONE_MATCH=header)
        assert again.status_code == 304 and again["ETag"] == etag


def test_detail_etag_changes_when_staff_edit_the_model(reader):
    model = LLMModelFactory()
    first = reader.get(f"/api/v1/models/{model.pk}/")
    assert reader.get(f"/api/v1/models/{model.pk}/", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    LLMModel.objects.filter(pk=model.pk).update(staff_display_name="Renamed")
    catalog_version_bump()
    changed = reader.get(f"/api/v1/models/{model.pk}/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert changed.status_code == 200 and changed.json()["display_name"] == "Renamed"


def test_filters_on_the_real_litellm_catalog(reader, litellm_catalog):
    query = {"source": "litellm", "capability": ["reasoning", "web_search"], "max_input_cost": "1", "usable": "true"}
    page = reader.get("/api/v1/models/", {**query, "page_size": 200}).json()
    assert page["count"] > 0
    for entry in page["results"]:
        assert {"reasoning", "web_search"} <= set(entry["capabilities"]) and entry["api_key_available"]
        assert Decimal(entry["pricing"]["input_per_mtok"]) <= 1
    (safe,) = reader.get("/api/v1/models/", {"min_safety": "0.9"}).json()["results"]
    assert safe["model"] == "vision-pro" and safe["safety_score"] == "0.93"
    free = reader.get("/api/v1/models/", {"is_free": "true"}).json()["results"]
    assert {e["model"] for e in free} == {"llama-3.3-70b-free", "llama3-local"}


def test_selection_on_the_real_litellm_catalog(reader, litellm_catalog):
    body = {"category": "chat", "capabilities": ["vision"], "min_safety": "0.9", "strategy": "cheapest"}
    answer = reader.post("/api/v1/select/", body, format="json").json()
    assert answer["selected"]["model"] == "vision-pro" and answer["fallbacks"] == []
    assert answer["eligible"] == 1 and answer["rejections"]["safety_score"] > 0
    embeddings = reader.post("/api/v1/select/", {"category": "embedding", "strategy": "cheapest",
                                                 "input_tokens": 1_000_000}, format="json").json()  # fmt: skip
    assert embeddings["selected"]["model"].endswith("text-embedding-3-small")
    assert embeddings["selected"]["estimated_cost"]["input_cost"] == "0.02"
