"""Retirement dates read from the sources: LiteLLM's deprecation_date in /model/info and in the cost map."""

from datetime import UTC, datetime

from modelsync.adapters.base import SourceConfig
from modelsync.adapters.costmap import parse_cost_map
from modelsync.adapters.litellm import parse_proxy
from modelsync.sync.normalize import last_retirement
from tests.modelsync.payloads import load
from tests.modelsync.retirement_captures import litellm_with_deprecations

GATEWAY = SourceConfig(name="litellm", kind="litellm", base_url="")


def parsed(dates: dict) -> dict:
    return {record.model: record for record in parse_proxy(litellm_with_deprecations(dates), GATEWAY).records}


def test_a_deployments_deprecation_date_is_the_models_retirement_day():
    records = parsed({"gpt-4o": "2026-11-20", "o3-mini": "2026-10-23"})
    assert records["gpt-4o"].expires_at == datetime(2026, 11, 20, tzinfo=UTC)
    assert records["o3-mini"].expires_at == datetime(2026, 10, 23, tzinfo=UTC)
    assert records["gpt-4o-mini"].expires_at is None  # the real capture carries no date


def test_a_group_retires_only_when_every_deployment_does_on_the_last_day():
    assert parsed({"gpt-4.1": ["2026-11-20", None]})["gpt-4.1"].expires_at is None
    both = parsed({"gpt-4.1": ["2026-11-20", "2027-01-14"]})["gpt-4.1"]
    assert both.expires_at == datetime(2027, 1, 14, tzinfo=UTC)


def test_an_unreadable_date_states_nothing_and_changes_the_content_hash_only_when_read():
    plain = parsed({})["gpt-4o"]
    junk = parsed({"gpt-4o": "soon"})["gpt-4o"]
    dated = parsed({"gpt-4o": "2026-11-20"})["gpt-4o"]
    assert junk.expires_at is None and junk.content_hash() == plain.content_hash()
    assert dated.content_hash() != plain.content_hash()


def test_the_cost_maps_deprecation_date_is_read_for_each_record_that_states_one():
    payload = load("costmap/model_prices_and_context_window_backup.json")
    records = {record.external_id: record for record in parse_cost_map(payload).records}
    stated = {key for key, entry in payload.items() if isinstance(entry, dict) and "deprecation_date" in entry}
    assert records["o3-mini"].expires_at == datetime(2026, 10, 23, tzinfo=UTC)
    assert records["gpt-4o-mini"].expires_at is None
    dated = {key for key, record in records.items() if record.expires_at is not None}
    assert dated == stated - {"sample_spec"} and len(dated) > 800


def test_last_retirement_needs_every_date():
    assert last_retirement([]) is None
    assert last_retirement(["2026-01-01", "2027-01-01"]) == datetime(2027, 1, 1, tzinfo=UTC)
    assert last_retirement(["2026-01-01", None]) is None
    assert last_retirement(["2026-01-01", 20260101]) is None
