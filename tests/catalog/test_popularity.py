"""Popularity counts: flushed in one statement by count or by time, and kept when the database is down."""

import time
from contextlib import contextmanager
from unittest import mock

import pytest
from django.db.utils import OperationalError

from catalog import usage
from catalog.models import LLMModel
from tests.factories import LLMModelFactory

pytestmark = pytest.mark.django_db


@contextmanager
def database_down():
    with mock.patch("django.db.backends.utils.CursorWrapper.execute", side_effect=OperationalError("down")):
        yield


@pytest.fixture(autouse=True)
def _no_pending():
    usage.usage_reset()
    yield
    usage.usage_reset()


def test_a_flush_with_nothing_pending_touches_nothing(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert usage.popularity_flush() == 0


@pytest.mark.django_db(transaction=True)  # autocommit, as in a request: the failed UPDATE poisons no test transaction
def test_counts_survive_a_flush_while_the_database_is_down(monkeypatch):
    monkeypatch.setattr(usage, "FLUSH_EVERY_SELECTIONS", 1000)  # neither a count nor a time flush on the way
    monkeypatch.setattr(usage, "_last_flush", time.monotonic())
    first, second = LLMModelFactory(popularity=5), LLMModelFactory(popularity=0)
    for model_id in (first.pk, first.pk, second.pk):
        usage.selection_served(model_id)
    with database_down():
        assert usage.popularity_flush() == 0
    assert dict(usage._pending) == {first.pk: 2, second.pk: 1}
    assert usage.popularity_flush() == 2
    assert dict(LLMModel.objects.values_list("pk", "popularity")) == {first.pk: 7, second.pk: 1}
    assert not usage._pending


def test_a_selection_after_the_flush_interval_flushes_at_once(monkeypatch):
    model = LLMModelFactory(popularity=0)
    monkeypatch.setattr(usage, "_last_flush", time.monotonic() - usage.FLUSH_EVERY_SECONDS - 1)
    usage.selection_served(model.pk)
    model.refresh_from_db()
    assert model.popularity == 1 and not usage._pending
    usage.selection_served(model.pk)  # the interval starts again: this one waits for the next flush
    model.refresh_from_db()
    assert model.popularity == 1 and usage._pending[model.pk] == 1
