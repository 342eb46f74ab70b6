"""One error shape for every 4xx/5xx the API answers: {"error": {"code", "message", "fields"?}}. DRF's errors get it
from the exception handler; what Django answers itself under /api/ (an unrouted 404, a body over
DATA_UPLOAD_MAX_MEMORY_SIZE, which gets a 413 here before anything reads it, where Django would say 400) gets it from
the api_body_limit middleware."""

from __future__ import annotations

from http import HTTPStatus

from django.conf import settings
from django.db import DatabaseError
from django.http import JsonResponse
from kombu.exceptions import OperationalError as BrokerError
from rest_framework import exceptions, serializers, status
from rest_framework.views import exception_handler

CODES = {404: "not_found", 405: "method_not_allowed", 400: "bad_request", 500: "server_error"}


class ServiceUnavailable(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "The catalog database is unreachable; try again shortly."
    default_code = "database_unavailable"


class BrokerUnavailable(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "The task broker is unreachable, so no task was started; try again shortly."
    default_code = "broker_unavailable"


class ErrorBodySerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    fields = serializers.DictField(required=False, help_text="field name -> list of problems (validation errors)")


class ErrorSerializer(serializers.Serializer):
    """The one error shape of the API (documented for every 4xx)."""

    error = ErrorBodySerializer()


def error_body(code: str, message: str, fields: dict | None = None) -> dict:
    body = {"code": code, "message": message}
    if fields is not None:
        body["fields"] = fields
    return {"error": body}


def _message(detail) -> str:
    if isinstance(detail, list):
        return " ".join(map(str, detail))
    if isinstance(detail, dict):
        return "The request has invalid fields: " + ", ".join(map(str, list(detail)[:10])) + "."
    return str(detail)


def api_exception_handler(exc, context):
    """DRF's handler, then the one shape; a database or broker outage is a 503, never a 500."""
    if isinstance(exc, DatabaseError):
        exc = ServiceUnavailable()
    elif isinstance(exc, BrokerError):
        exc = BrokerUnavailable()
    response = exception_handler(exc, context)
    if response is None:
        return None
    detail = exc.detail if isinstance(exc, exceptions.APIException) else response.data
    if isinstance(exc, exceptions.ValidationError):
        fields = detail if isinstance(detail, dict) else {"non_field_errors": detail}
        response.data = error_body("invalid", _message(detail), fields)
    else:
        response.data = error_body(getattr(exc, "default_code", "error"), _message(detail))
    return response


def api_body_limit(get_response):
    """Middleware: a 413 in the one shape for an /api/ body over the limit, and Django's own error pages as JSON."""

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
    status_ = HTTPStatus(response.status_code)
    body = error_body(CODES.get(status_.value, status_.phrase.lower().replace(" ", "_")), f"{status_.phrase}.")
    return JsonResponse(body, status=status_.value)
