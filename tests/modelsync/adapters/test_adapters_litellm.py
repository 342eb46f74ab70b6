"""The LiteLLM parser on the real proxy captures (tests/modelsync/payloads/litellm/, see its README)."""

from collections import Counter
from decimal import Decimal

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from modelsync.adapters import adapter_for
from modelsync.adapters.base import SourceConfig
from modelsync.adapters.litellm import (
    CAPABILITY_FLAGS,
    GROUP_CAPABILITIES,
    LiteLLMAdapter,
    parse_proxy,
    strip_credentials,
)
from modelsync.exceptions import PayloadError
from modelsync.sync.names import category_for_mode, category_for_name
from modelsync.sync.normalize import as_int
from modelsync.sync.records import ParseResult
from tests.modelsync.payloads import PAYLOADS, litellm_payloads, load, other_findings

KEYED = SourceConfig(name="litellm", kind="litellm", base_url="http://127.0.0.1:4000/", api_key="sk-master")
KEYLESS = SourceConfig(name="litellm", kind="litellm", base_url="http://127.0.0.1:4000")
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=25,
)


def by_id(result: ParseResult) -> dict:
    return {record.external_id: record for record in result.records}


class RecordingClient:
    """Stands in for UpstreamClient: answers each endpoint with its real capture and remembers the URLs."""

    def __init__(self, payloads: dict) -> None:
        self.payloads, self.urls = payloads, []

    def get_json(self, url: str, *, items_under: str | None = None) -> object:
        assert items_under is None  # entries merge three endpoints: every payload is decoded whole
        self.urls.append(url)
        return next(payload for suffix, payload in self.payloads.items() if url.endswith(suffix))


# --- main captures, LiteLLM 1.109.1 ----------------------------------------------------------


def test_main_capture_gives_one_record_per_public_model_name():
    result = parse_proxy(litellm_payloads(), KEYED)
    records = by_id(result)
    assert len(records) == 257 and result.invalid_count == 0
    # Price keys the card has no unit for (per-image-token, 12-hour cache writes) are findings naming the key.
    assert {finding.kind for finding in result.findings} == {"unknown_price_key"}
    assert all(finding.message.endswith("unknown price key") for finding in result.findings)
    assert len(records) == len(load("litellm/v1_models.json")["data"])
    assert not any("*" in model_id for model_id in records)
    assert all(record.model == record.external_id for record in records.values())


def test_load_balanced_group_is_one_record_listing_its_providers_and_deployments():
    gpt41 = by_id(parse_proxy(litellm_payloads(), KEYED))["gpt-4.1"]
    assert gpt41.upstream_providers == ("openai", "azure")
    assert gpt41.details["deployments"] == [
        {"model": "openai/gpt-4.1", "rpm": 500},
        {"model": "azure/gpt-4.1-eu", "api_base": "https://example-eu.openai.azure.com/", "api_version": "2024-10-21",
         "rpm": 200},
    ]  # fmt: skip
    assert (gpt41.input_cost_per_mtok, gpt41.output_cost_per_mtok) == (Decimal("2"), Decimal("8"))
    assert (gpt41.provider, gpt41.display_name, gpt41.context_window) == ("openai", "GPT-4.1", 1047576)


def test_wildcard_expansions_and_router_aliases_are_flagged():
    records = by_id(parse_proxy(litellm_payloads(), KEYED))
    wildcard = {model_id for model_id, record in records.items() if record.is_wildcard}
    assert len(wildcard) == 233 and all(model_id.split("/")[0] in {"openai", "anthropic"} for model_id in wildcard)
    assert [model_id for model_id, record in records.items() if record.is_alias] == ["gpt-4"]
    assert not records["gpt-4o"].is_alias and not records["gpt-4o"].is_wildcard
    assert "claude-latest" not in records  # the hidden alias is listed nowhere


def test_wildcard_rows_with_only_four_model_info_keys_still_parse():
    davinci = by_id(parse_proxy(litellm_payloads(), KEYED))["openai/davinci-002"]
    assert davinci.is_wildcard and davinci.pricing_status == "unknown"
    # model_info has no mode or provider here; /model_group/info supplies both ("chat", ["openai"]).
    assert (davinci.category, davinci.provider, davinci.upstream_providers) == ("chat", "openai", ("openai",))


