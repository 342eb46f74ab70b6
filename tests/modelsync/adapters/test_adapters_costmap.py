"""The `costmap` source: LiteLLM's cost map, from the installed litellm package or a file, offline."""

import os
import subprocess
import sys
from decimal import Decimal

import pytest

from modelsync.adapters import adapter_for
from modelsync.adapters.base import SourceConfig
from modelsync.adapters.costmap import COST_MAP_FILE, installed_cost_map, parse_cost_map
from modelsync.exceptions import PayloadError, UpstreamError
from modelsync.models import Source, SyncRun
from modelsync.sync.pipeline import source_sync
from tests.conftest import services_required
from tests.modelsync.litellm_proxy import LITELLM_VENV
from tests.modelsync.payloads import PAYLOADS, load
from tests.settings_vars import ROOT

COST_MAP = PAYLOADS / "costmap" / COST_MAP_FILE  # LiteLLM 1.106.2's, copied from the package (see payloads/README)


def records_by_id():
    return {record.external_id: record for record in parse_cost_map(load(f"costmap/{COST_MAP_FILE}")).records}


def test_every_entry_but_the_sample_spec_becomes_a_record():
    payload = load(f"costmap/{COST_MAP_FILE}")
    result = parse_cost_map(payload)
    assert "sample_spec" in payload and "sample_spec" not in {record.external_id for record in result.records}
    assert len(result.records) == len(payload) - 1 - result.invalid_count and result.invalid_count == 0


def test_a_cost_map_entry_carries_prices_context_and_capabilities():
    gpt_4o = records_by_id()["gpt-4o"]
    assert (gpt_4o.provider, gpt_4o.provider_raw, gpt_4o.category) == ("openai", "openai", "chat")
    assert (gpt_4o.input_cost_per_mtok, gpt_4o.output_cost_per_mtok) == (Decimal("2.5"), Decimal("10"))
    assert gpt_4o.pricing_status == "known" and not gpt_4o.is_free
    assert (gpt_4o.context_window, gpt_4o.max_output_tokens) == (128_000, 16_384)
    assert {"vision", "function_calling", "json_schema"} <= set(gpt_4o.capabilities)


def test_a_per_second_price_is_no_per_token_price():
    whisper = records_by_id()["whisper-1"]
    assert whisper.category == "audio_transcription" and whisper.pricing_status == "unknown"


def test_the_source_reads_a_configured_file(tmp_path):
    adapter = adapter_for(SourceConfig(name="costmap", kind="costmap", base_url=str(COST_MAP)))
    assert len(adapter.parse(adapter.fetch(None)).records) > 4000


def test_without_a_file_it_reads_the_installed_litellm_package_without_importing_it(monkeypatch):
    site_packages = next(LITELLM_VENV.glob("lib/python3*/site-packages"), None)
    if site_packages is None:
        if services_required():
            pytest.fail(f"no litellm venv at {LITELLM_VENV}: `make litellm-venv` installs it")
        pytest.skip("no litellm venv (make litellm-venv)")
    monkeypatch.syspath_prepend(str(site_packages))
    path = installed_cost_map()
    assert path == site_packages / "litellm" / COST_MAP_FILE and path.is_file()
    assert "litellm" not in sys.modules
    adapter = adapter_for(SourceConfig(name="costmap", kind="costmap", base_url=""))
    assert "gpt-4o" in {record.external_id for record in adapter.parse(adapter.fetch(None)).records}


def test_without_litellm_installed_the_run_fails_with_what_to_do(monkeypatch):
    monkeypatch.setattr("importlib.util.find_spec", lambda name: None)
    adapter = adapter_for(SourceConfig(name="costmap", kind="costmap", base_url=""))
    with pytest.raises(UpstreamError, match="litellm package is not installed") as caught:
        adapter.fetch(None)
    assert caught.value.kind == "file_error" and "base URL" in str(caught.value)
    assert "COSTMAP_PATH" in str(caught.value) and "pip install -e '.[costmap]'" in str(caught.value)


@pytest.mark.django_db
def test_a_sync_without_litellm_fails_naming_costmap_path_and_the_extra(monkeypatch):
    """What `COSTMAP_ENABLED=1 make run` without the package showed (issue #24): the run says both ways out."""
    monkeypatch.setattr("importlib.util.find_spec", lambda name: None)
    source = Source.objects.create(name="costmap", kind=Source.Kind.COSTMAP, base_url="", is_callable=False)
    run = source_sync(source=source, trigger=SyncRun.Trigger.CLI)
    assert (run.status, run.error_kind) == (SyncRun.Status.FAILED, "file_error")
    assert "set COSTMAP_PATH" in run.error_message and "COSTMAP_ENABLED=1" in run.error_message
    source.base_url = str(COST_MAP)  # the way out it names (COSTMAP_PATH becomes the source's base URL)
    source.save()
    run = source_sync(source=source, trigger=SyncRun.Trigger.CLI)
    assert run.status == SyncRun.Status.SUCCEEDED and run.created > 4000, run.error_message


def test_make_run_installs_the_costmap_extra_when_the_cost_map_is_on_without_a_file(tmp_path):
    def planned(**env: str) -> str:
        clean = {k: v for k, v in os.environ.items() if not k.startswith("COSTMAP_")}
        make = ["make", "-n", "run", f"VENV={tmp_path / 'venv'}"]
        return subprocess.run(make, cwd=ROOT, env={**clean, **env}, capture_output=True, text=True, check=True).stdout

    extra = "pip install --quiet -e '.[costmap]'"
    assert extra in planned(COSTMAP_ENABLED="1") and extra in planned(COSTMAP_ENABLED="true")
    assert extra not in planned() and extra not in planned(COSTMAP_ENABLED="0")
    assert extra not in planned(COSTMAP_ENABLED="1", COSTMAP_PATH=str(COST_MAP))  # the file needs no package
    assert "litellm==1.106.2" in (ROOT / "pyproject.toml").read_text()  # the extra, pinned like the proxy


@pytest.mark.parametrize("payload", [[], {}, "text", {"data": []}.get("data")])
def test_a_document_that_is_no_cost_map_is_refused(payload):
    with pytest.raises(PayloadError, match="not a JSON object"):
        parse_cost_map(payload)


def test_an_entry_that_is_not_an_object_is_an_invalid_item_with_its_key():
    result = parse_cost_map({"gpt-4o": load(f"costmap/{COST_MAP_FILE}")["gpt-4o"], "broken": "text"})
    assert [record.external_id for record in result.records] == ["gpt-4o"]
    assert [(f.kind, f.external_id) for f in result.findings] == [("invalid_item", "broken")]
