"""Token authentication that lets API clients keep reading the stale catalog through a database outage."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import DatabaseError
from rest_framework.authentication import TokenAuthentication


class RememberedTokenAuthentication(TokenAuthentication):
    """DRF's token check. A token it verified in the last MODELSYNC_TOKEN_REMEMBER_SECONDS is still accepted while
    the database is unreachable, so its client is answered from the last good catalog, marked stale, not a 503.

    The process's own cache keeps a digest of the key (never the key) with the user's id, name and staff flag.
    An unknown token during an outage still fails: nothing can say whether it is valid.
    """

    def authenticate(self, request):
        # The list fast path (catalog.middleware) checks a request first and, when its page is not cached, the view
        # checks it again: the answer is kept on the HTTP request both wrap, so a token costs one query, not two.
        http_request = request._request
        if not hasattr(http_request, "catalog_token_auth"):
            http_request.catalog_token_auth = super().authenticate(request)
        return http_request.catalog_token_auth

    def authenticate_credentials(self, key):
        remembered = f"catalog:token:{hashlib.sha256(key.encode()).hexdigest()}"
        try:
            user, token = super().authenticate_credentials(key)
        except DatabaseError:
            if (known := cache.get(remembered)) is None:
                raise
            return _user_without_database(*known), None
        if settings.MODELSYNC_TOKEN_REMEMBER_SECONDS:
            known = (user.pk, user.get_username(), user.is_staff)
            cache.set(remembered, known, timeout=settings.MODELSYNC_TOKEN_REMEMBER_SECONDS)
        return user, token


def _user_without_database(pk: int, username: str, is_staff: bool):
    """The user a remembered token belongs to, as far as the outage lets anyone know (not saved, never written)."""
    user_model = get_user_model()
    return user_model(pk=pk, is_staff=is_staff, is_active=True, **{user_model.USERNAME_FIELD: username})
