"""SPEC §9 sync budgets (pytest-benchmark; `make bench` prints the table). Correctness is asserted on every run."""

import statistics
import time

import orjson
import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from catalog.models import LLMModel
from modelsync.adapters import adapter_for
from modelsync.adapters.base import SourceConfig
from modelsync.adapters.openrouter import parse_models
from modelsync.models import ModelChange, Source, SyncRun
from modelsync.sync import jsonio
from modelsync.sync.apply import plan_apply
from modelsync.sync.build import clear_caches
from modelsync.sync.http import UpstreamClient
from modelsync.sync.pipeline import _catalog_rows, _cyclic_gc_paused, source_config, source_sync
from modelsync.sync.reconcile import reconcile
from tests.benchmarks.raw_sql_floor import apply_floor, floor_diff
from tests.modelsync.conftest import CatalogFile, scaled_openrouter
from tests.modelsync.payloads import other_findings

pytestmark = [pytest.mark.benchmark, pytest.mark.django_db]
requires_postgres = pytest.mark.skipif(connection.vendor != "postgresql", reason="SPEC §9 budgets are for PostgreSQL")


def warm_change(count: int) -> dict:
    """The §9 warm diff of a `count`-model catalog: 5% changed price, 2% gone, 1% new."""
    payload = scaled_openrouter(count + count // 100)
    items = payload["data"]
    for item in items[: count // 20]:
        item["pricing"].update(prompt="0.000000123", completion="0.000000456")
    del items[count // 2 : count // 2 + count // 50]
    return payload


class WarmSync:
    def __init__(self, tmp_path, count: int) -> None:
        self.count = count
        self.base, self.changed = CatalogFile(tmp_path / "base.json"), CatalogFile(tmp_path / "changed.json")
        self.base.write(scaled_openrouter(count))
        self.changed.write(warm_change(count))
        self.source = Source.objects.create(name=f"bench-{count}", kind="static", base_url=str(self.base.path))

    def reset(self) -> None:
        ModelChange.objects.filter(llm_model__source=self.source).delete()
        LLMModel.objects.filter(source=self.source).delete()
        self.source.base_url = str(self.base.path)
        assert source_sync(source=self.source, trigger="cli").created == self.count
        self.source.base_url = str(self.changed.path)

    def reset_in_a_fresh_process(self) -> None:
        """As reset(), then forget what this process remembered of the base list: a worker's first sync."""
        self.reset()
        clear_caches()

    def run(self) -> SyncRun:
        return source_sync(source=self.source, trigger="cli")


@requires_postgres
@pytest.mark.parametrize(("count", "budget_s"), [(2_000, 0.1), (20_000, 1.0)])
def test_warm_sync_end_to_end(benchmark, tmp_path, settings, count, budget_s):
    settings.MODELSYNC_MISS_THRESHOLD = 1
    warm = WarmSync(tmp_path, count)
    run = benchmark.pedantic(warm.run, setup=warm.reset, rounds=7 if count <= 2_000 else 3, iterations=1)
    assert run.status == "succeeded"
    assert (run.created, run.updated, run.deactivated) == (count // 100, count // 20, count // 50)
    benchmark.extra_info.update(figure=f"warm sync at {count:,} models (PostgreSQL)", budget=budget_s, unit="s")


@requires_postgres
@pytest.mark.parametrize("count", [2_000, 20_000])
def test_warm_sync_first_in_its_process(benchmark, tmp_path, settings, count):
    """Reference: the same sync in a process that never read the source's list, so every item is decoded and
    normalized, and nothing is memoized yet (a worker's first sync after start-up)."""
    settings.MODELSYNC_MISS_THRESHOLD = 1
    warm = WarmSync(tmp_path, count)
    run = benchmark.pedantic(warm.run, setup=warm.reset_in_a_fresh_process, rounds=5 if count <= 2_000 else 3)
    assert (run.status, run.created, run.updated) == ("succeeded", count // 100, count // 20)
    benchmark.extra_info.update(figure=f"warm sync at {count:,} models, first in its process (reference)", unit="s")


def _catalog_dump(source: Source) -> list[tuple]:
    """The catalog as users see it: every synced value and the lifecycle flags, not the write timestamps."""
    fields = ("external_id", "content_hash", "is_active", "consecutive_misses", "display_name", "input_cost_per_mtok")
    return list(LLMModel.objects.filter(source=source).order_by("external_id").values_list(*fields))


class Rounds:
    """Every round writes the same diff from the same catalog: the previous round's savepoint is rolled back."""

    def __init__(self) -> None:
        self.savepoint = None

    def setup(self) -> None:
        self.rollback()
        self.savepoint = transaction.savepoint()

    def rollback(self) -> None:
        if self.savepoint:
            transaction.savepoint_rollback(self.savepoint)
            self.savepoint = None


@requires_postgres
@pytest.mark.parametrize("count", [2_000, 20_000])
def test_the_sync_database_work_against_a_raw_sql_floor(benchmark, tmp_path, settings, count):
    """SPEC §9: the sync's database phase (its one catalog read, reconcile and the apply statements) against the
    floor, hand-written SQL writing the same diff with every value prepared. Both must leave the same catalog."""
    settings.MODELSYNC_MISS_THRESHOLD = 1
    warm = WarmSync(tmp_path, count)
    warm.reset()
    adapter = adapter_for(source_config(warm.source))
    records = adapter.parse(adapter.fetch(UpstreamClient(api_key=""))).records  # fetch and parse: not the DB
    run = SyncRun.objects.create(source=warm.source, trigger="cli")
    diff = floor_diff(warm.source.pk, run, reconcile(_catalog_rows(warm.source), records, miss_threshold=1),
                      timezone.now())  # fmt: skip
    rounds, times = Rounds(), []
    for _ in range(5 if count <= 2_000 else 3):
        rounds.setup()
        started = time.perf_counter()
        apply_floor(diff)
        times.append(time.perf_counter() - started)
    floor_catalog = _catalog_dump(warm.source)

    def database_phase():
        with _cyclic_gc_paused():  # as in source_sync
            plan_apply(warm.source, run, reconcile(_catalog_rows(warm.source), records, miss_threshold=1))

    benchmark.pedantic(database_phase, setup=rounds.setup, rounds=len(times))
    assert _catalog_dump(warm.source) == floor_catalog and len(floor_catalog) == count + count // 100
    rounds.rollback()
    floor_s = statistics.median(times)
    sync_s = benchmark.stats.stats.median if benchmark.stats else floor_s  # --benchmark-disable: one untimed call
    benchmark.extra_info.update(figure=f"sync DB phase / raw-SQL floor at {count:,} models", budget=2, unit="x",
                                measured=sync_s / floor_s, floor_s=floor_s, sync_db_s=sync_s)  # fmt: skip


@requires_postgres
def test_statement_count_is_the_same_at_2000_and_20000(tmp_path, settings):
    settings.MODELSYNC_MISS_THRESHOLD = 1
    counts, event_inserts = [], []
    for count in (2_000, 20_000):
        (tmp_path / str(count)).mkdir()
        warm = WarmSync(tmp_path / str(count), count)
        warm.reset()
        with CaptureQueriesContext(connection) as queries:
            assert warm.run().status == "succeeded"
        counts.append(len(queries))
        event_inserts.append(sum('INSERT INTO "modelsync_event"' in query["sql"] for query in queries))
    assert counts[0] == counts[1], counts
    assert event_inserts == [1, 1]  # the run's created models' events, however many, in one statement


def test_normalization_per_model(benchmark):
    payload = scaled_openrouter(2_000)
    config = SourceConfig(name="bench", kind="openrouter", base_url="")

    def normalize():
        started = time.perf_counter()
        with _cyclic_gc_paused():  # as source_sync runs it
            result = parse_models(payload, config)
        return result, (time.perf_counter() - started) / len(payload["data"])

    result, per_model = benchmark(normalize)
    assert len(result.records) == 2_000 and not other_findings(result)
    median = benchmark.stats.stats.median / 2_000 if benchmark.stats else per_model
    benchmark.extra_info.update(figure="normalization per model", budget=15, unit="us", measured=median * 1e6)


def test_normalization_per_model_of_the_next_list(benchmark):
    """Reference: the fetched list's decoding and normalization, per model, as a sync reads the §9 warm diff of
    the list it read last: only the changed and new items are decoded and normalized (jsonio, build_records)."""
    base, changed = orjson.dumps(scaled_openrouter(2_000)), orjson.dumps(warm_change(2_000))
    config = SourceConfig(name="bench", kind="openrouter", base_url="")

    def read(body: bytes):
        with _cyclic_gc_paused():  # as source_sync runs it
            return parse_models(jsonio.loads(body, items_under="data"), config)

    def read_the_base_list() -> None:
        read(base)

    result = benchmark.pedantic(read, args=(changed,), setup=read_the_base_list, rounds=20)
    assert result == parse_models(orjson.loads(changed), config) and len(result.records) == 1_980
    median = benchmark.stats.stats.median if benchmark.stats else 0
    benchmark.extra_info.update(figure="normalization per model of the next list (reference)", unit="us",
                                measured=median / len(result.records) * 1e6)  # fmt: skip