def test_custom_model_info_is_untrusted_but_a_numeric_safety_score_is_read():
    vision = by_id(parse_proxy(litellm_payloads(), KEYED))["vision-pro"]
    assert vision.safety_score == Decimal("0.93")
    assert vision.details == {
        "deployments": [{"model": "openai/gpt-4o"}],
        "description": "Premium vision model for document QA",
    }
    assert "ml-platform" not in repr(vision)  # owner_team: an arbitrary custom key, not copied
    assert (vision.input_cost_per_mtok, vision.output_cost_per_mtok) == (Decimal("3"), Decimal("12"))
    assert vision.pricing_status == "known" and not vision.is_free  # tier: paid


@pytest.mark.parametrize("score", ["0.93", 1.5, -0.1, True, [0.5], {"v": 0.5}])
def test_a_safety_score_that_is_not_a_number_in_0_1_is_ignored(score):
    payloads = litellm_payloads()
    row = next(row for row in payloads["model_info"]["data"] if row["model_name"] == "vision-pro")
    row["model_info"]["safety_score"] = score
    assert by_id(parse_proxy(payloads, KEYED))["vision-pro"].safety_score is None


def test_openrouter_free_variants_and_local_models_are_free():
    records = by_id(parse_proxy(litellm_payloads(), KEYED))
    free = sorted(model_id for model_id, record in records.items() if record.is_free)
    assert free == ["llama-3.3-70b-free", "llama3-local"]
    assert records["llama3-local"].pricing_status == "free" and records["llama3-local"].input_cost_per_mtok == 0


def test_tier_free_makes_a_zero_cost_model_free_and_a_priced_one_a_finding():
    payloads = litellm_payloads()
    rows = {row["model_name"]: row for row in payloads["model_info"]["data"]}
    rows["cohere-rerank-v3.5"]["model_info"].update(tier="free", input_cost_per_token=0, output_cost_per_token=0)
    rows["gpt-4o-mini"]["model_info"]["tier"] = "free"
    result = parse_proxy(payloads, KEYED)
    records = by_id(result)
    assert records["cohere-rerank-v3.5"].is_free and not records["gpt-4o-mini"].is_free
    assert records["gpt-4o-mini"].output_cost_per_mtok == Decimal("0.6")
    assert [(f.kind, f.external_id, f.counts_as_invalid) for f in other_findings(result)] == [
        ("free_with_cost", "gpt-4o-mini", False)
    ]


def test_zero_costs_alone_are_not_free():
    image = by_id(parse_proxy(litellm_payloads(), KEYED))["openai/gpt-image-2"]  # output cost is the int 0
    assert image.output_cost_per_mtok == Decimal(0) and not image.is_free and image.pricing_status == "known"


def test_modes_become_categories_and_unmapped_models_fall_back_to_their_name():
    records = by_id(parse_proxy(litellm_payloads(), KEYED))
    categories = {name: records[name].category for name in (
        "text-embedding-3-small", "dall-e-3", "whisper-1", "tts-1", "cohere-rerank-v3.5", "claude-3-5-sonnet",
    )}  # fmt: skip
    assert categories == {
        "text-embedding-3-small": "embedding", "dall-e-3": "image_generation", "whisper-1": "audio_transcription",
        "tts-1": "audio_speech", "cohere-rerank-v3.5": "rerank", "claude-3-5-sonnet": "chat",
    }  # fmt: skip


def test_hosts_give_way_to_the_vendor_and_keep_the_raw_provider():
    records = by_id(parse_proxy(litellm_payloads(), KEYED))
    pairs = {name: (records[name].provider, records[name].provider_raw) for name in (
        "corp-gpt-4o", "bedrock-claude-3-sonnet", "groq-llama-3.3-70b", "claude-3-5-sonnet",
    )}  # fmt: skip
    assert pairs == {
        "corp-gpt-4o": ("openai", "azure"), "bedrock-claude-3-sonnet": ("anthropic", "bedrock"),
        "groq-llama-3.3-70b": ("meta", "groq"), "claude-3-5-sonnet": ("anthropic", "anthropic"),
    }  # fmt: skip


def test_key_availability_and_readable_names():
    records = by_id(parse_proxy(litellm_payloads(), KEYLESS))
    assert all(record.requires_api_key and not record.api_key_available for record in records.values())
    assert records["gpt-4o-mini"].display_name == "GPT-4o mini"
    assert records["o3-mini"].display_name == "o3 mini"


