"""A LiteLLM proxy: /model/info, /v1/models and /model_group/info merged into one record per public model_name.

A public name may be load-balanced over several deployments (several /model/info rows, possibly different models).
Its category, token limits and capabilities are the group's, as /model_group/info states them (the widest limits and
the union of supports_* over the deployments). Its price card is the deployment's (catalog.pricing.card_from_litellm);
a name served by several deployments takes the gateway's own /model_group/info input and output price (its worst case
across deployments) for the card's base and the per-Mtok columns alike, the deployments' worst case for every other
unit and their min-max in the card's ranges (catalog.pricing.group_card).

Secrets: /model/info echoes litellm_params (api_base with credentials, organization, masked headers) and every
model_info key unmasked, so only an allow-list is ever read from it (see _deployment() and _details()).
"""

from __future__ import annotations

from collections import defaultdict
from urllib.parse import urlsplit, urlunsplit

from catalog.pricing.values import price_value
from modelsync.adapters.base import HttpAdapter, SourceConfig
from modelsync.sync.build import InvalidItem, build_records, payload_items, require_id, valid_id
from modelsync.sync.cards import group_card_json, litellm_card, litellm_card_json, litellm_price_keys
from modelsync.sync.names import category_for_mode, category_for_name, display_name, provider_for
from modelsync.sync.normalize import (
    as_dict,
    as_int,
    clean_text,
    derive_tags,
    last_retirement,
    matches_any,
    pricing,
    safety_score,
    str_list,
)
from modelsync.sync.records import Finding, ModelRecord, ParseResult

# Never /health: it makes a paid completion call to every upstream.
ENDPOINTS = {"model_info": "/model/info", "v1_models": "/v1/models", "model_group_info": "/model_group/info"}
PLACEHOLDERS = {"all-team-models", "all-proxy-models", "no-default-models", "all-models"}
LOCAL_PROVIDERS = {"ollama", "ollama_chat", "lm_studio", "llamafile"}  # models on the proxy's own machines
CAPABILITY_FLAGS = {
    "supports_vision": "vision",
    "supports_function_calling": "function_calling",
    "supports_parallel_function_calling": "parallel_function_calling",
    "supports_response_schema": "json_schema",
    "supports_reasoning": "reasoning",
    "supports_prompt_caching": "prompt_caching",
    "supports_audio_input": "audio_input",
    "supports_audio_output": "audio_output",
    "supports_web_search": "web_search",
    "supports_pdf_input": "pdf_input",
}
# The flags /model_group/info reports for a whole group (1.106.2 and 1.109.1); the others are read from deployments.
_GROUP_FLAGS = {"supports_vision", "supports_function_calling", "supports_parallel_function_calling",
                "supports_reasoning", "supports_web_search"}  # fmt: skip
GROUP_CAPABILITIES = tuple((flag, cap) for flag, cap in CAPABILITY_FLAGS.items() if flag in _GROUP_FLAGS)
DEPLOYMENT_CAPABILITIES = tuple((flag, cap) for flag, cap in CAPABILITY_FLAGS.items() if flag not in _GROUP_FLAGS)


class LiteLLMAdapter(HttpAdapter):
    """GET {proxy root}/model/info, /v1/models and /model_group/info with the proxy key."""

    kind = "litellm"
    endpoints = ENDPOINTS  # never /health: it makes a paid completion call to every upstream

    def parse(self, payloads: dict[str, object]) -> ParseResult:
        return parse_proxy(payloads, self.config)


class _Proxy:
    """The three endpoints indexed by model name, ready to build one record per public name."""

    def __init__(self, payloads: dict[str, object]) -> None:
        self.rows = payload_items(payloads.get("model_info"), "data", endpoint="/model/info")
        self.listed = payload_items(payloads.get("v1_models"), "data", endpoint="/v1/models")
        groups = payload_items(payloads.get("model_group_info"), "data", endpoint="/model_group/info")
        self.findings: list[Finding] = []
        self.deployments = self._deployments_by_name()
        self.flags = _flags(self.deployments)
        self.groups = {g["model_group"]: g for g in groups if isinstance(g, dict) and valid_id(g.get("model_group"))}

    def _deployments_by_name(self) -> dict[str, list[dict]]:
        by_name: dict[str, list[dict]] = defaultdict(list)
        for row in self.rows:
            name = valid_id(row.get("model_name")) if isinstance(row, dict) else None
            if name is None:
                self.findings.append(Finding("invalid_item", "a /model/info row without a model_name"))
                continue
            by_name[name].append(row)
        return by_name


