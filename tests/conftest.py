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


# CI runs the whole suite twice (.ci/run): on PostgreSQL, and on SQLite, the README's default. CI_DATABASE names the
# pass: "postgresql" (what CI=true alone means) or "sqlite". Redis is required on both.
# config.postgresql: Django's PostgreSQL backend with the fail-fast limits (config/database.py).
CI_DATABASES = {"postgresql": "config.postgresql", "sqlite": "django.db.backends.sqlite3"}


def services_required() -> bool:
    """In CI (CI=true) a missing PostgreSQL, Redis, browser or program fails the run, never a skip."""
    return os.environ.get("CI", "").lower() == "true"


def ci_database() -> str:
    """The database CI's pass runs on: CI_DATABASE, PostgreSQL unless it says sqlite."""
    return os.environ.get("CI_DATABASE", "").strip().lower() or "postgresql"


def sqlite_pass() -> bool:
    """CI's SQLite pass (CI=true CI_DATABASE=sqlite): tests of PostgreSQL itself are skipped, naming the other pass."""
    return services_required() and ci_database() == "sqlite"


def postgresql_required() -> bool:
    """A test of PostgreSQL itself fails without it in CI, except on the SQLite pass, which skips it."""
    return services_required() and not sqlite_pass()


def unavailable(what: str, how: str = "") -> None:
    """A real component the test needs is missing: a failure in CI, a skip elsewhere. A `what` naming PostgreSQL
    first is the database itself: on CI's SQLite pass a skip that says so, as PostgreSQL has its own pass."""
    message = f"needs {what}" + (f" ({how})" if how else "")
    if what.startswith("PostgreSQL") and sqlite_pass():
        pytest.skip(f"{message}: CI_DATABASE=sqlite is CI's SQLite pass; its PostgreSQL pass runs this test")
    if services_required():
        pytest.fail(f"CI=true: {message}")
    pytest.skip(message)


def ci_problems(engine: str, broker: str) -> list[str]:
    """What is wrong with this CI pass's settings: the database CI_DATABASE names, and Redis as the broker."""
    if ci_database() not in CI_DATABASES:
        return [f"CI_DATABASE must be one of {', '.join(CI_DATABASES)} (it is {ci_database()!r})"]
    problems = []
    if engine != CI_DATABASES[ci_database()]:
        unset = "; unset DATABASE_URL for the SQLite pass" if sqlite_pass() else ""
        problems.append(f"CI_DATABASE={ci_database()} but the database engine is {engine}{unset}")
    if not broker.startswith("redis://"):
        problems.append(f"CELERY_BROKER_URL must point at Redis in CI (it is {broker!r})")
    return problems


def pytest_sessionstart(session):
    """In CI the suite runs on the real services or not at all: a missing PostgreSQL/Redis fails the run. On the
    SQLite pass (CI_DATABASE=sqlite) the database is SQLite and Redis is still required."""
    if not services_required():
        return
    from django.conf import settings

    database = settings.DATABASES["default"]
    broker = settings.CELERY_BROKER_URL
    problems = ci_problems(database["ENGINE"], broker)
    broker_address = urlsplit(broker)
    endpoints = [(broker_address.hostname or "127.0.0.1", broker_address.port or 6379, "Redis")]
    if database["ENGINE"] == CI_DATABASES["postgresql"]:
        endpoints.insert(0, (database.get("HOST") or "127.0.0.1", int(database.get("PORT") or 5432), "PostgreSQL"))
    for host, port, name in endpoints:
        try:
            socket.create_connection((host, port), timeout=3).close()
        except OSError as exc:
            problems.append(f"{name} on {host}:{port} does not answer: {exc}")
    if problems:
        raise pytest.UsageError("CI=true but the real services are missing: " + "; ".join(problems))
