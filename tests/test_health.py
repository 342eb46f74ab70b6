"""/healthz answers while the process lives; /readyz checks the database and the broker, within its deadline."""

import threading
from unittest import mock

import pytest
from django.db.utils import OperationalError

from config.celery import app as celery_app


@pytest.mark.django_db
def test_healthz_is_open_and_cheap(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_is_ready_when_database_and_broker_answer(client):
    with mock.patch("config.views._broker_ok", return_value=True):
        response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": True, "broker": True}


@pytest.mark.django_db
def test_readyz_is_unavailable_when_database_is_down(client):
    with (
        mock.patch("config.views._broker_ok", return_value=True),
        mock.patch("django.db.backends.utils.CursorWrapper.execute", side_effect=OperationalError("down")),
    ):
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["database"] is False


@pytest.mark.django_db
def test_readyz_reports_the_real_broker(client):
    assert client.get("/readyz").json()["checks"]["broker"] is True


@pytest.mark.django_db
def test_readyz_is_unavailable_when_broker_does_not_answer(client):
    real = celery_app.connection_for_write
    with mock.patch.object(celery_app, "connection_for_write", lambda: real("redis://127.0.0.1:1/0")):
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": True, "broker": False}


@pytest.mark.django_db
def test_readyz_counts_a_check_that_has_not_answered_by_its_deadline_as_down(client, settings):
    """A database or broker that hangs must not hang the probe (tests/test_database_faults.py times it for real)."""
    released = threading.Event()
    with (
        mock.patch("config.views.READY_DEADLINE", 0.2),
        mock.patch("config.views._database_ok", side_effect=lambda: released.wait(10)),
        mock.patch("config.views._broker_ok", return_value=True),
    ):
        response = client.get("/readyz")
    released.set()  # the abandoned check ends
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "checks": {"database": False, "broker": True}}