def test_bare_wildcard_routes_and_placeholders_are_dropped():
    payloads = litellm_payloads()
    payloads["v1_models"] = load("litellm/v1_models_return_wildcard_routes.json")  # lists "openai/*" literally
    payloads["v1_models"]["data"] += [{"id": "all-team-models"}, {"id": "all-proxy-models"}]
    records = by_id(parse_proxy(payloads, KEYED))
    assert len(records) == 257 and not {"openai/*", "anthropic/*", "all-team-models"} & records.keys()


# --- other captures --------------------------------------------------------------------------


def test_v1_106_2_parses_and_reports_its_duplicate_listed_ids():
    result = parse_proxy(litellm_payloads("v1.106.2/"), KEYED)
    records = by_id(result)
    assert len(records) == 254 and result.invalid_count == 0
    assert sorted(f.external_id for f in result.findings if f.kind == "duplicate_id") == [
        "openai/sora-2", "openai/sora-2-pro", "openai/sora-2-pro-high-res",
    ]  # fmt: skip
    assert records["gpt-4.1"].upstream_providers == ("openai", "azure")
    # 1.106.2's /model_group/info has no description: it comes from model_info.
    assert records["vision-pro"].details["description"] == "Premium vision model for document QA"


def test_no_wildcards_capture_has_24_names_and_only_the_visible_alias():
    result = parse_proxy(litellm_payloads("no_wildcards/"), KEYED)
    assert len(result.records) == 24 and other_findings(result) == ()
    assert not any(record.is_wildcard for record in result.records)
    assert [record.external_id for record in result.records if record.is_alias] == ["gpt-4"]


@pytest.mark.parametrize(
    ("prefix", "names", "aliases", "wildcards"),
    [
        ("key_with_alias__", {"gpt-4o-mini", "claude-3-haiku", "my-cheap-model"}, {"my-cheap-model"}, 0),
        ("team_restricted__", {"gpt-4.1", "gemini-2.5-pro", "mistral-large"}, set(), 0),
        ("key_models_restricted__", {"gpt-4o", "claude-sonnet-4-5", "text-embedding-3-small"}, set(), 0),
        ("key_access_group__", {"claude-sonnet-4-5", "vision-pro"}, set(), 0),
        ("key_with_wildcard__", None, set(), 22),
    ],
)
def test_restricted_callers_see_only_their_names(prefix, names, aliases, wildcards):
    result = parse_proxy(litellm_payloads("restricted_keys/", prefix), KEYED)
    records = by_id(result)
    assert other_findings(result) == ()
    assert names is None or set(records) == names
    assert {model_id for model_id, record in records.items() if record.is_alias} == aliases
    assert sum(record.is_wildcard for record in records.values()) == wildcards


def test_a_team_sees_both_deployments_of_a_load_balanced_group():
    gpt41 = by_id(parse_proxy(litellm_payloads("restricted_keys/", "team_restricted__"), KEYED))["gpt-4.1"]
    assert [d["model"] for d in gpt41.details["deployments"]] == ["openai/gpt-4.1", "azure/gpt-4.1-eu"]


def test_a_key_alias_seen_only_in_v1_models_takes_its_listing_values():
    alias = by_id(parse_proxy(litellm_payloads("restricted_keys/", "key_with_alias__"), KEYED))["my-cheap-model"]
    assert (alias.context_window, alias.max_output_tokens, alias.category) == (128000, 16384, "chat")
    assert alias.details == {"deployments": []} and alias.pricing_status == "unknown"


def test_float_token_limits_in_model_group_info_become_ints():
    payloads = litellm_payloads()
    payloads["model_info"]["data"] = [r for r in payloads["model_info"]["data"] if r["model_name"] != "gpt-4o-mini"]
    for item in payloads["v1_models"]["data"]:
        item.pop("max_input_tokens", None)
    record = by_id(parse_proxy(payloads, KEYED))["gpt-4o-mini"]  # now known from model_group_info: 128000.0
    assert record.context_window == 128000 and isinstance(record.context_window, int)


