"""The fault proxy itself, against the real Redis: each mode does what the fault tests rely on."""

import os

import pytest
import redis

from tests.conftest import unavailable
from tests.faultproxy import FaultProxy

REDIS_URL = os.environ.get("CELERY_BROKER_URL", "")


@pytest.fixture
def proxy():
    if not REDIS_URL.startswith("redis://"):
        unavailable("Redis", "set CELERY_BROKER_URL=redis://127.0.0.1:6379/0")
    client = redis.Redis.from_url(REDIS_URL, socket_timeout=1)
    try:
        client.ping()
    except redis.ConnectionError:
        unavailable("Redis", f"nothing answers at {REDIS_URL}")
    with FaultProxy("127.0.0.1", client.connection_pool.connection_kwargs["port"]) as proxy:
        yield proxy


def _client(proxy: FaultProxy) -> redis.Redis:
    return redis.Redis.from_url(proxy.url_for(REDIS_URL), socket_timeout=0.5, socket_connect_timeout=0.5)


def test_pass_forwards_both_ways(proxy):
    assert _client(proxy).ping() is True


def test_refuse_fails_a_new_connection(proxy):
    proxy.set_mode("refuse")
    with pytest.raises(redis.ConnectionError):
        _client(proxy).ping()


def test_blackhole_never_answers_then_pass_recovers(proxy):
    client = _client(proxy)
    proxy.set_mode("blackhole")
    with pytest.raises((redis.TimeoutError, redis.ConnectionError)):
        client.ping()
    proxy.set_mode("pass")
    assert _client(proxy).ping() is True


def test_cut_breaks_open_connections_only(proxy):
    client = redis.Redis(connection_pool=redis.ConnectionPool.from_url(proxy.url_for(REDIS_URL), socket_timeout=0.5))
    assert client.ping() is True
    connection = client.connection_pool.get_connection()
    connection.send_command("PING")
    assert connection.read_response() in (b"PONG", "PONG", True)
    proxy.cut()
    with pytest.raises((redis.ConnectionError, redis.TimeoutError)):
        connection.send_command("PING")
        connection.read_response()
    assert _client(proxy).ping() is True


def test_url_for_keeps_credentials_and_path(proxy):
    assert (
        proxy.url_for("postgres://postgres@127.0.0.1:5432/test") == f"postgres://postgres@127.0.0.1:{proxy.port}/test"
    )
