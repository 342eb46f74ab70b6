"""A consumer polling `?after=<last id>` while syncs commit concurrently sees every event once, in order."""

import copy
import json
import random
import threading
from decimal import Decimal

import pytest
from django.db import connection, connections
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from modelsync.models import Event, Source, SyncRun
from modelsync.sync.pipeline import source_sync
from tests.conftest import unavailable
from tests.modelsync.payloads import load

ROUNDS = 12


def repriced(payload: dict, rng: random.Random, count: int) -> dict:
    """The capture with `count` random models' prompt price set to a random exact value."""
    changed = copy.deepcopy(payload)
    for item in rng.sample(changed["data"], count):
        item["pricing"]["prompt"] = str(Decimal(rng.randint(1, 10_000)) / Decimal(10**9))
    return changed


def poll(client, after: int, page_size: int) -> list[int]:
    """Every event after `after`, following the next links (what a consumer's loop does each tick)."""
    ids, url, query = [], "/api/v1/changes/", {"after": after, "page_size": page_size}
    while url:
        page = client.get(url, query).json()
        ids += [event["id"] for event in page["results"]]
        url, query = page["next"], None
    return ids


@pytest.mark.django_db(transaction=True)
def test_polling_across_concurrent_syncs_never_skips_or_repeats(tmp_path, reader):
    if connection.vendor != "postgresql":
        unavailable("PostgreSQL", "concurrent writers; set DATABASE_URL")
    original = load("openrouter/models.json")
    sources = []
    for name in ("left", "right"):
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(original))
        sources.append((Source.objects.create(name=name, kind="static", base_url=str(path)), path))
    errors = []

    def keep_syncing(source, path, seed):
        rng = random.Random(seed)
        try:
            for _ in range(ROUNDS):
                path.write_text(json.dumps(repriced(original, rng, rng.randint(1, 40))))
                run = source_sync(source=source, trigger=SyncRun.Trigger.CLI)
                assert run.status == "succeeded", run.error_message
        except Exception as exc:  # reported by the main thread
            errors.append(exc)
        finally:
            connections.close_all()

    writers = [threading.Thread(target=keep_syncing, args=(*pair, seed)) for seed, pair in enumerate(sources)]
    for writer in writers:
        writer.start()
    seen, last = [], 0
    while any(writer.is_alive() for writer in writers):
        new = poll(reader, last, page_size=7)
        seen += new
        last = new[-1] if new else last
    for writer in writers:
        writer.join()
    seen += poll(reader, last, page_size=7)
    assert not errors, errors
    every = list(Event.objects.order_by("id").values_list("id", flat=True))
    assert len(every) > 2 * 421 and seen == every  # each once, in id order, none skipped


@pytest.mark.django_db
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cut=st.integers(min_value=0, max_value=60), page_size=st.integers(min_value=1, max_value=25))
def test_any_stopping_point_and_page_size_read_the_rest_exactly(seeded_events, reader, cut, page_size):
    every = seeded_events
    first = poll(reader, 0, page_size)
    assert first == every
    after = every[min(cut, len(every) - 1)]
    assert poll(reader, after, page_size) == [event for event in every if event > after]


@pytest.fixture
def seeded_events(db, catalog_file, file_source, settings):
    """60-odd events from three syncs of repriced variants of the real capture, ids oldest first."""
    settings.MODELSYNC_MISS_THRESHOLD = 1
    if not Event.objects.exists():
        rng = random.Random(7)
        original = load("openrouter/models.json")
        catalog_file.write({"data": original["data"][:30]})
        source_sync(source=file_source, trigger="cli")
        for _ in range(3):
            catalog_file.write({"data": repriced({"data": original["data"][:30]}, rng, 10)["data"]})
            source_sync(source=file_source, trigger="cli")
    return list(Event.objects.order_by("id").values_list("id", flat=True))
