"""Ollama's /api/tags: local models, free and keyless (SPEC §4); /api/show details are merged when present."""

from __future__ import annotations

from modelsync.adapters.base import HttpAdapter, SourceConfig
from modelsync.sync.build import build_records, payload_items, require_id
from modelsync.sync.cards import free_card
from modelsync.sync.names import display_name, provider_for
from modelsync.sync.normalize import as_dict, as_int, clean_text, derive_tags, free_pricing, matches_any, str_list
from modelsync.sync.records import Finding, ModelRecord, ParseResult

CAPABILITIES = {"vision": "vision", "tools": "function_calling", "thinking": "reasoning", "audio": "audio_input"}


class OllamaAdapter(HttpAdapter):
    """GET {base_url}/api/tags. /api/show is a POST per model, so fetch() leaves it out (one call per run)."""

    kind = "ollama"
    endpoints = {"tags": "/api/tags"}

    def parse(self, payloads: dict[str, object]) -> ParseResult:
        return parse_tags(payloads.get("tags"), self.config, shows=as_dict(payloads.get("show")))


def parse_tags(payload: object, config: SourceConfig, *, shows: dict | None = None) -> ParseResult:
    """/api/tags -> one record per tag; `shows` maps a tag to its /api/show answer (capabilities, context)."""
    items = payload_items(payload, "models", endpoint="/api/tags")
    return build_records(items, lambda item: parse_model(item, config, shows or {}), id_keys=("name", "model"))


def parse_model(item: object, config: SourceConfig, shows: dict) -> tuple[ModelRecord, list[Finding]]:
    if not isinstance(item, dict):
        raise TypeError("not an object")
    name = require_id(item.get("name") or item.get("model"), "name")
    details, show = as_dict(item.get("details")), as_dict(shows.get(name))
    raw_capabilities = str_list(item.get("capabilities")) or str_list(show.get("capabilities"))
    capabilities = tuple(sorted({CAPABILITIES[c] for c in raw_capabilities if c in CAPABILITIES}))
    family = clean_text(details.get("family"), 64)
    context = as_int(details.get("context_length")) or _show_context(show)
    record = ModelRecord(
        external_id=name,
        model=name,
        display_name=_display_name(name),
        provider=_provider(name, family),
        provider_raw=family,
        category=_category(name, family, raw_capabilities),
        capabilities=capabilities,
        tags=(*derive_tags(is_free=True, capabilities=capabilities, context_window=context), "local"),
        context_window=context,
        requires_api_key=False,
        api_key_available=True,
        is_recommended=matches_any(name, config.recommended_patterns),
        details=_details(item, details),
        price_card=free_card(config.name),
        **free_pricing(),  # a local model: the source itself says free
    )
    return record, []


def _provider(name: str, family: str) -> str:
    """The vendor its name reveals, else its family's ("Nevoria-R1" is a llama)."""
    provider = provider_for("", name)[0]
    return provider if provider != "other" or not family else provider_for("", family)[0]


def _show_context(show: dict) -> int | None:
    """/api/show's model_info has "<architecture>.context_length"."""
    info = as_dict(show.get("model_info"))
    architecture = info.get("general.architecture")
    return as_int(info.get(f"{architecture}.context_length")) if isinstance(architecture, str) else None


def _category(name: str, family: str, capabilities: tuple[str, ...]) -> str:
    if "embedding" in capabilities or "embed" in name.lower() or "bert" in family:
        return "embedding"
    return "chat"


def _display_name(name: str) -> str:
    """ "qwen2.5:0.5b-instruct-q4_K_M" -> "Qwen2.5 (0.5b-instruct-q4_K_M)"; ":latest" is left out."""
    base, _, tag = name.partition(":")
    readable = display_name(base)
    return clean_text(f"{readable} ({tag})" if tag and tag != "latest" else readable, 255)


def _details(item: dict, details: dict) -> dict:
    facts = {key: clean_text(details.get(key), 64) for key in ("parameter_size", "quantization_level")}
    size = item.get("size")
    if isinstance(size, int) and not isinstance(size, bool) and 0 <= size < 2**63:  # bytes: beyond int32
        facts["size"] = size
    return {key: value for key, value in facts.items() if value != ""}