def parse_proxy(payloads: dict[str, object], config: SourceConfig) -> ParseResult:
    """Merge the three endpoints; /v1/models decides which names exist (it is what the key may call)."""
    if not isinstance(payloads, dict):
        raise TypeError("payloads must be the dict fetch() returns")
    proxy = _Proxy(payloads)
    public = [item for item in proxy.listed if not _is_route(item)]
    result = build_records(public, lambda item: _record(item, proxy, config))
    return ParseResult(result.records, (*proxy.findings, *result.findings))


def _is_route(item: object) -> bool:
    """Placeholders and bare wildcard routes ("openai/*") are listed names that are not models."""
    name = item.get("id") if isinstance(item, dict) else None
    return isinstance(name, str) and (name in PLACEHOLDERS or "*" in name)


def _info(row: dict) -> dict:
    return as_dict(row.get("model_info"))


def _params(row: dict) -> dict:
    return as_dict(row.get("litellm_params"))


def _flags(deployments: dict[str, list[dict]]) -> dict[str, tuple[bool, bool]]:
    """name -> (is_wildcard, is_alias), from rows that share one deployment id under different names."""
    names_by_id: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for name, rows in deployments.items():
        for row in rows:
            model = _params(row).get("model")
            names_by_id[str(_info(row).get("id"))].append((name, model if isinstance(model, str) else ""))
    flags: dict[str, tuple[bool, bool]] = {}
    for members in names_by_id.values():
        names = {name for name, _ in members}
        if len(names) < 2:
            continue
        # A wildcard deployment is listed once per cost-map model it expands to, each row naming itself.
        if any(model.endswith("/*") for _, model in members) or all(name == model for name, model in members):
            flags.update({name: (True, False) for name in names})
            continue
        # A router alias repeats its target's rows after every deployment (1.106.2 and 1.109.1 alike): the target is
        # the name listed first. Not the name the model ends with: a group's name ("prod-chat") need not say its model.
        primary = members[0][0]
        flags.update({name: (False, name != primary) for name in names})
    return flags


def _record(item: object, proxy: _Proxy, config: SourceConfig) -> tuple[ModelRecord, list[Finding]]:
    if not isinstance(item, dict):
        raise InvalidItem("a /v1/models entry that is not an object")
    name = require_id(item.get("id"), "/v1/models id")
    rows = proxy.deployments.get(name, [])
    # A key alias is listed by /v1/models only: no deployment row carries its name.
    is_wildcard, is_alias = proxy.flags.get(name, (False, not rows))
    infos = [info if (info := row.get("model_info")).__class__ is dict else {} for row in rows]
    info, group = (infos[0] if infos else {}), as_dict(proxy.groups.get(name))
    card, card_notes, prices = _card(name, infos, info, group, config.name)
    price_fields, findings = pricing(name, *prices, source_says_free=_says_free(info, rows))
    findings = [*findings, *card_notes]
    capabilities = _capabilities(infos, group)
    context = _limit("max_input_tokens", group, item, infos)
    record = ModelRecord(
        external_id=name,
        model=name,
        display_name=display_name(name),
        **_provider(name, rows, info, group),
        category=_category(name, infos, item, group),
        capabilities=capabilities,
        tags=derive_tags(is_free=price_fields.get("is_free", False), capabilities=capabilities, context_window=context),
        context_window=context,
        max_output_tokens=_limit("max_output_tokens", group, item, infos),
        requires_api_key=True,
        api_key_available=config.has_api_key,
        is_recommended=matches_any(name, config.recommended_patterns),
        safety_score=safety_score(info.get("safety_score")),
        is_wildcard=is_wildcard,
        is_alias=is_alias,
        # model_info's deprecation_date (from the cost map, or the proxy config); a key alias has its group's.
        expires_at=last_retirement([i.get("deprecation_date") for i in infos] or [group.get("deprecation_date")]),
        details=_details(rows, info, group),
        price_card=card,
        **price_fields,
    )
    return record, findings


def _card(name: str, infos: list[dict], info: dict, group: dict, source: str) -> tuple[dict, list[Finding], tuple]:
    """(card JSON, findings, (input, output) per token for the columns). One deployment: its own card and prices; a
    key alias (no deployment row): its group's; several: the group's price over the deployments' cards."""
    if len(infos) < 2:
        card, findings = litellm_card_json(name, info if litellm_price_keys(info) else group, source)
        prices = (_first(info, group, "input_cost_per_token"), _first(info, group, "output_cost_per_token"))
        return card, findings, prices
    cards, findings = [], []
    for deployment in infos:
        deployment_card, notes = litellm_card(name, deployment, source)
        cards.append(deployment_card)
        findings += notes
    group_prices = tuple(group.get(key) for key in ("input_cost_per_token", "output_cost_per_token"))
    if group_prices == (None, None):  # no group entry: the first deployment's, as before
        group_prices = (info.get("input_cost_per_token"), info.get("output_cost_per_token"))
    notes: list[str] = []
    exact = tuple(price_value(key, value, notes) for key, value in zip(("input", "output"), group_prices, strict=True))
    return group_card_json(*exact, cards), _deduplicated(findings), group_prices


