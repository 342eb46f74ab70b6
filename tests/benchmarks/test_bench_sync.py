"""SPEC §9 sync budgets (pytest-benchmark; `make bench` prints the table). Correctness is asserted on every run."""

import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.models import LLMModel
from modelsync.adapters.base import SourceConfig
from modelsync.adapters.openrouter import parse_models
from modelsync.models import ModelChange, Source, SyncRun
from modelsync.services import source_sync
from tests.modelsync.conftest import CatalogFile, scaled_openrouter

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

    def run(self) -> SyncRun:
        return source_sync(source=self.source, trigger="cli")


@requires_postgres
@pytest.mark.parametrize(("count", "budget_s"), [(2_000, 0.1), (20_000, 1.0)])
def test_warm_sync_end_to_end(benchmark, tmp_path, settings, count, budget_s):
    settings.MODELSYNC_MISS_THRESHOLD = 1
    warm = WarmSync(tmp_path, count)
    run = benchmark.pedantic(warm.run, setup=warm.reset, rounds=3 if count <= 2_000 else 1, iterations=1)
    assert run.status == "succeeded"
    assert (run.created, run.updated, run.deactivated) == (count // 100, count // 20, count // 50)
    benchmark.extra_info.update(figure=f"warm sync at {count:,} models (PostgreSQL)", budget=budget_s, unit="s")


@requires_postgres
def test_statement_count_is_the_same_at_2000_and_20000(tmp_path, settings):
    settings.MODELSYNC_MISS_THRESHOLD = 1
    counts = []
    for count in (2_000, 20_000):
        (tmp_path / str(count)).mkdir()
        warm = WarmSync(tmp_path / str(count), count)
        warm.reset()
        with CaptureQueriesContext(connection) as queries:
            assert warm.run().status == "succeeded"
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def test_normalization_per_model(benchmark):
    payload = scaled_openrouter(2_000)
    config = SourceConfig(name="bench", kind="openrouter", base_url="")

    def normalize():
        started = time.perf_counter()
        result = parse_models(payload, config)
        return result, (time.perf_counter() - started) / len(payload["data"])

    result, per_model = benchmark(normalize)
    assert len(result.records) == 2_000 and not result.findings
    median = benchmark.stats.stats.median / 2_000 if benchmark.stats else per_model
    benchmark.extra_info.update(figure="normalization per model", budget=15, unit="us", measured=median * 1e6)
