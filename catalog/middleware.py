"""The API's edges in JSON: a 413 for bodies over DATA_UPLOAD_MAX_MEMORY_SIZE before anything reads them (Django
would say 400), and the one error shape for 4xx/5xx answers Django itself made under /api/ (e.g. an unrouted 404)."""

from http import HTTPStatus

from django.conf import settings
from django.http import JsonResponse

from catalog.api_errors import error_body

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
