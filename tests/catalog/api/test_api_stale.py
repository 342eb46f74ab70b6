"""The database is down: reads answer from the last good snapshot (then disk, then the static catalog), marked
stale; writes answer 503 JSON."""

import hashlib
import json
import time
from contextlib import contextmanager
from unittest import mock

import pytest
from django.core.cache import cache
from django.db.utils import OperationalError

from catalog.api.authentication import TOKENS_FILE
from catalog.models import LLMModel
from catalog.snapshot import SNAPSHOT_FILE, snapshot_get, snapshot_reset

pytestmark = pytest.mark.django_db


@contextmanager
def database_down():
    """Every SQL statement fails, as when PostgreSQL is unreachable."""
    with mock.patch("django.db.backends.utils.CursorWrapper.execute", side_effect=OperationalError("down")):
        yield


def assert_stale(response, status: int = 200) -> dict:
    assert response.status_code == status, response.content
    assert response["X-Catalog-Stale"] == "1"
    body = response.json()
    assert body["stale"] is True
    return body


DEMO = {"callable_only": False}  # the catalog here is the bundled demo one: nothing in it can be called


@pytest.fixture
def var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    return tmp_path


def test_list_detail_cost_and_select_answer_from_the_last_snapshot(reader, staff, var_dir, real_catalog):
    snapshot_get()
    model = LLMModel.objects.get(model="deepseek/deepseek-chat")
    with database_down():
        listed = assert_stale(reader.get("/api/v1/models/", {"page_size": 10}))
        detail = assert_stale(reader.get(f"/api/v1/models/{model.pk}/"))
        cost = assert_stale(reader.get(f"/api/v1/models/{model.pk}/cost/", {"input_tokens": 1_000_000}))
        selected = assert_stale(reader.post("/api/v1/select/", {"category": "chat", **DEMO}, format="json"))
        trigger = staff.post("/api/v1/sync/", {}, format="json")
        history = staff.get("/api/v1/sync-runs/")
    assert listed["count"] == 421 and len(listed["results"]) == 10 and listed["next"]
    assert detail["model"] == "deepseek/deepseek-chat" and detail["id"] == model.pk
    assert "provenance" not in detail and "provenance" not in listed["results"][0]  # as live, unless asked
    assert cost["input_cost"] == "0.2574" and cost["model"] == "deepseek/deepseek-chat"
    assert selected["selected"]["category"] == "chat" and selected["considered"] == 421
    for response in (trigger, history):
        assert response.status_code == 503 and response.json()["error"]["code"] == "database_unavailable"


def test_a_stale_cost_refused_for_a_variable_price_says_it_is_stale_too(reader, var_dir, real_catalog):
    model = LLMModel.objects.get(model="openrouter/auto")
    live = reader.get(f"/api/v1/models/{model.pk}/cost/", {"input_tokens": 1000})
    snapshot_get()
    with database_down():
        stale = reader.get(f"/api/v1/models/{model.pk}/cost/", {"input_tokens": 1000})
    assert live.status_code == stale.status_code == 422 and "X-Catalog-Stale" not in live
    assert stale["X-Catalog-Stale"] == "1" and stale.json() == live.json()  # the one error shape


def test_stale_list_applies_the_same_filters(reader, var_dir, real_catalog):
    params = {"category": "chat", "capability": ["vision", "function_calling"], "max_input_cost": "1",
              "search": "gpt", "page_size": 200}  # fmt: skip
    live = reader.get("/api/v1/models/", params).json()
    snapshot_get()
    with database_down():
        stale = assert_stale(reader.get("/api/v1/models/", params))
        bad = reader.get("/api/v1/models/", {"min_context": "abc"})
        missing = reader.get("/api/v1/models/999999/")
    assert live["count"] > 0 and {e["id"] for e in stale["results"]} == {e["id"] for e in live["results"]}
    assert bad.status_code == 400 and "min_context" in bad.json()["error"]["fields"]
    assert missing.status_code == 404


def test_a_new_process_reads_the_snapshot_saved_on_disk(reader, var_dir, real_catalog):
    snapshot_get()
    assert (var_dir / SNAPSHOT_FILE).exists()
    snapshot_reset()  # as if this process had just started
    model = LLMModel.objects.get(model="deepseek/deepseek-chat")
    with database_down():
        detail = assert_stale(reader.get(f"/api/v1/models/{model.pk}/"))
        assert snapshot_get().origin == "disk"
    assert detail["id"] == model.pk and detail["source"] == "static"


def test_with_no_snapshot_at_all_the_static_catalog_is_served(reader, var_dir):
    with database_down():
        listed = assert_stale(reader.get("/api/v1/models/", {"search": "deepseek/deepseek-chat"}))
        selected = assert_stale(reader.post("/api/v1/select/", {"category": "chat", **DEMO}, format="json"))
        by_default = assert_stale(reader.post("/api/v1/select/", {"category": "chat"}, format="json"))
        assert snapshot_get().origin == "static"
    assert listed["count"] >= 1 and all(e["id"] < 0 for e in listed["results"])  # never a database id
    assert selected["selected"] and selected["considered"] == 421
    assert {(e["callable"], e["not_callable_reason"]) for e in listed["results"]} == {(False, "demo_catalog")}
    assert by_default["selected"] is None and by_default["nothing_callable"]  # the shipped catalog is the demo one


