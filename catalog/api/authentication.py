"""Token authentication that lets API clients keep reading the stale catalog through a database outage, and the
feeds' private URL token."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import DatabaseError
from rest_framework.authentication import BaseAuthentication, TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

from catalog.api.caching import authenticated_once
from catalog.tokens import feed_token_user

logger = logging.getLogger(__name__)
TOKENS_FILE = "remembered-tokens.json"


class RememberedTokenAuthentication(TokenAuthentication):
    """DRF's token check. A token it verified in the last MODELSYNC_TOKEN_REMEMBER_SECONDS is still accepted while
    the database is unreachable, so its client is answered from the last good catalog, marked stale, not a 503.

    What is remembered is a digest of the key (never the key) with the user's id, name and staff flag and when it
    lapses: in the process's cache, and in MODELSYNC_VAR_DIR/remembered-tokens.json so that a worker started during
    the outage (gunicorn replaces one that died) still knows it. Either is refreshed once half its time has passed,
    so a token in use stays remembered without a write per request. An unknown token during an outage still fails:
    nothing can say whether it is valid.
    """

    def authenticate(self, request):
        # The list fast path (catalog.api.caching) checks a request first and, when its page is not cached, the view
        # checks it again: the answer is kept for the HTTP request both wrap, so a token costs one query, not two.
        return authenticated_once(request, lambda: super(RememberedTokenAuthentication, self).authenticate(request))

    def authenticate_credentials(self, key):
        digest = hashlib.sha256(key.encode()).hexdigest()
        remembered = f"catalog:token:{digest}"
        try:
            user, token = super().authenticate_credentials(key)
        except DatabaseError:
            if (known := cache.get(remembered) or token_remembered_on_disk(digest)) is None:
                raise
            return _user_without_database(*known[:3]), None
        if seconds := settings.MODELSYNC_TOKEN_REMEMBER_SECONDS:
            known = cache.get(remembered)
            identity = [user.pk, user.get_username(), user.is_staff]
            if known is None or list(known[:3]) != identity or known[3] - time.time() < seconds / 2:
                lapses_at = time.time() + seconds
                cache.set(remembered, (*identity, lapses_at), timeout=seconds)
                token_remember_on_disk(digest, [*identity, lapses_at])
        return user, token


class FeedTokenAuthentication(BaseAuthentication):
    """`?token=<feed token>`, on the feed views only: feed readers cannot send an Authorization header, so a private
    feed URL carries the secret. The token's user is the request's user for this request alone (no session)."""

    def authenticate(self, request):
        token = request.query_params.get("token")
        if token is None:
            return None
        user = feed_token_user(token)
        if user is None:
            raise AuthenticationFailed("Invalid or revoked feed token: ask staff for a new private feed URL.")
        return user, None


def _user_without_database(pk: int, username: str, is_staff: bool):
    """The user a remembered token belongs to, as far as the outage lets anyone know (not saved, never written)."""
    user_model = get_user_model()
    return user_model(pk=pk, is_staff=is_staff, is_active=True, **{user_model.USERNAME_FIELD: username})


def _tokens_path() -> Path:
    return Path(settings.VAR_DIR) / TOKENS_FILE


def _read_tokens(path: Path) -> dict[str, list]:
    try:
        saved = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        logger.warning("remembered tokens in %s unreadable: %s", path, exc)
        return {}
    return saved if isinstance(saved, dict) else {}


def token_remember_on_disk(digest: str, known: list) -> None:
    """Add one digest to the file, dropping lapsed ones: under a lock (every worker of the host writes it), written
    to a temporary file and renamed (a reader never sees half of it), readable by this user only. Failure only logs.
    """
    path = _tokens_path()
    written = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(f"{path}.lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            now = time.time()
            tokens = {name: value for name, value in _read_tokens(path).items() if _lapses_at(value) > now}
            tokens[digest] = known
            with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False, suffix=".tmp") as handle:
                written = handle.name
                json.dump(tokens, handle)
            os.replace(written, path)
            written = None
    except OSError as exc:
        logger.warning("could not remember a verified token in %s: %s", path, exc)
    finally:
        if written is not None:
            with contextlib.suppress(OSError):
                os.unlink(written)


def token_remembered_on_disk(digest: str) -> tuple | None:
    """(user id, user name, staff, lapses at) for a digest remembered by any worker and not lapsed, else None."""
    if not settings.MODELSYNC_TOKEN_REMEMBER_SECONDS:
        return None
    known = _read_tokens(_tokens_path()).get(digest)
    if not isinstance(known, list) or len(known) != 4 or _lapses_at(known) <= time.time():
        return None
    return tuple(known)


def _lapses_at(value) -> float:
    try:
        return float(value[3])
    except (TypeError, ValueError, IndexError, KeyError):
        return 0.0
