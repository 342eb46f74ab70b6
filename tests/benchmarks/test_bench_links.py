"""SPEC §9 with linking on: a gateway of N models beside a descriptive OpenRouter list of N records.

The gateway is a callable source of N real OpenRouter items (cloned past the capture's 421), the descriptive side
the same N items over HTTP on loopback, so every gateway model is linked. The warm sync of the gateway (§9's diff:
5% changed, 2% gone, 1% new) then recomputes every link and every enrichment in its transaction.
"""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.models import LLMModel, ModelLink
from modelsync.linking.refresh import links_refresh
from modelsync.models import Source
from modelsync.sync.pipeline import source_sync
from tests.benchmarks.test_bench_sync import WarmSync, requires_postgres
from tests.modelsync.conftest import scaled_openrouter
from tests.modelsync.fake_upstream import fake_upstream

pytestmark = [pytest.mark.benchmark, pytest.mark.django_db]


class LinkedWarmSync(WarmSync):
    """WarmSync's gateway, with a descriptive OpenRouter source of the same models."""

    def __init__(self, tmp_path, count: int, upstream) -> None:
        super().__init__(tmp_path, count)
        upstream.json("/models", json.dumps(scaled_openrouter(count)).encode())
        self.descriptive = Source.objects.create(name=f"openrouter-{count}", kind="openrouter", base_url=upstream.url,
                                                 is_callable=False)  # fmt: skip
        assert source_sync(source=self.descriptive, trigger="cli").created == count

    def reset(self) -> None:
        ModelLink.objects.filter(llm_model__source=self.source).delete()
        super().reset()
        assert ModelLink.objects.filter(llm_model__source=self.source).count() == self.count


@pytest.fixture
def openrouter_upstream():
    with fake_upstream() as upstream:
        yield upstream


@requires_postgres
def test_statement_count_with_linking_is_the_same_at_2000_and_20000(tmp_path, settings, openrouter_upstream):
    settings.MODELSYNC_MISS_THRESHOLD = 1
    counts, link_statements = [], []
    for count in (2_000, 20_000):
        (tmp_path / str(count)).mkdir()
        warm = LinkedWarmSync(tmp_path / str(count), count, openrouter_upstream)
        warm.reset()
        with CaptureQueriesContext(connection) as queries:
            run = warm.run()
        assert run.status == "succeeded" and run.created == count // 100
        # Every gateway model still listed is linked, the new ones too (their clones exist upstream or not).
        linked = ModelLink.objects.filter(llm_model__source=warm.source, llm_model__is_active=True).count()
        assert linked >= count - count // 50
        counts.append(len(queries))
        link_statements.append(sum('"catalog_modellink"' in query["sql"] for query in queries))
        Source.objects.filter(pk=warm.descriptive.pk).update(enabled=False)
        LLMModel.objects.filter(source=warm.descriptive).delete()  # the next size starts without these records
        ModelLink.objects.all().delete()
        Source.objects.filter(pk=warm.descriptive.pk).delete()
    assert counts[0] == counts[1], counts
    assert link_statements[0] == link_statements[1] <= 3, link_statements  # read, delete stale, insert new


@requires_postgres
@pytest.mark.parametrize(("count", "budget_s"), [(2_000, 0.1), (20_000, 1.0)])
def test_warm_sync_with_linking_end_to_end(benchmark, tmp_path, settings, openrouter_upstream, count, budget_s):
    settings.MODELSYNC_MISS_THRESHOLD = 1
    warm = LinkedWarmSync(tmp_path, count, openrouter_upstream)
    run = benchmark.pedantic(warm.run, setup=warm.reset, rounds=5 if count <= 2_000 else 3, iterations=1)
    assert run.status == "succeeded"
    assert (run.created, run.updated, run.deactivated) == (count // 100, count // 20, count // 50)
    benchmark.extra_info.update(figure=f"warm sync with linking at {count:,} + {count:,} records (PostgreSQL)",
                                budget=budget_s, unit="s")  # fmt: skip


@requires_postgres
@pytest.mark.parametrize("count", [2_000, 20_000])
def test_links_refresh_alone(benchmark, tmp_path, settings, openrouter_upstream, count):
    """Reference: one recompute of every link and enrichment with nothing to change (the part linking adds)."""
    warm = LinkedWarmSync(tmp_path, count, openrouter_upstream)
    warm.reset()
    result = benchmark.pedantic(links_refresh, rounds=5 if count <= 2_000 else 3, iterations=1)
    assert (result.linked, result.added, result.removed, result.enriched) == (count, 0, 0, 0)
    benchmark.extra_info.update(figure=f"links_refresh, nothing changed, {count:,} + {count:,} records", unit="s")
