"""OpenRouter's /api/v1/models: prices are per-token strings, "-1" is variable, ":free" ids are free."""

from __future__ import annotations

from modelsync.adapters.base import HttpAdapter, SourceConfig
from modelsync.sync.build import build_records, memoized, payload_items, require_id
from modelsync.sync.cards import openrouter_card
from modelsync.sync.names import display_name, provider_for
from modelsync.sync.normalize import (
    as_dict,
    as_int,
    clean_text,
    derive_tags,
    is_positive_price,
    iso_datetime,
    matches_any,
    pricing,
)
from modelsync.sync.records import Finding, ModelRecord, ParseResult

PARAMETER_CAPABILITIES = {
    "tools": "function_calling",
    "parallel_tool_calls": "parallel_function_calling",
    "structured_outputs": "json_schema",
    "response_format": "json_schema",
    "reasoning": "reasoning",
    "include_reasoning": "reasoning",
    "web_search_options": "web_search",
}
INPUT_CAPABILITIES = {"image": "vision", "audio": "audio_input", "file": "pdf_input"}
# A priced extra means the model offers it: cached prompt reads, built-in web search.
TEXT = ("text",)
PRICE_CAPABILITIES = {"input_cache_read": "prompt_caching", "web_search": "web_search"}


class OpenRouterAdapter(HttpAdapter):
    """GET {base_url}/models, e.g. https://openrouter.ai/api/v1/models."""

    kind = "openrouter"
    endpoints = {"models": "/models"}
    listings = {"models": "data"}

    def parse(self, payloads: dict[str, object]) -> ParseResult:
        return parse_models(payloads.get("models"), self.config)


def parse_models(payload: object, config: SourceConfig) -> ParseResult:
    """The whole /models document -> one record per id, and findings for items that are not models."""
    items = payload_items(payload, "data", endpoint="/models")
    return build_records(items, lambda item: parse_model(item, config), memo_key=config.memo_key)


def parse_model(item: object, config: SourceConfig) -> tuple[ModelRecord, list[Finding]]:
    """One /models item -> a record and its findings; raises InvalidItem (or a type error) when it is no model."""
    if not isinstance(item, dict):
        raise TypeError("not an object")
    model_id = require_id(item.get("id"))
    architecture, prices = as_dict(item.get("architecture")), as_dict(item.get("pricing"))
    # Missing price keys mean 0 since 2026; the ":free" suffix is OpenRouter itself saying free.
    price_fields, findings = pricing(
        model_id, prices.get("prompt", "0"), prices.get("completion", "0"), source_says_free=model_id.endswith(":free")
    )
    card, card_notes = openrouter_card(model_id, prices, config.name)
    findings = [*findings, *card_notes]
    capabilities, category = _traits_of(item, architecture, prices)
    context = as_int(item.get("context_length"))
    provider, raw = provider_for(model_id.split("/", 1)[0] if "/" in model_id else "", model_id)
    record = ModelRecord(
        external_id=model_id,
        model=model_id,
        display_name=clean_text(item.get("name"), 255) or display_name(model_id),
        provider=provider,
        provider_raw=raw,
        category=category,
        capabilities=capabilities,
        tags=derive_tags(is_free=price_fields.get("is_free", False), capabilities=capabilities, context_window=context),
        context_window=context,
        max_output_tokens=as_int(as_dict(item.get("top_provider")).get("max_completion_tokens")),
        requires_api_key=True,
        api_key_available=config.has_api_key,
        is_recommended=matches_any(model_id, config.recommended_patterns),
        is_alias=model_id.startswith("~"),  # "~vendor/x-latest" follows whatever model is newest
        expires_at=iso_datetime(item.get("expiration_date")),
        details=_details(item),
        price_card=card,
        **price_fields,
    )
    return record, findings


def _traits_of(item: dict, architecture: dict, prices: dict) -> tuple[tuple[str, ...], str]:
    """(capabilities, category) of an item, memoized on the lists and prices they come from."""
    key = (
        _entries(architecture.get("input_modalities")),
        _entries(architecture.get("output_modalities")),
        _text(architecture.get("modality")),
        _entries(item.get("supported_parameters")),
        _text(prices.get("input_cache_read")),
        _text(prices.get("web_search")),
    )
    try:
        return _traits(*key)
    except TypeError:  # an object inside one of the lists cannot be a memo key; the answer is the same without
        return _traits.__wrapped__(*key)


def _entries(value: object) -> tuple:
    return tuple(value) if value.__class__ is list else ()


def _text(value: object) -> str | None:
    return value if value.__class__ is str else None


@memoized(4096)
def _traits(
    input_modalities: tuple,
    output_modalities: tuple,
    modality: str | None,
    parameters: tuple,
    cache_read_price: str | None,
    web_search_price: str | None,
) -> tuple[tuple[str, ...], str]:
    """Memoized: models share a few dozen combinations, and a sync repeats the last one's (SPEC §9)."""
    inputs, outputs = _modalities(_strings(input_modalities), _strings(output_modalities), modality)
    found = {PARAMETER_CAPABILITIES[name] for name in _strings(parameters) if name in PARAMETER_CAPABILITIES}
    found.update(INPUT_CAPABILITIES[name] for name in inputs & INPUT_CAPABILITIES.keys())
    if "audio" in outputs:
        found.add("audio_output")
    for capability, price in zip(PRICE_CAPABILITIES.values(), (cache_read_price, web_search_price), strict=True):
        if price is not None and is_positive_price(price):
            found.add(capability)
    return tuple(sorted(found)), _category(inputs, outputs)


def _strings(entries: tuple) -> tuple[str, ...]:
    """The strings of an untrusted list: ["text", 1, {"x": 1}] -> ("text",)."""
    return tuple([entry for entry in entries if entry.__class__ is str])


def _modalities(inputs: tuple[str, ...], outputs: tuple[str, ...], modality: str | None) -> tuple[frozenset, frozenset]:
    """(inputs, outputs); items without the lists fall back to the "text+image->text" modality string."""
    if not (inputs or outputs) and modality and "->" in modality:
        left, right = modality.split("->", 1)
        inputs, outputs = tuple(left.split("+")), tuple(right.split("+"))
    return frozenset(inputs or TEXT), frozenset(outputs or TEXT)


def _category(inputs: frozenset[str], outputs: frozenset[str]) -> str:
    if "embeddings" in outputs:
        return "embedding"
    if "rerank" in outputs:
        return "rerank"
    if "transcription" in outputs or ("text" in outputs and inputs == {"audio"}):
        return "audio_transcription"
    if "text" in outputs:
        return "chat"
    if "image" in outputs:
        return "image_generation"
    if "speech" in outputs or "audio" in outputs:
        return "audio_speech"
    return "other"  # e.g. video


def _details(item: dict) -> dict:
    """Allow-listed, plain-text facts; the rest of the item (benchmarks, links…) is not copied."""
    details = {"description": clean_text(item.get("description"))}
    if slug := clean_text(item.get("canonical_slug"), 200):
        details["canonical_slug"] = slug
    return details
