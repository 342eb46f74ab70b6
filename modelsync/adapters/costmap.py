"""The `costmap` source: LiteLLM's model cost map, read offline from the installed `litellm` package (or a file).

It is the table a LiteLLM proxy itself prices and describes models from (`model_prices_and_context_window.json`),
keyed by LiteLLM model name (`gpt-4o`, `azure/gpt-4o`, `bedrock/anthropic.claude-…`). Its records describe models;
nothing is called through it, so a cost map source is never callable and only enriches linked gateway models.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import TYPE_CHECKING

from modelsync.adapters.base import SourceConfig
from modelsync.adapters.litellm import CAPABILITY_FLAGS
from modelsync.adapters.static import read_snapshot
from modelsync.exceptions import PayloadError, UpstreamError
from modelsync.sync.build import InvalidItem, build_records, require_id
from modelsync.sync.cards import litellm_card_json
from modelsync.sync.names import category_for_mode, category_for_name, display_name, provider_for
from modelsync.sync.normalize import as_int, derive_tags, iso_datetime, pricing
from modelsync.sync.records import Finding, ModelRecord, ParseResult

if TYPE_CHECKING:
    from modelsync.sync.http import UpstreamClient

COST_MAP_FILE = "model_prices_and_context_window_backup.json"
NOT_MODELS = {"sample_spec"}  # the file's own documentation entry
NOT_AN_OBJECT = "\x00not an object"  # marks an entry that is not an object (no cost map key looks like it)
NO_LITELLM = (
    "the litellm package is not installed, and no cost map file is set: set COSTMAP_PATH (or this source's base URL "
    "in admin) to a model_prices_and_context_window.json file, or install the costmap extra "
    "(`.venv/bin/pip install -e '.[costmap]'`; `make run` does that when COSTMAP_ENABLED=1)"
)


def installed_cost_map() -> Path:
    """The cost map inside the installed litellm package, found without importing litellm (slow, and not ours)."""
    spec = importlib.util.find_spec("litellm")
    if spec is None or not spec.submodule_search_locations:
        raise UpstreamError(NO_LITELLM, kind="file_error")
    return Path(next(iter(spec.submodule_search_locations))) / COST_MAP_FILE


def cost_map_path(config: SourceConfig) -> Path:
    configured = config.base_url.removeprefix("file://")
    return Path(configured) if configured else installed_cost_map()


class CostMapAdapter:
    kind = "costmap"

    def __init__(self, config: SourceConfig) -> None:
        self.config = config

    def fetch(self, client: UpstreamClient) -> dict[str, object]:
        return {"cost_map": read_snapshot(cost_map_path(self.config))}

    def parse(self, payloads: dict[str, object]) -> ParseResult:
        return parse_cost_map(payloads.get("cost_map"), self.config.name)


def parse_cost_map(payload: object, source: str = "costmap") -> ParseResult:
    if not isinstance(payload, dict) or not payload:
        raise PayloadError("the cost map is not a JSON object of model name -> facts", kind="wrong_shape")
    # Each entry with its key inside, so an unreadable one's finding names the key (and its row is not "missing").
    items = [{**entry, "key": key} if isinstance(entry, dict) else {"key": key, NOT_AN_OBJECT: True}
             for key, entry in payload.items() if key not in NOT_MODELS]  # fmt: skip
    return build_records(items, lambda item: cost_map_record(item, source), id_keys=("key",))


def cost_map_record(item: object, source: str = "costmap") -> tuple[ModelRecord, list[Finding]]:
    if not isinstance(item, dict) or NOT_AN_OBJECT in item:
        raise InvalidItem("a cost map entry that is not an object")
    key = require_id(item.get("key"), "cost map key")
    raw_provider = item.get("litellm_provider") if isinstance(item.get("litellm_provider"), str) else ""
    provider, provider_raw = provider_for(raw_provider, key)
    price_fields, findings = pricing(
        key, item.get("input_cost_per_token"), item.get("output_cost_per_token"), source_says_free=False
    )
    card, card_notes = litellm_card_json(key, item, source)
    findings = [*findings, *card_notes]
    capabilities = tuple(sorted({cap for flag, cap in CAPABILITY_FLAGS.items() if item.get(flag) is True}))
    context = as_int(item.get("max_input_tokens"))
    mode = item.get("mode")
    record = ModelRecord(
        external_id=key,
        model=key,
        display_name=display_name(key.rsplit("/", 1)[-1]),
        provider=provider,
        provider_raw=provider_raw,
        category=category_for_mode(mode) if mode else category_for_name(key),
        capabilities=capabilities,
        tags=derive_tags(is_free=False, capabilities=capabilities, context_window=context),
        context_window=context,
        max_output_tokens=as_int(item.get("max_output_tokens")),
        requires_api_key=True,
        expires_at=iso_datetime(item.get("deprecation_date")),  # "YYYY-MM-DD": the day, at 00:00 UTC
        price_card=card,
        **price_fields,
    )
    return record, findings
