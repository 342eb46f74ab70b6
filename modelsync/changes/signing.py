"""Webhook signing per the Standard Webhooks specification (https://www.standardwebhooks.com/): each endpoint's
secret, shown once and kept encrypted with a key derived from SECRET_KEY, its rotation, and the headers every
delivery carries.

A secret is `whsec_` + the base64 of 32 random bytes, and those bytes are the HMAC key, as the verifier libraries
(`standardwebhooks`, Svix) read it. Secrets issued before (`whsec_` + secrets.token_urlsafe(32)) are not base64: the
Python library would silently drop their `-` and `_` and derive another key, or fail on about one in four. Such a
legacy secret keeps the key it always had, the UTF-8 bytes of the whole secret string, which a receiver passes to
the library as bytes (`Webhook(secret.encode())`, or `{format: "raw"}` in the JavaScript one); staff rotate it to a
standard secret at their pace, both signing during the overlap.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings

from modelsync.models import WebhookEndpoint

PREFIX = "whsec_"
SECRET_BYTES = 32


# --- Pure: secrets, keys, signatures ---------------------------------------------------------------------------


def secret_new() -> str:
    """A fresh standard secret: `whsec_` + base64 of 32 random bytes."""
    return PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def secret_is_standard(secret: str) -> bool:
    """`whsec_` + strict, padded base64 of at least 24 bytes (the spec's lower bound)."""
    key = _standard_key(secret)
    return key is not None and len(key) >= 24


def signing_key(secret: str) -> bytes:
    """The HMAC key of `secret`: its decoded bytes when standard, else (a legacy secret) its own UTF-8 bytes."""
    key = _standard_key(secret)
    return key if key is not None and len(key) >= 24 else secret.encode()


def _standard_key(secret: str) -> bytes | None:
    if not secret.startswith(PREFIX):
        return None
    try:
        return base64.b64decode(secret.removeprefix(PREFIX), validate=True)
    except (binascii.Error, ValueError):
        return None


def sign(key: bytes, msg_id: str, timestamp: int, body: bytes) -> str:
    """`v1,<base64 HMAC-SHA256 of "id.timestamp.body">`: one signature of the webhook-signature header."""
    digest = hmac.new(key, f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def webhook_headers(endpoint_secrets: Iterable[str], msg_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """webhook-id, webhook-timestamp and webhook-signature: one signature per secret, newest first, space-separated
    (a receiver accepts the delivery when any of them is its secret's)."""
    signatures = " ".join(sign(signing_key(secret), msg_id, timestamp, body) for secret in endpoint_secrets)
    return {"webhook-id": msg_id, "webhook-timestamp": str(timestamp), "webhook-signature": signatures}


# --- An endpoint's secrets, encrypted at rest --------------------------------------------------------------------


def _fernet() -> Fernet:
    digest = hashlib.sha256(f"modelsync.webhook-secret:{settings.SECRET_KEY}".encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def _encrypt(secret: str) -> str:
    return _fernet().encrypt(secret.encode()).decode()


def _decrypt(token: str) -> str:
    return _fernet().decrypt(token.encode()).decode()


def endpoint_secret_reset(endpoint: WebhookEndpoint) -> str:
    """Give `endpoint` a new signing secret (unsaved), ending any rotation, and return it: the only time anyone
    sees it."""
    secret = secret_new()
    endpoint.secret_encrypted = _encrypt(secret)
    endpoint.previous_secret_encrypted, endpoint.previous_secret_until = "", None
    return secret


def endpoint_secret_rotate(endpoint: WebhookEndpoint, now: datetime, hours: float) -> str:
    """A new secret for `endpoint` (unsaved) while the current one keeps signing for `hours` more; the new one is
    returned, once. The caller refuses a second rotation while one is under way (endpoint_is_rotating)."""
    previous = endpoint.secret_encrypted
    if endpoint_secret_kind(endpoint) == "unreadable":
        previous = ""  # it signs nothing (kept under another DJANGO_SECRET_KEY): the new one alone signs
    secret = secret_new()
    endpoint.secret_encrypted = _encrypt(secret)
    endpoint.previous_secret_encrypted = previous
    endpoint.previous_secret_until = now + timedelta(hours=hours) if previous else None
    return secret


def endpoint_is_rotating(endpoint: WebhookEndpoint, now: datetime) -> bool:
    """The old secret still signs: rotated, neither retired nor past its time."""
    until = endpoint.previous_secret_until
    return bool(endpoint.previous_secret_encrypted) and until is not None and now < until


def endpoint_signing_secrets(endpoint: WebhookEndpoint, now: datetime) -> list[str]:
    """The secrets a delivery is signed with at `now`, decrypted for one send: the current one, then the old one
    while the rotation lasts."""
    found = [_decrypt(endpoint.secret_encrypted)]
    if endpoint_is_rotating(endpoint, now):
        found.append(_decrypt(endpoint.previous_secret_encrypted))
    return found


def endpoint_secret_kind(endpoint: WebhookEndpoint) -> str:
    """The kind of secret that signs, "standard", "legacy" (issued before Standard Webhooks) or "unreadable" (kept
    under another DJANGO_SECRET_KEY: rotate it); never the secret."""
    try:
        secret = _decrypt(endpoint.secret_encrypted)
    except InvalidToken:
        return "unreadable"
    return "standard" if secret_is_standard(secret) else "legacy"