# --- load-balanced names: the group's facts ---------------------------------------------------
#
# The captures' one load-balanced name, gpt-4.1, has two deployments of the same model, so first-deployment and
# group facts agree there. The variants below derive groups of different models from the real rows: a real row of
# another name is added to gpt-4.1's deployments under a deployment id of its own (as a config entry gets one).
# Where the real gpt-4.1 /model_group/info entry is kept, each test first asserts it is still what LiteLLM computes
# for the derived group (Router._set_model_group_info: the widest token limits, the union of the supports_* flags
# it reports, the first deployment's mode).

GROUP_FACTS = ("category", "capabilities", "tags", "context_window", "max_output_tokens")
POOL = ("gpt-4o-mini", "o3-mini", "claude-3-5-sonnet", "text-embedding-3-small", "gemini-2.5-pro", "vision-pro")


def facts(record) -> tuple:
    return tuple(getattr(record, name) for name in GROUP_FACTS)


def rows_of(payloads: dict, name: str) -> list[dict]:
    return [row for row in payloads["model_info"]["data"] if row["model_name"] == name]


def as_deployment_of(row: dict, name: str) -> dict:
    """A real /model/info row as one more deployment of `name`, with its own deployment id."""
    info = {**row["model_info"], "id": f"{row['model_info']['id']}-in-{name}"}
    return {**row, "model_name": name, "model_info": info}


def with_deployments(payloads: dict, name: str, rows: list[dict]) -> dict:
    """`payloads` where `name` is served by exactly `rows`, in that order."""
    others = [row for row in payloads["model_info"]["data"] if row["model_name"] != name]
    return {**payloads, "model_info": {"data": others + rows}}


def without_group_facts(payloads: dict, name: str) -> dict:
    """No /model_group/info entry for `name`, and no mode or limits in its /v1/models entry: only rows speak."""
    groups = [group for group in payloads["model_group_info"]["data"] if group["model_group"] != name]
    listed = [{"id": item["id"]} if item["id"] == name else item for item in payloads["v1_models"]["data"]]
    return {**payloads, "model_group_info": {"data": groups}, "v1_models": {"data": listed}}


def group_of(payloads: dict, name: str) -> dict:
    return next(group for group in payloads["model_group_info"]["data"] if group["model_group"] == name)


def assert_litellm_would_report(group: dict, rows: list[dict]) -> None:
    """The premise of a derived variant: `group` is what LiteLLM computes for these deployments."""
    infos = [row["model_info"] for row in rows]
    for key in ("max_input_tokens", "max_output_tokens"):
        assert as_int(group[key]) == max(info[key] for info in infos if info.get(key) is not None)
    for flag, _ in GROUP_CAPABILITIES:
        assert group[flag] == any(info.get(flag) is True for info in infos), flag
    assert group["mode"] == infos[0]["mode"]


@pytest.mark.parametrize(
    ("folder", "prefix"),
    [("", ""), ("v1.106.2/", ""), ("no_wildcards/", ""), ("restricted_keys/", "team_restricted__"),
     ("restricted_keys/", "key_with_wildcard__")],
)  # fmt: skip
def test_every_public_name_has_its_model_group_info_limits_mode_and_flags(folder, prefix):
    payloads = litellm_payloads(folder, prefix)
    records = by_id(parse_proxy(payloads, KEYED))
    reported = dict(GROUP_CAPABILITIES)
    for group in payloads["model_group_info"]["data"]:
        name, record = group["model_group"], records[group["model_group"]]
        infos = [row["model_info"] for row in rows_of(payloads, name)]
        mode = group["mode"]
        # A zero limit (the moderation models' max_output_tokens) says nothing: the catalog stores none.
        assert (record.context_window, record.max_output_tokens) == (
            as_int(group["max_input_tokens"]) or None, as_int(group["max_output_tokens"]) or None
        ), name  # fmt: skip
        assert record.category == (category_for_mode(mode) if mode else category_for_name(name)), name
        assert set(record.capabilities) == {
            capability
            for flag, capability in CAPABILITY_FLAGS.items()
            if (group[flag] if flag in reported else any(info.get(flag) is True for info in infos))
        }, name


