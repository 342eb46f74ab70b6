"""A static source over a file the test writes: the real parser and pipeline, no network; the test's own Redis
database and real `celery worker` / `celery beat` processes on it."""

import copy
import json

import pytest
from django.conf import settings
from django.db import connection

from modelsync.models import Source
from tests.conftest import unavailable
from tests.modelsync.payloads import load
from tests.modelsync.procs import celery_env, database_url, redis_client, start_beat, start_worker


def scaled_openrouter(count: int, *, seed_file: str = "openrouter/models.json") -> dict:
    """`count` real OpenRouter items, cloned under new ids when the capture has fewer."""
    items = load(seed_file)["data"]
    out = []
    for index in range(count):
        item = copy.deepcopy(items[index % len(items)])
        if index >= len(items):
            item["id"] = f"{item['id']}-copy{index // len(items)}"
        out.append(item)
    return {"data": out}


class CatalogFile:
    def __init__(self, path):
        self.path = path

    def write(self, payload: dict) -> None:
        self.path.write_text(json.dumps(payload))


@pytest.fixture
def catalog_file(tmp_path):
    return CatalogFile(tmp_path / "catalog.json")


@pytest.fixture
def file_source(catalog_file):
    return Source.objects.create(name="snapshot", kind=Source.Kind.STATIC, base_url=str(catalog_file.path))


@pytest.fixture
def broker(transactional_db):
    """The test's own Redis database, emptied before and after (no message of another test is delivered); worker
    and beat share pytest-django's live PostgreSQL test database, so what they write is read through the ORM."""
    if connection.vendor != "postgresql":
        unavailable("PostgreSQL (DATABASE_URL=postgres://...)")
    client = redis_client()
    client.flushdb()
    yield client
    client.flushdb()


@pytest.fixture
def procs(broker, tmp_path):
    """Starts worker/beat on the test database and broker; every process is stopped before the DB is flushed."""
    started = []

    class Procs:
        env = celery_env(database_url=database_url(), broker_url=settings.CELERY_BROKER_URL, var_dir=tmp_path)

        def worker(self, concurrency: int = 1):
            started.append(start_worker(self.env, tmp_path, concurrency=concurrency))
            return started[-1]

        def beat(self):
            started.append(start_beat(self.env, tmp_path))
            return started[-1]

    try:
        yield Procs()
    finally:
        for proc in reversed(started):
            proc.stop()
