"""Shared fixtures: an API client, and a guard that fails any test opening a non-loopback socket."""

import ipaddress
import os
import socket
from urllib.parse import urlsplit

import pytest

_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


def _is_loopback(address) -> bool:
    if isinstance(address, str | bytes):  # AF_UNIX path
        return True
    host = address[0]
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a hostname that is not localhost would need DNS and a real network


def _guarded(real):
    def connect(self, address):
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(address):
            raise RuntimeError(f"tests may not reach the network: connect to {address!r} blocked")
        return real(self, address)

    return connect


@pytest.fixture(autouse=True)
def _no_network(monkeypatch):
    monkeypatch.setattr(socket.socket, "connect", _guarded(_real_connect))
    monkeypatch.setattr(socket.socket, "connect_ex", _guarded(_real_connect_ex))


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()


def services_required() -> bool:
    """In CI (CI=true) a missing PostgreSQL or Redis is a failure, never a skip."""
    return os.environ.get("CI", "").lower() == "true"


def unavailable(what: str, how: str = "") -> None:
    """A real component the test needs is missing: a failure in CI, a skip elsewhere."""
    message = f"needs {what}" + (f" ({how})" if how else "")
    if services_required():
        pytest.fail(f"CI=true: {message}")
    pytest.skip(message)


def pytest_sessionstart(session):
    """In CI the suite runs on the real services or not at all: a missing PostgreSQL/Redis fails the run."""
    if not services_required():
        return
    from django.conf import settings

    engine = settings.DATABASES["default"]["ENGINE"]
    broker = settings.CELERY_BROKER_URL
    problems = []
    if engine not in ("django.db.backends.postgresql", "config.postgresql"):  # config.postgresql: fail-fast limits
        problems.append(f"DATABASE_URL must point at PostgreSQL in CI (engine is {engine})")
    if not broker.startswith("redis://"):
        problems.append(f"CELERY_BROKER_URL must point at Redis in CI (it is {broker!r})")
    database = settings.DATABASES["default"]
    broker_address = urlsplit(broker)
    endpoints = (
        (database.get("HOST") or "127.0.0.1", int(database.get("PORT") or 5432), "PostgreSQL"),
        (broker_address.hostname or "127.0.0.1", broker_address.port or 6379, "Redis"),
    )
    for host, port, name in endpoints:
        try:
            socket.create_connection((host, port), timeout=3).close()
        except OSError as exc:
            problems.append(f"{name} on {host}:{port} does not answer: {exc}")
    if problems:
        raise pytest.UsageError("CI=true but the real services are missing: " + "; ".join(problems))
