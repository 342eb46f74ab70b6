"""API tokens from the shell, and private feed tokens: each is shown once by the caller and never written to a log.

A feed token is a secret in a feed URL (`/feeds/changes.atom?token=…`) for readers that cannot send an Authorization
header. Only its sha256 is stored: a 256-bit random token needs no slow hash, and the digest is its lookup key."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from rest_framework.authtoken.models import Token

from catalog.models import FeedToken

# Marks a feed token wherever it is pasted, so secret scanners and modelsync.sync.scrub recognise it.
FEED_TOKEN_PREFIX = "msf_"
# last_used_at is written at most this often per token: a feed reader polls, and a poll should not be a write.
LAST_USED_EVERY = timedelta(minutes=5)
# The feeds a token opens (URL name, what it is), as admin and create_feed_token show them.
FEED_URLS = (("changes-feed", "Change feed (Atom)"), ("retirements-feed", "Retirement calendar (iCalendar)"))


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


def feed_token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def feed_token_issue(*, feed_token: FeedToken) -> str:
    """Save a new feed token (its user and name set; a user may have several, one per reader) and return the token,
    which the caller shows once: only its digest is kept."""
    token = FEED_TOKEN_PREFIX + secrets.token_urlsafe(32)
    feed_token.digest, feed_token.prefix = feed_token_digest(token), token[: len(FEED_TOKEN_PREFIX) + 4]
    feed_token.full_clean()
    feed_token.save()
    return token


def feed_token_create(username: str, *, name: str = "") -> tuple[FeedToken, str, bool]:
    """A feed token for `username` from the shell: (row, token, whether the user was created, as a reader without a
    usable password, as create_token does)."""
    user, created = get_user_model().objects.get_or_create(**{get_user_model().USERNAME_FIELD: username})
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    feed_token = FeedToken(user=user, name=name)
    return feed_token, feed_token_issue(feed_token=feed_token), created


def feed_tokens_revoke(*, feed_tokens: QuerySet[FeedToken]) -> int:
    """Revoke the tokens not yet revoked (the rows stay, saying when); the number revoked."""
    return feed_tokens.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())


def feed_token_user(token: str):
    """The active user a live (unrevoked) feed token belongs to, else None; notes when the token was last used."""
    if not token.startswith(FEED_TOKEN_PREFIX):
        return None
    found = (
        FeedToken.objects.select_related("user")
        .filter(digest=feed_token_digest(token), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if found is None:
        return None
    now = timezone.now()
    if found.last_used_at is None or now - found.last_used_at >= LAST_USED_EVERY:
        FeedToken.objects.filter(pk=found.pk).update(last_used_at=now)
    return found.user
