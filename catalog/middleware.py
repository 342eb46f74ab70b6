"""The API's edges: a 413 for bodies over DATA_UPLOAD_MAX_MEMORY_SIZE before anything reads them (Django would say
400), the one error shape for 4xx/5xx answers Django itself made under /api/ (e.g. an unrouted 404), and cached list
pages served without DRF's per-request work when DRF would give the very same answer (SPEC §9). And admin's answer
while the database is down: a plain 503 page, not a 500."""

from http import HTTPStatus

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import MiddlewareNotUsed
from django.db import DatabaseError
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.urls import reverse
from rest_framework.exceptions import APIException
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request

from catalog.api_errors import error_body
from catalog.selectors import catalog_version_get
from catalog.views import CACHE_SECONDS, LLMModelViewSet, catalog_etag, etag_matches

LIST_PATH = "/api/v1/models/"
PAGE_KEY = "catalog:page:"
CODES = {404: "not_found", 405: "method_not_allowed", 400: "bad_request", 500: "server_error"}


def api_body_limit(get_response):
    def middleware(request):
        if not request.path.startswith("/api/"):
            return get_response(request)
        length = request.META.get("CONTENT_LENGTH", "")
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if length.isdigit() and int(length) > limit:
            return JsonResponse(error_body("too_large", f"The request body is over {limit} bytes."), status=413)
        return _as_json_error(get_response(request))

    return middleware


def _as_json_error(response):
    """Django's own HTML error pages become the API's error shape; DRF's JSON errors pass through untouched."""
    if response.status_code < 400 or response.get("Content-Type", "").startswith("application/json"):
        return response
    status = HTTPStatus(response.status_code)
    body = error_body(CODES.get(status.value, status.phrase.lower().replace(" ", "_")), f"{status.phrase}.")
    return JsonResponse(body, status=status.value)


def catalog_list_cache(get_response):
    """GET /api/v1/models/ answered from its rendered bytes, skipping DRF, when DRF would answer exactly the same.

    SPEC §9 wants ≥ 1,000 cached list pages a second from two workers; DRF's per-request work (negotiation,
    dispatch, rendering the page again) was most of a cached answer. So a JSON-only request that the view's own
    authenticators and permissions admit gets the bytes and headers the view produced for the same ETag, or the
    view's 304. Anything else (an unknown ETag, the browsable API, a bad token, a refusal, the database down) goes
    to the view untouched, which is also what fills the cache. Last in MIDDLEWARE, so every other middleware still
    runs; the view's version read is handed on (request.catalog_version) so a miss reads it once.
    """
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
    try:
        version = request.catalog_version = catalog_version_get()
    except DatabaseError as exc:
        request.catalog_version = exc
        return None
    etag = catalog_etag(request.build_absolute_uri(request.path), request.GET, version)
    request.catalog_etag = etag
    cached = cache.get(f"{PAGE_KEY}{etag}")
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
    etag = getattr(request, "catalog_etag", None)
    if etag and response.status_code == 200 and response.get("ETag") == etag and not response.streaming:
        cache.set(f"{PAGE_KEY}{etag}", (response.content, list(response.items())), timeout=CACHE_SECONDS)
    return response


class AdminDatabaseUnavailable:
    """/admin/ with the database unreachable: a plain 503 page that says so (with Retry-After), instead of a 500;
    the same page names the statement timeout when that is what stopped the request.

    Admin needs the database for everything, the login included, so there is no stale admin; the API keeps
    answering from the last good catalog meanwhile. The page is rendered without context processors: they would
    read the session and the user from the very database that is down.
    """

    RETRY_AFTER_SECONDS = 30

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, DatabaseError) or not request.path.startswith(reverse("admin:index")):
            return None
        # 57014 query_canceled: the database is up, but cancelled a statement over the web statement timeout.
        context = {
            "retry_after": self.RETRY_AFTER_SECONDS,
            "statement_timeout": settings.MODELSYNC_DB_STATEMENT_TIMEOUT,
            "timed_out": getattr(exception.__cause__, "sqlstate", None) == "57014",
        }
        page = render_to_string("catalog/database_unavailable.html", context)
        response = HttpResponse(page, status=503)
        response["Retry-After"] = str(self.RETRY_AFTER_SECONDS)
        return response