def test_selection_does_not_count_static_picks_toward_popularity(reader, var_dir):
    from catalog import usage

    with database_down():
        reader.post("/api/v1/select/", {"category": "chat"}, format="json")
    assert not usage._pending


def test_a_token_verified_before_the_outage_keeps_reading_stale(token_client, var_dir, real_catalog):
    assert token_client.get("/api/v1/models/", {"page_size": 1}).status_code == 200  # verified: remembered
    with database_down():
        listed = assert_stale(token_client.get("/api/v1/models/", {"page_size": 5}))
        selected = assert_stale(token_client.post("/api/v1/select/", {"category": "chat", **DEMO}, format="json"))
    assert listed["count"] == 421 and selected["selected"]["category"] == "chat"


def test_a_token_not_seen_before_the_outage_is_a_503(token_client, var_dir, real_catalog, settings):
    cache.clear()  # this process has verified no token
    snapshot_get()
    with database_down():
        unknown = token_client.get("/api/v1/models/")
    settings.MODELSYNC_TOKEN_REMEMBER_SECONDS = 0  # remembering off: a verified token is not kept
    assert token_client.get("/api/v1/models/", {"page_size": 1}).status_code == 200
    with database_down():
        forgotten = token_client.get("/api/v1/models/")
    for response in (unknown, forgotten):
        assert response.status_code == 503 and response.json()["error"]["code"] == "database_unavailable"


def test_the_remembered_token_is_a_digest_never_the_key(token_client, real_catalog):
    key = token_client._credentials["HTTP_AUTHORIZATION"].removeprefix("Token ")
    cache.clear()
    assert token_client.get("/api/v1/models/", {"page_size": 1}).status_code == 200
    remembered = {name: value for name, value in cache._cache.items() if "catalog:token:" in name}  # LocMemCache
    assert len(remembered) == 1
    assert key not in repr(remembered) and hashlib.sha256(key.encode()).hexdigest() in next(iter(remembered))


def test_a_new_process_accepts_a_token_another_one_verified(token_client, var_dir, real_catalog):
    """The digest is kept under MODELSYNC_VAR_DIR too, where a worker started during the outage finds it."""
    assert token_client.get("/api/v1/models/", {"page_size": 1}).status_code == 200
    cache.clear()  # as if this process had just started
    snapshot_reset()
    with database_down():
        listed = assert_stale(token_client.get("/api/v1/models/", {"page_size": 5}))
        cost = assert_stale(token_client.get(f"/api/v1/models/{listed['results'][0]['id']}/cost/"))
    assert listed["count"] == 421 and cost["model"] == listed["results"][0]["model"]


def test_the_tokens_file_holds_digests_readable_by_this_user_only_and_drops_lapsed_ones(
    token_client, var_dir, real_catalog, django_user_model
):
    from rest_framework.authtoken.models import Token

    key = token_client._credentials["HTTP_AUTHORIZATION"].removeprefix("Token ")
    lapsed = hashlib.sha256(b"an old token").hexdigest()
    (var_dir / TOKENS_FILE).write_text(json.dumps({lapsed: [1, "old", False, time.time() - 1]}))
    assert token_client.get("/api/v1/models/", {"page_size": 1}).status_code == 200
    path = var_dir / TOKENS_FILE
    text = path.read_text()
    saved = json.loads(text)
    user = Token.objects.get(key=key).user
    assert list(saved) == [hashlib.sha256(key.encode()).hexdigest()] and key not in text
    assert saved[hashlib.sha256(key.encode()).hexdigest()][:3] == [user.pk, user.username, False]
    assert path.stat().st_mode & 0o777 == 0o600


def test_a_token_remembered_on_disk_is_refused_once_lapsed(token_client, var_dir, real_catalog):
    assert token_client.get("/api/v1/models/", {"page_size": 1}).status_code == 200
    path = var_dir / TOKENS_FILE
    saved = {digest: [*known[:3], time.time() - 1] for digest, known in json.loads(path.read_text()).items()}
    path.write_text(json.dumps(saved))
    cache.clear()
    snapshot_get()
    with database_down():
        refused = token_client.get("/api/v1/models/")
    assert refused.status_code == 503 and refused.json()["error"]["code"] == "database_unavailable"


def test_admin_answers_a_plain_503_page_while_the_database_is_down(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("admin", "", "admin-pw-123"))
    assert client.get("/admin/").status_code == 200
    with database_down():
        pages = [client.get(path) for path in ("/admin/", "/admin/catalog/llmmodel/")]
    for page in pages:
        assert page.status_code == 503 and page["Retry-After"] == "30"
        assert b"The database is unavailable" in page.content and b"Traceback" not in page.content


def test_admin_names_the_statement_timeout_when_that_cancelled_the_request(client, django_user_model, settings):
    import psycopg

    client.force_login(django_user_model.objects.create_superuser("admin", "", "admin-pw-123"))
    cancelled = OperationalError("canceling statement due to statement timeout")
    cancelled.__cause__ = psycopg.errors.QueryCanceled()  # what Django's error wrapper keeps as the cause
    with mock.patch("django.db.backends.utils.CursorWrapper.execute", side_effect=cancelled):
        page = client.get("/admin/catalog/llmmodel/")
    assert page.status_code == 503 and b"The database took too long" in page.content
    assert f"{settings.MODELSYNC_DB_STATEMENT_TIMEOUT} s".encode() in page.content
