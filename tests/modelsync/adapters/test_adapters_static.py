"""The `static` source: the snapshot shipped in the package (a real OpenRouter list) read through a file path."""

import hashlib
import json

import pytest

from modelsync.adapters import adapter_for
from modelsync.adapters.base import SourceConfig
from modelsync.adapters.openrouter import parse_models
from modelsync.adapters.static import SNAPSHOT, StaticAdapter, snapshot_path
from modelsync.exceptions import PayloadError, UpstreamError
from tests.modelsync.payloads import PAYLOADS, load, other_findings

STATIC = SourceConfig(name="static", kind="static", base_url="")
SNAPSHOT_SHA256 = "e65e21618254c3459659c3f1c20b28218a59bb5a3f0c0e02f254a458b1cc18a1"  # openrouter/SOURCE.md


class NoClient:
    """The static source must not touch the network: any use of the client fails the test."""

    def __getattr__(self, name):
        raise AssertionError(f"the static adapter used the HTTP client ({name})")


def fetch_and_parse(config: SourceConfig):
    adapter = adapter_for(config)
    return adapter.parse(adapter.fetch(NoClient()))


def test_shipped_snapshot_is_the_real_openrouter_capture_byte_for_byte():
    assert hashlib.sha256(SNAPSHOT.read_bytes()).hexdigest() == SNAPSHOT_SHA256
    assert SNAPSHOT.read_bytes() == (PAYLOADS / "openrouter/models.json").read_bytes()
    assert SNAPSHOT_SHA256 in (SNAPSHOT.parent / "README.md").read_text()


def test_default_static_source_reads_the_shipped_snapshot(settings):
    settings.MODELSYNC_STATIC_CATALOG_PATH = ""
    result = fetch_and_parse(STATIC)
    assert snapshot_path(STATIC) == SNAPSHOT
    assert len(result.records) == 421 and other_findings(result) == ()
    assert result.records == parse_models(load("openrouter/models.json"), STATIC).records


def test_static_models_need_a_key_and_are_usable_only_when_one_is_configured(settings):
    settings.MODELSYNC_STATIC_CATALOG_PATH = ""
    keyless = fetch_and_parse(STATIC).records
    assert all(record.requires_api_key and not record.api_key_available for record in keyless)
    keyed = fetch_and_parse(SourceConfig(name="static", kind="static", base_url="", api_key="k")).records
    assert all(record.api_key_available for record in keyed)


def test_setting_path_replaces_the_snapshot(settings, tmp_path):
    older = tmp_path / "older.json"
    older.write_bytes((PAYLOADS / "openrouter/models_older.json").read_bytes())
    settings.MODELSYNC_STATIC_CATALOG_PATH = str(older)
    assert len(fetch_and_parse(STATIC).records) == 345


def test_source_base_url_wins_over_the_setting(settings, tmp_path):
    legacy = tmp_path / "legacy.json"
    legacy.write_bytes((PAYLOADS / "openrouter/models_legacy_2025-05.json").read_bytes())
    settings.MODELSYNC_STATIC_CATALOG_PATH = str(tmp_path / "absent.json")
    assert len(fetch_and_parse(SourceConfig(name="s", kind="static", base_url=str(legacy))).records) == 321
    assert len(fetch_and_parse(SourceConfig(name="s", kind="static", base_url=f"file://{legacy}")).records) == 321


def test_a_missing_file_is_an_upstream_error_without_touching_the_catalog(tmp_path):
    config = SourceConfig(name="s", kind="static", base_url=str(tmp_path / "absent.json"))
    with pytest.raises(UpstreamError) as raised:
        StaticAdapter(config).fetch(NoClient())
    assert raised.value.kind == "file_error"


def test_a_file_that_is_not_json_is_a_payload_error(tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_bytes((PAYLOADS / "openrouter/models.json").read_bytes()[:5000])  # truncated real capture
    with pytest.raises(PayloadError) as raised:
        StaticAdapter(SourceConfig(name="s", kind="static", base_url=str(broken))).fetch(NoClient())
    assert raised.value.kind == "not_json"


def test_a_file_that_is_not_utf8_is_not_json_when_read(tmp_path):
    latin1 = tmp_path / "latin1.json"
    body = (PAYLOADS / "openrouter/models.json").read_text().replace("Claude", "Claud\u00e9", 1)
    latin1.write_bytes(body.encode("latin-1", "replace"))  # the real capture written in Latin-1, not UTF-8
    with pytest.raises(PayloadError) as raised:
        fetch_and_parse(SourceConfig(name="s", kind="static", base_url=str(latin1)))
    assert raised.value.kind == "not_json"


def test_a_file_of_the_wrong_shape_is_refused_at_parse(tmp_path):
    wrong = tmp_path / "wrong.json"
    wrong.write_text(json.dumps(load("openrouter/models.json")["data"]))  # the list without its {"data": …}
    with pytest.raises(PayloadError) as raised:
        fetch_and_parse(SourceConfig(name="s", kind="static", base_url=str(wrong)))
    assert raised.value.kind == "wrong_shape"


def test_a_file_over_the_response_cap_is_refused(settings):
    settings.MODELSYNC_MAX_RESPONSE_BYTES = 1024
    with pytest.raises(UpstreamError) as raised:
        StaticAdapter(STATIC).fetch(NoClient())
    assert raised.value.kind == "too_large"
