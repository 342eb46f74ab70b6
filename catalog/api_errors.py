"""One error shape for every 4xx/5xx the API answers: {"error": {"code", "message", "fields"?}}."""

from __future__ import annotations

from django.db import DatabaseError
from kombu.exceptions import OperationalError as BrokerError
from rest_framework import exceptions, serializers, status
from rest_framework.views import exception_handler


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
