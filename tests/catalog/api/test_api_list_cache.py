"""catalog.api.caching.catalog_list_cache: a cached list page or 304 without DRF, byte for byte what DRF answers."""

from unittest import mock

import pytest
from django.core.cache import cache
from django.core.exceptions import MiddlewareNotUsed
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from catalog.api.caching import catalog_list_cache
from catalog.api.views import LLMModelViewSet
from catalog.models import LLMModel
from catalog.version import catalog_version_bump
from modelsync.models import Source
from modelsync.sync.pipeline import source_sync

FAST_PATH = "catalog.api.caching.catalog_list_cache"


@pytest.fixture
def two_clients(settings):
    """The same request through the list middleware and without it (DRF alone)."""
    cache.clear()
    fast = settings.MIDDLEWARE

    def client(middleware, **credentials) -> APIClient:
        settings.MIDDLEWARE = middleware
        made = APIClient(**credentials)
        made.handler.load_middleware()  # built now, with these settings
        settings.MIDDLEWARE = fast
        return made

    return lambda **credentials: (
        client(fast, **credentials),
        client([name for name in fast if name != FAST_PATH], **credentials),
    )


def _same(fast, slow) -> None:
    assert fast.status_code == slow.status_code
    assert sorted(fast.items()) == sorted(slow.items())
    assert fast.content == slow.content


@pytest.fixture
def static_catalog(db):
    """The static catalog shipped with the package (421 models), synced."""
    assert source_sync(source=Source.objects.create(name="static", kind="static"), trigger="cli").created > 0


def _drf_not_called():
    return mock.patch.object(LLMModelViewSet, "dispatch", side_effect=AssertionError("DRF answered"))


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["public", "token", "session"])
def test_fast_path_pages_and_304s_are_drfs(two_clients, settings, static_catalog, django_user_model, who):
    settings.MODELSYNC_PUBLIC_READ = who == "public"
    user = django_user_model.objects.create_user("lister", password="lister-pw-123")
    headers = {"HTTP_AUTHORIZATION": f"Token {Token.objects.create(user=user).key}"} if who == "token" else {}
    fast, slow = two_clients(**headers)
    if who == "session":
        assert fast.login(username="lister", password="lister-pw-123")
        assert slow.login(username="lister", password="lister-pw-123")
    query = {"page_size": 7, "provider": "openai"}
    first = fast.get("/api/v1/models/", query)  # DRF answers, the middleware keeps the bytes
    with _drf_not_called():
        cached = fast.get("/api/v1/models/", query, HTTP_ACCEPT="application/json")
        not_modified = fast.get("/api/v1/models/", query, HTTP_IF_NONE_MATCH=first["ETag"])
    _same(first, slow.get("/api/v1/models/", query))
    _same(cached, slow.get("/api/v1/models/", query, HTTP_ACCEPT="application/json"))
    _same(not_modified, slow.get("/api/v1/models/", query, HTTP_IF_NONE_MATCH=first["ETag"]))
    assert first.status_code == cached.status_code == 200 and not_modified.status_code == 304
    assert len(cached.json()["results"]) == 7


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("public", "query", "headers"),
    [
        (False, {}, {}),  # anonymous without public read: the 401
        (True, {}, {"HTTP_AUTHORIZATION": "Token not-a-real-token"}),  # a bad token is a 401 even when public
        (True, {}, {"HTTP_AUTHORIZATION": "Token two parts"}),
        (True, {}, {"HTTP_ACCEPT": "application/json; indent=4"}),
        (True, {"format": "json"}, {}),
        (True, {}, {"HTTP_ACCEPT": "text/html"}),  # the browsable API (its CSRF token differs on every page)
    ],
)
def test_what_the_fast_path_leaves_to_drf_is_drfs(two_clients, settings, static_catalog, public, query, headers):
    settings.MODELSYNC_PUBLIC_READ = public
    fast, slow = two_clients()
    fast.get("/api/v1/models/", query)  # the plain JSON page is cached from here on
    answer, reference = (client.get("/api/v1/models/", query, **headers) for client in (fast, slow))
    if headers.get("HTTP_ACCEPT") == "text/html":
        assert answer.status_code == reference.status_code == 200
        assert answer["Content-Type"] == reference["Content-Type"] == "text/html; charset=utf-8"
    else:
        _same(answer, reference)


@pytest.mark.django_db
def test_a_catalog_change_is_never_answered_from_the_old_page(two_clients, settings, static_catalog):
    settings.MODELSYNC_PUBLIC_READ = True
    fast, _ = two_clients()
    before = fast.get("/api/v1/models/", {"page_size": 5})
    fast.get("/api/v1/models/", {"page_size": 5})
    LLMModel.objects.filter(pk=before.json()["results"][0]["id"]).update(is_hidden=True)
    catalog_version_bump()
    after = fast.get("/api/v1/models/", {"page_size": 5}, HTTP_IF_NONE_MATCH=before["ETag"])
    assert after.status_code == 200 and after["ETag"] != before["ETag"]
    assert after.json()["results"][0]["id"] != before.json()["results"][0]["id"]


def test_the_fast_path_stands_down_when_the_view_would_throttle():
    with mock.patch.object(LLMModelViewSet, "throttle_classes", [object]), pytest.raises(MiddlewareNotUsed):
        catalog_list_cache(lambda request: None)


@pytest.mark.django_db
def test_a_page_asked_through_another_host_name_links_to_that_host(two_clients, settings, static_catalog):
    # next/previous links are absolute: a page cached for one host name must not be replayed for another.
    settings.MODELSYNC_PUBLIC_READ, settings.ALLOWED_HOSTS = True, ["internal.test", "public.test"]
    fast, _ = two_clients()
    internal = fast.get("/api/v1/models/", {"page_size": 5}, HTTP_HOST="internal.test")
    public = fast.get("/api/v1/models/", {"page_size": 5}, HTTP_HOST="public.test")
    assert internal.json()["next"].startswith("http://internal.test/")
    assert public.json()["next"].startswith("http://public.test/") and public["ETag"] != internal["ETag"]
    not_modified = fast.get(
        "/api/v1/models/", {"page_size": 5}, HTTP_HOST="public.test", HTTP_IF_NONE_MATCH=internal["ETag"]
    )
    assert not_modified.status_code == 200


@pytest.mark.django_db
def test_a_token_is_checked_once_when_the_page_is_not_cached_yet(static_catalog, django_user_model):
    cache.clear()
    token = Token.objects.create(user=django_user_model.objects.create_user("lister", password="lister-pw-123"))
    client = APIClient(HTTP_AUTHORIZATION=f"Token {token.key}")
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/api/v1/models/", {"page_size": 3}).status_code == 200  # the fast path, then DRF
    assert sum(Token._meta.db_table in query["sql"] for query in queries.captured_queries) == 1