def test_a_narrower_deployment_listed_first_does_not_narrow_the_group():
    payloads = litellm_payloads()
    mini, gpt41 = rows_of(payloads, "gpt-4o-mini")[0], rows_of(payloads, "gpt-4.1")
    rows = [as_deployment_of(mini, "gpt-4.1"), *gpt41]  # gpt-4o-mini: 128k in, 16k out
    assert_litellm_would_report(group_of(payloads, "gpt-4.1"), rows)
    before = by_id(parse_proxy(payloads, KEYED))["gpt-4.1"]
    record = by_id(parse_proxy(with_deployments(payloads, "gpt-4.1", rows), KEYED))["gpt-4.1"]
    assert (record.context_window, record.max_output_tokens) == (1047576, 32768)
    assert facts(record) == facts(before) and "web_search" in record.capabilities
    assert record.details["deployments"][0]["model"] == "openai/gpt-4o-mini"


def test_flags_the_group_does_not_report_are_any_deployments():
    payloads = litellm_payloads()
    openai, azure = rows_of(payloads, "gpt-4.1")
    # Real rows: the Azure deployment has no pdf_input (nor web_search), the OpenAI one has both.
    assert azure["model_info"]["supports_pdf_input"] is None and openai["model_info"]["supports_pdf_input"] is True
    record = by_id(parse_proxy(with_deployments(payloads, "gpt-4.1", [azure, openai]), KEYED))["gpt-4.1"]
    assert {"pdf_input", "web_search", "prompt_caching", "json_schema"} <= set(record.capabilities)
    assert facts(record) == facts(by_id(parse_proxy(payloads, KEYED))["gpt-4.1"])


def test_the_group_speaks_for_the_flags_it_reports():
    payloads = litellm_payloads()
    # vision-pro's config says supports_vision; were the group to say no, the group is what the gateway tells.
    assert rows_of(payloads, "vision-pro")[0]["model_info"]["supports_vision"] is True
    group_of(payloads, "vision-pro")["supports_vision"] = False
    record = by_id(parse_proxy(payloads, KEYED))["vision-pro"]
    assert "vision" not in record.capabilities and "multimodal" not in record.tags


def test_without_a_group_entry_the_deployments_give_the_widest_limits_and_every_flag():
    payloads = litellm_payloads()
    o3, gpt41 = rows_of(payloads, "o3-mini")[0], rows_of(payloads, "gpt-4.1")
    rows = [as_deployment_of(o3, "gpt-4.1"), *gpt41]  # o3-mini: 200k in, 100k out, reasoning, no vision
    record = by_id(parse_proxy(without_group_facts(with_deployments(payloads, "gpt-4.1", rows), "gpt-4.1"), KEYED))[
        "gpt-4.1"
    ]
    assert (record.context_window, record.max_output_tokens, record.category) == (1047576, 100000, "chat")
    assert {"reasoning", "vision", "web_search", "pdf_input"} <= set(record.capabilities)
    assert record.tags == ("reasoning", "multimodal", "long-context")


def test_an_alias_onto_a_group_named_unlike_its_model_is_the_alias():
    # Derived from the capture's alias gpt-4 -> gpt-4o: the target renamed "prod-chat" in all three endpoints.
    payloads = litellm_payloads("no_wildcards/")
    for row in rows_of(payloads, "gpt-4o"):
        row["model_name"] = "prod-chat"
    group_of(payloads, "gpt-4o")["model_group"] = "prod-chat"
    next(item for item in payloads["v1_models"]["data"] if item["id"] == "gpt-4o")["id"] = "prod-chat"
    records = by_id(parse_proxy(payloads, KEYED))
    assert records["gpt-4"].is_alias and not records["prod-chat"].is_alias
    assert facts(records["gpt-4"]) == facts(records["prod-chat"])


@settings(max_examples=60, deadline=None)
@given(order=st.permutations(range(3)))
def test_the_order_of_deployments_never_changes_the_groups_facts(order):
    payloads = litellm_payloads("no_wildcards/")
    mini = rows_of(payloads, "gpt-4o-mini")[0]
    rows = [as_deployment_of(mini, "gpt-4.1"), *rows_of(payloads, "gpt-4.1")]
    expected = facts(by_id(parse_proxy(payloads, KEYED))["gpt-4.1"])
    shuffled = with_deployments(payloads, "gpt-4.1", [rows[i] for i in order])
    assert facts(by_id(parse_proxy(shuffled, KEYED))["gpt-4.1"]) == expected


