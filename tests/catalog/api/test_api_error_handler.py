"""The API's exception handler on the cases no endpoint produces today: list details and non-API exceptions."""

from django.db.utils import OperationalError
from rest_framework import exceptions

from catalog.api.errors import api_exception_handler


def test_a_validation_error_with_a_list_detail_becomes_non_field_errors():
    response = api_exception_handler(exceptions.ValidationError(["too vague", "say which model"]), {})
    assert response.status_code == 400
    assert response.data == {
        "error": {
            "code": "invalid",
            "message": "too vague say which model",
            "fields": {"non_field_errors": ["too vague", "say which model"]},
        }
    }


def test_an_exception_drf_does_not_handle_is_left_to_django():
    assert api_exception_handler(ValueError("a bug"), {}) is None


def test_a_database_error_is_a_503_in_the_error_shape():
    response = api_exception_handler(OperationalError("server closed the connection"), {})
    assert response.status_code == 503
    assert response.data["error"]["code"] == "database_unavailable"
    assert "server closed" not in response.data["error"]["message"]
