"""The catalog API's caching, in one place: strong ETags from the catalog version, the pages kept per ETag (one key
scheme), and the list fast path that answers a cached list page without DRF (SPEC §9).

A request the fast path looked at and handed on (a cache miss) is served by the view: what the fast path already
learned about it (the token check, the catalog version or the database error, the ETag) is kept here, by request,
for the view to reuse, so a miss costs one token query and one version read, not two. Nothing is stored on the
request itself.
"""

from __future__ import annotations

import hashlib
from urllib.parse import urlencode
from weakref import WeakKeyDictionary

from django.core.cache import cache
from django.core.exceptions import MiddlewareNotUsed
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.utils.http import parse_etags
from rest_framework.exceptions import APIException
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request

from catalog.version import catalog_version_get

LIST_PATH = "/api/v1/models/"
CACHE_SECONDS = 300
KEY_PREFIX = "catalog:"
_seen: WeakKeyDictionary[HttpRequest, dict] = WeakKeyDictionary()


def cache_key(kind: str, etag: str) -> str:
    """The one key scheme: `catalog:<kind>:<etag>`; kind is `page` (the fast path's bytes) or `data` (the view's)."""
    return f"{KEY_PREFIX}{kind}:{etag}"


def catalog_etag(url: str, query, version: int) -> str:
    """A strong ETag from the catalog version, the URL and the query normalized (parameter order is irrelevant).

    The URL with scheme and host, not just the path: a page's next/previous links are absolute, so the same page
    asked through two host names is two different bodies.
    """
    normalized = urlencode(sorted((key, value) for key, values in query.lists() for value in values))
    digest = hashlib.sha256(f"{version}|{url}|{normalized}".encode()).hexdigest()[:32]
    return f'"{digest}"'


def etag_matches(if_none_match: str, etag: str) -> bool:
    wanted = parse_etags(if_none_match)
    return "*" in wanted or etag.strip('"') in (tag.removeprefix("W/").strip('"') for tag in wanted)


def _http(request) -> HttpRequest:
    """The HTTP request under a DRF request (the fast path's and the view's wrap the same one)."""
    return getattr(request, "_request", request)


def authenticated_once(request, authenticate):
    """authenticate()'s answer for this HTTP request, computed once: the fast path checks a request first and, when
    its page is not cached, the view checks it again."""
    seen = _seen.setdefault(_http(request), {})
    if "auth" not in seen:
        seen["auth"] = authenticate()
    return seen["auth"]


def request_catalog_version(request) -> int:
    """The version the list fast path already read for this request, else a fresh read."""
    known = _seen.get(_http(request), {}).get("version")
    if isinstance(known, DatabaseError):
        raise known  # it failed a moment ago: straight to the stale answer, not a second wait on the database
    return catalog_version_get() if known is None else known


def request_etag(request) -> str:
    """The ETag of the page a DRF request asks for (the version read may raise DatabaseError)."""
    return catalog_etag(
        request.build_absolute_uri(request.path), request.query_params, request_catalog_version(request)
    )


def page_data(request, etag: str, render):
    """The page's data for `etag`: cached per ETag, except when the fast path keeps this page's rendered bytes."""
    if _seen.get(_http(request), {}).get("etag") == etag:
        return render()
    if (data := cache.get(cache_key("data", etag))) is None:
        data = render()
        cache.set(cache_key("data", etag), data, timeout=CACHE_SECONDS)
    return data


def catalog_list_cache(get_response):
    """GET /api/v1/models/ answered from its rendered bytes, skipping DRF, when DRF would answer exactly the same.

    SPEC §9 wants ≥ 1,000 cached list pages a second from two workers; DRF's per-request work (negotiation,
    dispatch, rendering the page again) was most of a cached answer. So a JSON-only request that the view's own
    authenticators and permissions admit gets the bytes and headers the view produced for the same ETag, or the
    view's 304. Anything else (an unknown ETag, the browsable API, a bad token, a refusal, the database down) goes
    to the view untouched, which is also what fills the cache. Last in MIDDLEWARE, so every other middleware still
    runs; what it read is handed on to the view (see the module's docstring).
    """
    # Here, not at the top: catalog.api.views imports this module for its ETags and page cache.
    from catalog.api.views import LLMModelViewSet

    view_class = LLMModelViewSet
    if (view_class.renderer_classes[0] is not JSONRenderer or view_class.throttle_classes
            or view_class.versioning_class is not None):  # fmt: skip
        raise MiddlewareNotUsed("the list view negotiates, throttles or versions: only DRF can answer it")

    def middleware(request):
        if request.method != "GET" or request.path_info != LIST_PATH or not _json_only(request):
            return get_response(request)
        return _list_from_cache(request, view_class) or _remember(request, get_response(request))

    return middleware


def _json_only(request) -> bool:
    """DRF picks JSONRenderer, and renders it plainly: no ?format=, and Accept absent, */* or application/json."""
    return "format" not in request.GET and request.headers.get("Accept", "*/*") in ("*/*", "application/json")


def _list_from_cache(request, view_class):
    view = view_class(action="list", format_kwarg=None)
    drf_request = Request(request, authenticators=view.get_authenticators())
    try:
        drf_request.user  # noqa: B018 - DRF's own authentication, in its order (and so the same Vary: Cookie)
        if not all(permission.has_permission(drf_request, view) for permission in view.get_permissions()):
            return None
    except (APIException, DatabaseError):
        return None  # the view says why (401/403), or serves the stale catalog
    seen = _seen.setdefault(request, {})
    try:
        version = seen["version"] = catalog_version_get()
    except DatabaseError as exc:
        seen["version"] = exc
        return None
    etag = seen["etag"] = catalog_etag(request.build_absolute_uri(request.path), request.GET, version)
    cached = cache.get(cache_key("page", etag))
    if cached is None:
        return None
    content, headers = cached
    if etag_matches(request.headers.get("If-None-Match", ""), etag):
        response = HttpResponse(status=304)
        del response["Content-Type"]  # as DRF's empty 304
        content_free = {"Content-Type", "Content-Length"}
        headers = [(name, value) for name, value in headers if name not in content_free]
    else:
        response = HttpResponse(content)
    for name, value in headers:
        response[name] = value
    return response


def _remember(request, response):
    """Keep the view's 200 for this ETag (the fast path's request, so JSON and admitted)."""
    etag = _seen.get(request, {}).get("etag")
    if etag and response.status_code == 200 and response.get("ETag") == etag and not response.streaming:
        cache.set(cache_key("page", etag), (response.content, list(response.items())), timeout=CACHE_SECONDS)
    return response