@settings(max_examples=80, deadline=None)
@given(members=st.lists(st.sampled_from(POOL), min_size=1, max_size=4, unique=True), data=st.data())
def test_without_a_group_entry_any_order_of_any_deployments_gives_the_same_facts(members, data):
    payloads = litellm_payloads("no_wildcards/")
    rows = [as_deployment_of(rows_of(payloads, name)[0], "gpt-4.1") for name in members]
    shuffled = data.draw(st.permutations(rows))
    variants = [
        without_group_facts(with_deployments(payloads, "gpt-4.1", order), "gpt-4.1") for order in (rows, shuffled)
    ]
    first, second = (by_id(parse_proxy(variant, KEYED))["gpt-4.1"] for variant in variants)
    assert facts(first) == facts(second)
    infos = [row["model_info"] for row in rows]
    inputs = [info["max_input_tokens"] for info in infos if info.get("max_input_tokens")]
    assert first.context_window == (max(inputs) if inputs else None)
    assert set(first.capabilities) == {
        capability for flag, capability in CAPABILITY_FLAGS.items() if any(info.get(flag) is True for info in infos)
    }


# --- secrets ---------------------------------------------------------------------------------


def planted_secrets() -> set[str]:
    """Every secret-looking value the probe config and the proxy env put into the proxy."""
    config = yaml.safe_load((PAYLOADS / "litellm/secrets_probe/proxy_config.yaml").read_text())
    values: set[str] = {config["general_settings"]["master_key"]}
    for entry in config["model_list"]:
        params, info = entry["litellm_params"], entry.get("model_info") or {}
        values |= {v for v in [*params.values(), *info.values()] if isinstance(v, str) and "LEAK" in v}
        values |= set((params.get("extra_headers") or {}).values()) - {"analytics"}
    env = (PAYLOADS / "litellm/proxy_env.example").read_text()
    values |= {line.split("=", 1)[1] for line in env.splitlines() if "LEAK" in line}
    return values


def test_no_planted_secret_reaches_any_record():
    result = parse_proxy(litellm_payloads("secrets_probe/"), KEYED)
    text = repr(result)
    secrets = planted_secrets()
    assert len(secrets) >= 25
    assert [secret for secret in secrets if secret in text] == []
    # Nor a masked or partial form: "fake***…AK-2", a userinfo password, a query key, the organization.
    assert not any(fragment in text for fragment in ("LEAK", "fake", "****", "AKIA", "org-", "@", "?", "Bearer"))
    assert {record.external_id for record in result.records} == {
        "hdr-secret", "url-secret", "azure-ad", "bedrock-session", "vertex-creds", "custom-secret-field",
    }  # fmt: skip


def test_api_base_keeps_scheme_host_port_and_path_only():
    url_secret = by_id(parse_proxy(litellm_payloads("secrets_probe/"), KEYED))["url-secret"]
    assert url_secret.details["deployments"] == [{"model": "openai/gpt-4o-mini", "api_base": "http://127.0.0.1:9/v1"}]


@pytest.mark.parametrize(
    ("url", "kept"),
    [
        ("https://user:pw@proxy.example.com:8443/v1?key=abc#frag", "https://proxy.example.com:8443/v1"),
        ("http://127.0.0.1:11434", "http://127.0.0.1:11434"),
        ("http://[::1", ""),
        (None, ""),
        (42, ""),
    ],
)
def test_strip_credentials(url, kept):
    assert strip_credentials(url) == kept


# --- error bodies and wrong shapes -----------------------------------------------------------


@pytest.mark.parametrize(
    ("endpoint", "capture", "kind"),
    [
        ("v1_models", "litellm/unauthorized_models__no_key.json", "error_in_body"),  # 401 body
        ("model_info", "litellm/unauthorized_model_info__wrong_key.json", "error_in_body"),  # 400 no_db_connection
        ("model_info", "litellm/v2_model_info.json", "error_in_body"),  # 500 {"detail": {"error": …}}
        ("v1_models", "litellm/v1_models_one_unknown.json", "error_in_body"),  # 404 {"detail": "…"}
    ],
)
def test_error_bodies_are_payload_errors_even_inside_a_200(endpoint, capture, kind):
    payloads = litellm_payloads("no_wildcards/")
    payloads[endpoint] = load(capture)
    with pytest.raises(PayloadError) as raised:
        parse_proxy(payloads, KEYED)
    assert raised.value.kind == kind


def test_v1_106_2_plain_text_500_is_a_payload_error():
    payloads = litellm_payloads("v1.106.2/")
    payloads["model_info"] = (PAYLOADS / "litellm/v1.106.2/unauthorized_model_info__no_key.txt").read_text()
    with pytest.raises(PayloadError) as raised:
        parse_proxy(payloads, KEYED)
    assert raised.value.kind == "not_json" and "/model/info" in str(raised.value)


