"""API tokens from the shell: the key is printed once by the caller and never written to a log."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db import transaction
from rest_framework.authtoken.models import Token


class TokenExists(Exception):
    """The user already has a token; replacing it would lock out the clients that use it, so it must be asked for."""


@dataclass(frozen=True)
class IssuedToken:
    username: str
    key: str
    user_created: bool
    replaced: bool


@transaction.atomic
def api_token_issue(username: str, *, staff: bool = False, rotate: bool = False) -> IssuedToken:
    """A token for `username` (created as an active user, staff when asked, without a usable password)."""
    users = get_user_model().objects
    user = users.select_for_update().filter(**{get_user_model().USERNAME_FIELD: username}).first()
    user_created = user is None
    if user_created:
        user = users.create_user(username=username, password=None, is_staff=staff)
    elif staff and not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    if staff:  # staff tokens start syncs and read their history (modelsync.permissions)
        user.user_permissions.add(Permission.objects.get(content_type__app_label="modelsync", codename="run_sync"))
    existing = Token.objects.filter(user=user)
    replaced = existing.exists()
    if replaced and not rotate:
        raise TokenExists(username)
    existing.delete()
    return IssuedToken(username, Token.objects.create(user=user).key, user_created, replaced)
