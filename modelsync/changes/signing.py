"""Webhook signing: each endpoint's secret, shown once and kept encrypted with a key derived from SECRET_KEY, and
the signature every delivery carries."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from cryptography.fernet import Fernet
from django.conf import settings

from modelsync.models import WebhookEndpoint


def _fernet() -> Fernet:
    digest = hashlib.sha256(f"modelsync.webhook-secret:{settings.SECRET_KEY}".encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def endpoint_secret_reset(endpoint: WebhookEndpoint) -> str:
    """Give `endpoint` a new signing secret (unsaved) and return it: the only time anyone sees it."""
    secret = f"whsec_{secrets.token_urlsafe(32)}"
    endpoint.secret_encrypted = _fernet().encrypt(secret.encode()).decode()
    return secret


def endpoint_secret(endpoint: WebhookEndpoint) -> str:
    """The endpoint's signing secret, decrypted for one send."""
    return _fernet().decrypt(endpoint.secret_encrypted.encode()).decode()


def signature(secret: str, body: bytes) -> str:
    """X-Modelsync-Signature: the hex HMAC-SHA256 of the exact body bytes."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
