"""source_sync() against the database: what it writes, what it never writes, and how many statements."""

from dataclasses import replace
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.models import LLMModel
from catalog.version import catalog_version_get
from modelsync.adapters import ADAPTERS
from modelsync.models import ModelChange, Source, SyncRun
from modelsync.sync.pipeline import source_sync
from modelsync.sync.records import ModelRecord
from tests.factories import LLMModelFactory, SourceFactory
from tests.modelsync.conftest import scaled_openrouter
from tests.modelsync.fake_upstream import RecordsAdapter
from tests.modelsync.payloads import load

pytestmark = pytest.mark.django_db
STAFF_EDITS = {"staff_display_name": "Our chat", "staff_tags": ["team"], "staff_is_recommended": True,
               "staff_safety_score": Decimal("0.8"), "staff_notes": "ok", "is_hidden": True}  # fmt: skip


def sync(source, **kwargs) -> SyncRun:
    run = source_sync(source=source, trigger=SyncRun.Trigger.CLI, **kwargs)
    assert run.status in ("succeeded", "partial"), (run.error_kind, run.error_message)
    return run


def catalog_statements(queries) -> tuple[list[str], list[str]]:
    """(SELECTs reading catalog_llmmodel, INSERT/UPDATE/DELETE statements on any catalog_ table)."""
    sqls = [q["sql"].lstrip() for q in queries]
    reads = [sql for sql in sqls if sql.upper().startswith("SELECT") and "catalog_llmmodel" in sql]
    writes = [sql for sql in sqls if sql.upper().startswith(("INSERT", "UPDATE", "DELETE")) and "catalog_" in sql]
    return reads, writes


@pytest.fixture
def fake_source(monkeypatch):
    """A source whose adapter returns ModelRecords built in the test."""
    monkeypatch.setitem(ADAPTERS, "fake", RecordsAdapter)
    monkeypatch.setattr(RecordsAdapter, "listing", ())
    monkeypatch.setattr(RecordsAdapter, "invalid", ())
    return Source.objects.create(name="fake", kind="fake", base_url="http://127.0.0.1:9")


def records(count: int, **changes) -> tuple[ModelRecord, ...]:
    return tuple(
        ModelRecord(external_id=f"acme/m-{i}", model=f"acme/m-{i}", display_name=f"M {i}", provider="other",
                    input_cost_per_mtok=Decimal("1.5"), pricing_status="known", **changes)
        for i in range(count)
    )  # fmt: skip


def test_first_sync_creates_every_model_with_real_values(catalog_file, file_source):
    catalog_file.write(load("openrouter/models.json"))
    run = sync(file_source)
    assert (run.seen, run.created, run.updated) == (421, 421, 0)
    chat = LLMModel.objects.get(source=file_source, external_id="deepseek/deepseek-chat")
    assert chat.input_cost_per_mtok == Decimal("0.2574") and chat.output_cost_per_mtok == Decimal("1.0287")
    assert chat.provider == "deepseek" and chat.pricing_status == "known" and chat.is_active
    assert chat.first_seen_at == chat.last_seen_at and not chat.is_hidden
    assert ModelChange.objects.filter(run=run, kind="created").count() == 421


def test_records_round_trip_through_the_bulk_statements(fake_source):
    expires = replace(records(1)[0], capabilities=("vision",), tags=("a", "b"), details={"k": [1, "x"]},
                      context_window=8192, safety_score=Decimal("0.25"), is_free=True)  # fmt: skip
    RecordsAdapter.listing = (expires,)
    sync(fake_source)
    row = LLMModel.objects.get(source=fake_source)
    assert {name: getattr(row, name) for name in expires.synced_values()} == expires.synced_values()
    assert row.content_hash == expires.content_hash()


def test_update_records_old_and_new_values_and_leaves_others_unchanged(fake_source):
    RecordsAdapter.listing = records(3)
    sync(fake_source)
    changed = replace(RecordsAdapter.listing[1], input_cost_per_mtok=Decimal("2.25"), tags=("new",))
    RecordsAdapter.listing = (RecordsAdapter.listing[0], changed, RecordsAdapter.listing[2])
    run = sync(fake_source)
    assert (run.updated, run.unchanged, run.created) == (1, 2, 0)
    change = ModelChange.objects.get(run=run)
    assert change.kind == "updated" and change.llm_model.external_id == "acme/m-1"
    assert change.changes == {"input_cost_per_mtok": ["1.5", "2.25"], "tags": [[], ["new"]]}
    assert LLMModel.objects.get(external_id="acme/m-1").input_cost_per_mtok == Decimal("2.25")


