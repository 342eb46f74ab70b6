"""The Atom feed uses the API's authentication and read permission, so it answers as /api/v1/changes/ does: the same
401 without credentials and, with the database unreachable, the same 503 JSON (never a 500 HTML page)."""

from contextlib import contextmanager

import pytest
from django.db import connection

from tests.catalog.api.test_api_stale import database_down
from tests.conftest import unavailable
from tests.faultproxy import FaultProxy

PATHS = ("/api/v1/changes/", "/feeds/changes.atom")


def answers(client, **params) -> list[tuple[int, str, str]]:
    """(status, content type, error code) of the API's list and the feed, for the same request."""
    out = []
    for path in PATHS:
        response = client.get(path, params)
        json_body = response.json() if response["Content-Type"] == "application/json" else {}
        code = json_body.get("error", {}).get("code", "")
        out.append((response.status_code, response["Content-Type"], code))
    return out


OUTAGE = [(503, "application/json", "database_unavailable")] * 2


@pytest.mark.django_db
def test_without_credentials_both_are_the_same_401(api_client):
    assert answers(api_client) == [(401, "application/json", "not_authenticated")] * 2
    response = api_client.get("/feeds/changes.atom")
    assert response["WWW-Authenticate"] == "Token"


@pytest.mark.django_db
def test_a_remembered_token_a_session_and_public_reads_get_the_apis_503(token_client, client, django_user_model,
                                                                        api_client, settings):  # fmt: skip
    assert [status for status, *_ in answers(token_client)] == [200, 200]  # the token is verified, so remembered
    client.force_login(django_user_model.objects.create_user("browser"))
    with database_down():
        remembered, session = answers(token_client), answers(client)
        settings.MODELSYNC_PUBLIC_READ = True
        public = answers(api_client)
    assert remembered == session == public == OUTAGE


@pytest.mark.django_db
def test_a_token_the_feed_verified_is_remembered_as_the_apis(token_client, django_user_model):
    """The feed goes through the API's token check, so a token it verified keeps its user through an outage (the
    plain TokenAuthentication it used before would have been a 500)."""
    assert token_client.get("/feeds/changes.atom").status_code == 200
    with database_down():
        response = token_client.get("/feeds/changes.atom", {"type": "model.created"})
    assert (response.status_code, response.json()["error"]["code"]) == (503, "database_unavailable")


@pytest.mark.django_db
def test_a_bad_filter_is_the_apis_400_on_both(token_client):
    api, feed = (token_client.get(path, {"type": "nope", "model": "x"}).json() for path in PATHS)
    assert api == feed and set(feed["error"]["fields"]) == {"type", "model"}


@contextmanager
def database_behind(proxy: FaultProxy):
    """This process's connection to PostgreSQL goes through `proxy` (new connections give up after a second)."""
    saved = dict(connection.settings_dict), dict(connection.settings_dict.get("OPTIONS", {}))
    connection.close()
    connection.settings_dict.update(HOST="127.0.0.1", PORT=str(proxy.port))
    connection.settings_dict["OPTIONS"] = {**saved[1], "connect_timeout": 1}
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(saved[0])
        connection.settings_dict["OPTIONS"] = saved[1]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("fault", ["refuse", "blackhole"])
def test_with_postgresql_really_unreachable_both_answer_503_json(token_client, fault, settings):
    if connection.vendor != "postgresql":
        unavailable("PostgreSQL", "set DATABASE_URL=postgres://…")
    settings.MODELSYNC_DB_RETRY_AFTER = 0  # the recovery below is asked at once, not after the outage's memory ends
    real = (connection.settings_dict["HOST"] or "127.0.0.1", int(connection.settings_dict["PORT"] or 5432))
    with FaultProxy(*real) as proxy, database_behind(proxy):
        assert [status for status, *_ in answers(token_client)] == [200, 200]  # through the proxy, remembered
        connection.close()
        proxy.set_mode(fault)
        outage = answers(token_client)
        proxy.set_mode("pass")
        connection.close()
        recovered = answers(token_client)
    assert outage == OUTAGE
    assert [status for status, *_ in recovered] == [200, 200]
