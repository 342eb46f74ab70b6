"""OpenAI-compatible /v1/models: OpenAI, vLLM, LM Studio. Ids and (vLLM) context length; no prices."""

from __future__ import annotations

from modelsync.adapters.base import HttpAdapter, SourceConfig
from modelsync.sync.build import build_records, payload_items, require_id
from modelsync.sync.names import category_for_name, display_name, provider_for
from modelsync.sync.normalize import as_int, clean_text, matches_any
from modelsync.sync.records import Finding, ModelRecord, ParseResult

# api.openai.com says "system" / "openai-internal" for its own models: that owner is OpenAI.
OPENAI_OWNERS = {"system", "openai", "openai-internal", "openai-dev"}


class OpenAIAdapter(HttpAdapter):
    """GET {base_url}/models, e.g. https://api.openai.com/v1/models or a local vLLM's /v1/models."""

    kind = "openai"
    endpoints = {"models": "/models"}
    listings = {"models": "data"}

    def parse(self, payloads: dict[str, object]) -> ParseResult:
        return parse_models(payloads.get("models"), self.config)


def parse_models(payload: object, config: SourceConfig) -> ParseResult:
    """The /v1/models document -> one record per id; prices are unknown (the endpoint has none)."""
    items = payload_items(payload, "data", endpoint="/v1/models")
    return build_records(items, lambda item: parse_model(item, config), memo_key=config.memo_key)


def parse_model(item: object, config: SourceConfig) -> tuple[ModelRecord, list[Finding]]:
    if not isinstance(item, dict):
        raise TypeError("not an object")
    model_id = require_id(item.get("id"))
    owner = item.get("owned_by") if isinstance(item.get("owned_by"), str) else ""
    provider, raw = provider_for("openai" if owner in OPENAI_OWNERS else owner, model_id)
    record = ModelRecord(
        external_id=model_id,
        model=model_id,
        display_name=display_name(model_id),
        provider=provider,
        provider_raw=raw,
        category=category_for_name(model_id),
        context_window=as_int(item.get("max_model_len")),  # vLLM
        requires_api_key=config.has_api_key,  # a local vLLM or LM Studio usually takes none
        api_key_available=True,
        is_recommended=matches_any(model_id, config.recommended_patterns),
        details=_details(item),
    )
    return record, []


def _details(item: dict) -> dict:
    """vLLM's root (the weights it serves) and parent (the base of a LoRA adapter), as plain text."""
    return {key: text for key in ("root", "parent") if (text := clean_text(item.get(key), 300))}