def test_identical_sync_reads_the_catalog_once_and_writes_no_catalog_row(catalog_file, file_source):
    catalog_file.write(load("openrouter/models.json"))
    sync(file_source)
    version = catalog_version_get()
    with CaptureQueriesContext(connection) as queries:
        run = sync(file_source)
    reads, writes = catalog_statements(queries)
    assert run.unchanged == 421 and run.updated == run.created == 0
    assert (len(reads), writes) == (1, [])
    assert catalog_version_get() == version
    assert not ModelChange.objects.filter(run=run).exists()


def test_rows_whose_stored_hash_matches_are_skipped_without_comparing_columns(fake_source):
    RecordsAdapter.listing = records(2)
    sync(fake_source)
    LLMModel.objects.filter(external_id="acme/m-0").update(display_name="edited behind the sync's back")
    LLMModel.objects.filter(external_id="acme/m-1").update(content_hash="stale")
    run = sync(fake_source)
    assert (run.unchanged, run.updated) == (1, 1)
    assert LLMModel.objects.get(external_id="acme/m-0").display_name == "edited behind the sync's back"
    assert LLMModel.objects.get(external_id="acme/m-1").content_hash == RecordsAdapter.listing[1].content_hash()


def _statements(catalog_file, source, count: int) -> int:
    catalog_file.write(scaled_openrouter(count))
    sync(source)
    changed = scaled_openrouter(count + count // 100)  # 1% new
    items = changed["data"]
    for item in items[: count // 20]:  # 5% changed price
        item["pricing"]["prompt"] = "0.000123"
    del items[count // 2 : count // 2 + count // 50]  # 2% gone
    catalog_file.write(changed)
    with CaptureQueriesContext(connection) as queries:
        run = sync(source)
    assert run.created and run.updated and run.deactivated
    return len(queries)


def test_statement_count_does_not_grow_with_the_catalog(catalog_file, settings):
    settings.MODELSYNC_MISS_THRESHOLD = 1
    small = _statements(catalog_file, SourceFactory(kind="static", base_url=str(catalog_file.path)), 200)
    large = _statements(catalog_file, SourceFactory(kind="static", base_url=str(catalog_file.path)), 2000)
    print(f"sync statements on {connection.vendor}: 200 models -> {small}, 2,000 models -> {large}")
    assert small == large


def test_staff_overrides_survive_every_sync(catalog_file, file_source):
    catalog_file.write(load("openrouter/models_older.json"))
    sync(file_source)
    model = LLMModel.objects.get(source=file_source, external_id="deepseek/deepseek-chat")
    edited = list(LLMModel.objects.filter(source=file_source).values_list("pk", flat=True))
    LLMModel.objects.filter(pk__in=edited).update(**STAFF_EDITS)
    catalog_file.write(load("openrouter/models.json"))  # the price of this model changes upstream
    run = sync(file_source)
    model.refresh_from_db()
    assert model.input_cost_per_mtok == Decimal("0.2574")
    assert run.updated and run.deactivated == 0
    for row in LLMModel.objects.filter(pk__in=edited).values(*STAFF_EDITS):
        assert row == STAFF_EDITS
    change = ModelChange.objects.get(run=run, llm_model=model)
    assert change.changes["input_cost_per_mtok"] == ["0.2002", "0.2574"]
    assert not set(change.changes) & set(STAFF_EDITS)


def test_missing_model_is_deactivated_after_n_misses_and_reactivated_on_return(fake_source, settings):
    settings.MODELSYNC_MISS_THRESHOLD = 3
    settings.MODELSYNC_MAX_DEACTIVATE_FRACTION = 0.5
    everything = records(4)
    RecordsAdapter.listing = everything
    sync(fake_source)
    RecordsAdapter.listing = everything[1:]
    for expected_misses in (1, 2):
        run = sync(fake_source)
        row = LLMModel.objects.get(external_id="acme/m-0")
        assert (row.is_active, row.consecutive_misses, run.deactivated) == (True, expected_misses, 0)
    run = sync(fake_source)
    row.refresh_from_db()
    assert (row.is_active, run.deactivated) == (False, 1) and row.deactivated_at is not None
    assert ModelChange.objects.get(run=run).kind == "deactivated"
    sync(fake_source)  # still gone: stays inactive, nothing deleted
    assert LLMModel.objects.count() == 4
    RecordsAdapter.listing = everything
    run = sync(fake_source)
    row.refresh_from_db()
    assert (row.is_active, row.consecutive_misses, row.deactivated_at, run.reactivated) == (True, 0, None, 1)
    assert ModelChange.objects.get(run=run).kind == "reactivated"


def test_a_model_back_before_the_threshold_resets_its_miss_counter(fake_source, settings):
    settings.MODELSYNC_MAX_DEACTIVATE_FRACTION = 0.5
    RecordsAdapter.listing = records(3)
    sync(fake_source)
    RecordsAdapter.listing = records(3)[1:]
    sync(fake_source)
    RecordsAdapter.listing = records(3)
    run = sync(fake_source)
    assert run.unchanged == 3 and LLMModel.objects.get(external_id="acme/m-0").consecutive_misses == 0


def test_a_changed_model_coming_back_is_counted_reactivated_with_its_changes(fake_source, settings):
    settings.MODELSYNC_MISS_THRESHOLD = 1
    settings.MODELSYNC_MAX_DEACTIVATE_FRACTION = 0.5
    RecordsAdapter.listing = records(3)
    sync(fake_source)
    RecordsAdapter.listing = records(3)[1:]
    sync(fake_source)
    RecordsAdapter.listing = records(3, context_window=4096)
    run = sync(fake_source)
    assert (run.reactivated, run.updated) == (1, 2)
    change = ModelChange.objects.get(run=run, llm_model__external_id="acme/m-0")
    assert change.kind == "reactivated" and change.changes["context_window"] == [None, 4096]


def test_new_models_start_hidden_when_the_source_does_not_auto_publish(catalog_file, file_source):
    file_source.auto_publish = False
    file_source.save()
    catalog_file.write(load("openrouter/models.json"))
    sync(file_source)
    assert LLMModel.objects.filter(source=file_source, is_hidden=False).count() == 0
    assert LLMModel.objects.filter(source=file_source, is_hidden=True).count() == 421


def test_dry_run_records_the_plan_and_writes_nothing(catalog_file, file_source):
    catalog_file.write(load("openrouter/models.json"))
    version = catalog_version_get()
    run = sync(file_source, dry_run=True)
    assert run.plan["create"] == 421 and run.dry_run and run.created == 421
    assert not LLMModel.objects.exists() and not ModelChange.objects.exists()
    assert catalog_version_get() == version
    file_source.refresh_from_db()
    assert file_source.last_run_at is None  # a dry run says nothing about the source's health


def test_include_and_exclude_patterns_with_exclude_winning(catalog_file, file_source):
    file_source.include_patterns = "anthropic/*\nopenai/*"
    file_source.exclude_patterns = "*:free, openai/gpt-4o*"
    file_source.save()
    catalog_file.write(load("openrouter/models.json"))
    sync(file_source)
    names = list(LLMModel.objects.values_list("model", flat=True))
    assert any(n.startswith("anthropic/") for n in names) and any(n.startswith("openai/") for n in names)
    assert all(n.startswith(("anthropic/", "openai/")) for n in names)
    assert not [n for n in names if n.endswith(":free") or n.startswith("openai/gpt-4o")]


def test_a_run_left_running_by_a_killed_process_is_marked_abandoned(catalog_file, file_source):
    stale = SyncRun.objects.create(source=file_source, trigger="beat", status=SyncRun.Status.RUNNING)
    catalog_file.write(load("openrouter/models.json"))
    sync(file_source)
    stale.refresh_from_db()
    assert (stale.status, stale.error_kind) == ("failed", "abandoned") and stale.finished_at


def test_health_counts_consecutive_failures_and_resets_on_success(catalog_file, file_source):
    for _ in range(3):
        assert source_sync(source=file_source, trigger="cli").status == "failed"  # no file yet
    file_source.refresh_from_db()
    assert file_source.consecutive_failures == 3 and not file_source.is_healthy and file_source.last_run_at
    assert file_source.last_success_at is None
    catalog_file.write(load("openrouter/models.json"))
    sync(file_source)
    file_source.refresh_from_db()
    assert file_source.consecutive_failures == 0 and file_source.is_healthy and file_source.last_success_at


def test_an_unexpected_exception_is_recorded_as_failed_not_raised(fake_source, monkeypatch):
    def explode(self, client):
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(RecordsAdapter, "fetch", explode)
    run = source_sync(source=fake_source, trigger="cli")
    assert (run.status, run.error_kind, run.error_message) == ("failed", "internal_error", "ZeroDivisionError")


def test_one_log_line_per_run_with_status_and_counters(fake_source, caplog):
    RecordsAdapter.listing = records(2)
    with caplog.at_level("INFO", logger="modelsync.sync"):
        run = sync(fake_source)
    lines = [r.getMessage() for r in caplog.records if r.name == "modelsync.sync"]
    assert len(lines) == 1
    assert f"source=fake run={run.pk} status=succeeded" in lines[0] and "created=2" in lines[0]


def test_existing_rows_of_another_source_are_untouched(catalog_file, file_source):
    other = LLMModelFactory(source=SourceFactory(name="other"), external_id="deepseek/deepseek-chat")
    catalog_file.write(load("openrouter/models.json"))
    sync(file_source)
    assert LLMModel.objects.get(pk=other.pk).content_hash == other.content_hash
    assert Source.objects.count() == 2