def _deduplicated(findings: list[Finding]) -> list[Finding]:
    return list(dict.fromkeys(findings))  # one note per key, however many deployments repeat it


def _says_free(info: dict, rows: list[dict]) -> bool:
    """SPEC §5: tier free, or every deployment is an OpenRouter ":free" variant or a local model."""
    if info.get("tier") == "free":
        return True
    models = [_params(row).get("model") for row in rows]
    return bool(models) and all(
        isinstance(model, str) and (model.endswith(":free") or model.split("/", 1)[0] in LOCAL_PROVIDERS)
        for model in models
    )


def _category(name: str, infos: list[dict], item: dict, group: dict) -> str:
    """The group's mode, else the listing's, else the deployments'; unmapped models have none: the name decides."""
    mode = group.get("mode") or item.get("mode") or _deployments_mode(infos)
    return category_for_mode(mode) if mode else category_for_name(name)


def _deployments_mode(infos: list[dict]) -> object:
    if len(infos) == 1:
        return infos[0].get("mode")
    # Deployments that disagree make a misconfigured group: the first mode by name, so row order never matters.
    return min((mode for info in infos if (mode := info.get("mode")).__class__ is str), default=None)


def _first(info: dict, group: dict, key: str) -> object:
    """A deployment's value, else its group's (a key alias has no deployment row)."""
    value = info.get(key)
    return group.get(key) if value is None else value


def _limit(key: str, group: dict, item: dict, infos: list[dict]) -> int | None:
    """The group's token limit (LiteLLM's widest deployment's), else the listing's, else the widest deployment's."""
    if number := as_int(group.get(key)) or as_int(item.get(key)):
        return number
    return max((number for info in infos if (number := as_int(info.get(key)))), default=None)


def _capabilities(infos: list[dict], group: dict) -> tuple[str, ...]:
    """The group's answer for the flags it reports; any deployment's yes for the others (LiteLLM's union)."""
    found = set()
    unsaid = DEPLOYMENT_CAPABILITIES
    for flag, capability in GROUP_CAPABILITIES:
        said = group.get(flag)
        if said is True:
            found.add(capability)
        elif said is not False:  # no group entry (a key alias), or not LiteLLM's boolean
            unsaid = (*unsaid, (flag, capability))
    for info in infos:
        for flag, capability in unsaid:
            # `is True`: model_info is untrusted, and an int 1 or a string "yes" is not LiteLLM's boolean.
            if info.get(flag) is True:
                found.add(capability)
    return tuple(sorted(found))


def _provider(name: str, rows: list[dict], info: dict, group: dict) -> dict:
    """provider/provider_raw from the deployment's litellm_provider (or the group's), plus the group's providers."""
    providers = str_list(group.get("providers"))
    raw = info.get("litellm_provider")
    raw = raw if isinstance(raw, str) else (providers[0] if providers else "")
    model = _params(rows[0]).get("model") if rows else None
    provider, provider_raw = provider_for(raw, model if isinstance(model, str) else name)
    return {"provider": provider, "provider_raw": provider_raw, "upstream_providers": providers}


def _details(rows: list[dict], info: dict, group: dict) -> dict:
    """Allow-listed, secret-free facts about the deployments behind one name; custom model_info keys stay out."""
    details: dict = {"deployments": [_deployment(_params(row)) for row in rows]}
    # The description is untrusted text: kept as plain, truncated text (1.106.2 has it in model_info only).
    if description := clean_text(group.get("description")) or clean_text(info.get("description")):
        details["description"] = description
    return details


def _deployment(params: dict) -> dict:
    deployment = {"model": clean_text(params.get("model"), 200)}
    if api_base := strip_credentials(params.get("api_base")):
        deployment["api_base"] = api_base
    if api_version := clean_text(params.get("api_version"), 64):
        deployment["api_version"] = api_version
    for key in ("rpm", "tpm"):
        if (limit := as_int(params.get(key))) is not None:
            deployment[key] = limit
    return deployment


def strip_credentials(url: object) -> str:
    """scheme://host[:port]/path, without userinfo, query or fragment (they may carry keys); "" if unreadable."""
    if not isinstance(url, str):
        return ""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return ""
    host = parts.hostname or ""
    netloc = f"{host}:{port}" if port else host
    return clean_text(urlunsplit((parts.scheme, netloc, parts.path, "", "")), 300)