@pytest.mark.parametrize("endpoint", ["model_info", "v1_models", "model_group_info"])
@pytest.mark.parametrize(
    ("payload", "kind"), [({"data": "x"}, "wrong_shape"), ([], "wrong_shape"), (None, "wrong_shape")]
)
def test_wrong_shapes_on_any_endpoint_are_payload_errors(endpoint, payload, kind):
    payloads = litellm_payloads("no_wildcards/")
    payloads[endpoint] = payload
    with pytest.raises(PayloadError) as raised:
        parse_proxy(payloads, KEYED)
    assert raised.value.kind == kind


def test_invalid_items_become_findings_and_the_rest_parses():
    payloads = litellm_payloads("no_wildcards/")
    payloads["v1_models"]["data"] += ["gpt-9", {"object": "model"}, {"id": ["x"]}]
    payloads["model_info"]["data"].append({"litellm_params": {"model": "openai/x"}})
    result = parse_proxy(payloads, KEYED)
    assert len(result.records) == 24 and result.invalid_count == 4
    assert Counter(f.kind for f in other_findings(result)) == {"invalid_item": 4}


# --- the adapter -----------------------------------------------------------------------------


def test_adapter_reads_the_three_endpoints_and_never_health():
    captures = litellm_payloads("no_wildcards/")
    client = RecordingClient(
        {"/model/info": captures["model_info"], "/v1/models": captures["v1_models"],
         "/model_group/info": captures["model_group_info"]}
    )  # fmt: skip
    adapter = adapter_for(KEYED)
    result = adapter.parse(adapter.fetch(client))
    assert isinstance(adapter, LiteLLMAdapter) and len(result.records) == 24
    assert client.urls == [
        "http://127.0.0.1:4000/model/info", "http://127.0.0.1:4000/v1/models", "http://127.0.0.1:4000/model_group/info",
    ]  # fmt: skip


# --- never raises on arbitrary JSON ----------------------------------------------------------

NAMES = st.sampled_from(["gpt-4o", "gpt-4.1", "openai/*", "all-team-models", "x:free", ""])
ROW = st.fixed_dictionaries(
    {},
    optional={
        "model_name": NAMES | JSON,
        "litellm_params": st.fixed_dictionaries({}, optional={"model": NAMES | JSON, "api_base": JSON}) | JSON,
        "model_info": st.fixed_dictionaries(
            {}, optional={"id": JSON, "input_cost_per_token": JSON, "tier": JSON, "safety_score": JSON, "mode": JSON,
                          "max_input_tokens": JSON, "supports_pdf_input": JSON, "supports_vision": JSON}
        ) | JSON,
    },
)  # fmt: skip
LISTED = st.fixed_dictionaries({}, optional={"id": NAMES | JSON, "mode": JSON, "max_input_tokens": JSON}) | JSON
GROUP = st.fixed_dictionaries(
    {},
    optional={"model_group": NAMES | JSON, "providers": JSON, "max_input_tokens": JSON, "max_output_tokens": JSON,
              "mode": JSON, "supports_vision": JSON, "supports_reasoning": JSON},
)  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(rows=st.lists(ROW | JSON, max_size=6), listed=st.lists(LISTED, max_size=6), groups=st.lists(GROUP, max_size=4))
def test_arbitrary_items_become_records_or_findings_never_exceptions(rows, listed, groups):
    payloads = {"model_info": {"data": rows}, "v1_models": {"data": listed}, "model_group_info": {"data": groups}}
    result = parse_proxy(payloads, KEYED)
    assert len(result.records) <= len(listed)
    assert all("*" not in record.external_id for record in result.records)


@settings(max_examples=150, deadline=None)
@given(payload=JSON, endpoint=st.sampled_from(["model_info", "v1_models", "model_group_info"]))
def test_arbitrary_payloads_parse_or_raise_only_payload_errors(payload, endpoint):
    payloads = litellm_payloads("restricted_keys/", "team_restricted__")
    payloads[endpoint] = payload
    try:
        parse_proxy(payloads, KEYED)
    except PayloadError as error:
        assert error.kind in {"error_in_body", "wrong_shape", "not_json"}
