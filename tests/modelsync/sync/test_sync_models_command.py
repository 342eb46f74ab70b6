"""`manage.py sync_models` (SPEC §6 contract): summaries, --dry-run, --json, exit codes."""

import io
import json

import pytest
from django.core.management import CommandError, call_command

from catalog.models import LLMModel
from modelsync.models import Source, SyncRun
from modelsync.sync.locks import source_lock
from tests.modelsync.payloads import load

pytestmark = pytest.mark.django_db
COUNTERS = {"seen", "created", "updated", "unchanged", "deactivated", "reactivated", "invalid"}


def run_command(*args) -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("sync_models", *args, stdout=out)
        return 0, out.getvalue()
    except SystemExit as exc:
        return exc.code, out.getvalue()


def test_json_last_line_is_one_object_for_one_source(catalog_file, file_source):
    catalog_file.write(load("openrouter/models.json"))
    code, output = run_command("--source", "snapshot", "--json")
    summary = json.loads(output.strip().splitlines()[-1])
    assert code == 0
    assert summary["source"] == "snapshot" and summary["status"] == "succeeded" and summary["error_kind"] == ""
    assert set(summary) >= COUNTERS and summary["created"] == 421


def test_json_last_line_is_a_list_when_several_sources_ran(catalog_file, file_source):
    catalog_file.write(load("openrouter/models.json"))
    Source.objects.create(name="broken", kind="static", base_url=str(catalog_file.path) + ".missing")
    code, output = run_command("--json")
    summaries = json.loads(output.strip().splitlines()[-1])
    assert [s["source"] for s in summaries] == ["broken", "snapshot"]
    assert [s["status"] for s in summaries] == ["failed", "succeeded"]
    assert summaries[0]["error_kind"] == "file_error"
    assert code == 1  # one run failed


def test_dry_run_prints_the_plan_and_writes_nothing(catalog_file, file_source):
    catalog_file.write(load("openrouter/models.json"))
    code, output = run_command("--dry-run")
    assert code == 0 and "(dry run)" in output and '"create": 421' in output
    assert not LLMModel.objects.exists()


def test_refused_run_exits_non_zero(catalog_file, file_source):
    catalog_file.write({"data": []})
    code, output = run_command("--json")
    assert code == 1 and json.loads(output.splitlines()[-1])["status"] == "refused"


def test_unknown_source_is_a_clear_error(file_source):
    with pytest.raises(CommandError, match=r"no source named .nope. \(known: snapshot\); add it in admin"):
        call_command("sync_models", "--source", "nope")


def test_with_only_the_static_source_a_plain_run_syncs_the_bundled_catalog():
    call_command("ensure_sources", stdout=io.StringIO())
    assert list(Source.objects.values_list("name", "kind")) == [("static", "static")]
    code, _ = run_command()
    assert code == 0 and LLMModel.objects.count() == 421


def test_a_skipped_run_exits_zero_and_says_so(catalog_file, file_source):
    catalog_file.write(load("openrouter/models.json"))
    with source_lock(file_source.pk):
        code, output = run_command("--json")
    summary = json.loads(output.splitlines()[-1])
    assert code == 0 and (summary["status"], summary["error_kind"]) == ("skipped", "already_running")


def test_a_failed_run_prints_its_error_and_exits_non_zero(catalog_file, file_source):
    code, output = run_command("--source", "snapshot")
    assert code == 1 and "snapshot: failed" in output and "[file_error]" in output
    assert SyncRun.objects.get().status == "failed"


def test_a_disabled_source_is_left_out_unless_named(catalog_file, file_source):
    catalog_file.write(load("openrouter/models.json"))
    Source.objects.filter(pk=file_source.pk).update(enabled=False)
    assert run_command("--json") == (0, "[]\n")
    code, output = run_command("--source", "snapshot", "--json")
    assert code == 0 and json.loads(output.splitlines()[-1])["created"] == 421
