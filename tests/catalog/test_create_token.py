"""`create_token` (issue #15): a working API token from one shell command, shown once, never stored elsewhere."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from rest_framework.authtoken.models import Token

pytestmark = pytest.mark.django_db


def _create_token(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("create_token", *args, stdout=out, stderr=err)
    return out.getvalue().strip(), err.getvalue()


def test_it_creates_the_user_and_prints_a_key_the_api_accepts(api_client):
    key, said = _create_token("alice")
    user = get_user_model().objects.get(username="alice")
    assert Token.objects.get(user=user).key == key and len(key) == 40 and key not in said
    assert not user.is_staff and not user.has_usable_password() and "new user 'alice'" in said
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api_client.get("/api/v1/models/").status_code == 200
    assert api_client.post("/api/v1/sync/", {}, format="json").status_code == 403  # not staff


def test_staff_flag_makes_a_staff_user_who_may_trigger_a_sync(api_client):
    key, said = _create_token("ops", "--staff")
    assert get_user_model().objects.get(username="ops").is_staff and "(staff)" in said
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api_client.get("/api/v1/sync/status/").status_code == 200


def test_an_existing_user_keeps_their_password_and_may_be_made_staff():
    user = get_user_model().objects.create_user(username="bob", password="bob-password-1")
    key, said = _create_token("bob", "--staff")
    user.refresh_from_db()
    assert user.check_password("bob-password-1") and user.is_staff and "user 'bob'" in said
    assert Token.objects.get(user=user).key == key


def test_a_second_token_is_refused_unless_rotated():
    first, _ = _create_token("carol")
    with pytest.raises(CommandError, match="already has a token and it cannot be shown again; --rotate"):
        _create_token("carol")
    assert Token.objects.get(user__username="carol").key == first
    second, said = _create_token("carol", "--rotate")
    assert second != first and Token.objects.get(user__username="carol").key == second
    assert "replaced token of 'carol'" in said
