"""Pure normalization helpers shared by the adapters: payload shape, ids, provider, category, names, prices, flags.

Nothing here raises on arbitrary JSON: a helper given the wrong type answers None/""/() and the adapter records a
finding. The one exception is payload_items(), which raises PayloadError when a whole payload has the wrong shape.
"""

from __future__ import annotations

import fnmatch
import hashlib
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import TypeVar

from modelsync.exceptions import PayloadError
from modelsync.sync.jsonio import RawItem, load_item
from modelsync.sync.records import Finding, ModelRecord, ParseResult
from modelsync.sync.recordset import dedupe

MTOK = Decimal(1_000_000)
PRICE_QUANTUM = Decimal("1e-9")  # the catalog stores $/Mtok with 9 decimal places
MAX_PER_MTOK = Decimal("1e10")  # the column holds 11 integer digits; anything near that is not a real price
MAX_INT = 2_147_483_647  # PostgreSQL integer: a larger token count is garbage, not a model
MAX_ID_LENGTH = 512  # LLMModel.external_id / model
ERROR_KEYS = ("error", "detail", "errors")
PRICE_PROBLEMS = {
    "negative_price": "negative price ignored",
    "price_out_of_range": "absurd price ignored",
    "free_with_cost": "marked free but has a non-zero price",
}
VARIABLE = frozenset({"-1", -1})  # OpenRouter's "price decided per request" (openrouter/auto); -1.0 == -1 too

# Vendor names as upstreams spell them -> the catalog's provider enum.
PROVIDER_ALIASES = {
    "openai": "openai", "azure": "openai", "azure_ai": "openai", "text-completion-openai": "openai",
    "anthropic": "anthropic", "google": "google", "gemini": "google", "vertex_ai": "google",
    "vertex_ai-language-models": "google", "mistral": "mistral", "mistralai": "mistral", "codestral": "mistral",
    "meta": "meta", "meta-llama": "meta", "meta_llama": "meta", "cohere": "cohere", "cohere_chat": "cohere",
    "deepseek": "deepseek", "xai": "xai", "x-ai": "xai", "amazon": "amazon", "bedrock": "amazon",
    "microsoft": "microsoft", "qwen": "qwen", "alibaba": "qwen", "dashscope": "qwen", "nvidia": "nvidia",
    "nvidia_nim": "nvidia", "perplexity": "perplexity", "moonshot": "moonshot", "moonshotai": "moonshot",
    "z-ai": "zhipu", "zai": "zhipu", "zhipuai": "zhipu", "minimax": "minimax",
}  # fmt: skip
# Hosts that serve other vendors' models: the vendor is read from the model name instead.
HOSTS = {"azure", "bedrock", "vertex_ai", "openrouter", "groq", "together_ai", "fireworks_ai", "ollama", "hosted_vllm"}
MODEL_HINTS = (
    ("claude", "anthropic"), ("gpt", "openai"), ("o1", "openai"), ("o3", "openai"), ("o4", "openai"),
    ("dall-e", "openai"), ("whisper", "openai"), ("tts", "openai"), ("text-embedding", "openai"),
    ("davinci", "openai"), ("babbage", "openai"), ("gemini", "google"), ("gemma", "google"),
    ("mistral", "mistral"), ("mixtral", "mistral"), ("codestral", "mistral"), ("llama", "meta"),
    ("command", "cohere"), ("deepseek", "deepseek"), ("grok", "xai"), ("nova", "amazon"), ("titan", "amazon"),
    ("phi", "microsoft"), ("qwen", "qwen"), ("kimi", "moonshot"), ("glm", "zhipu"), ("minimax", "minimax"),
)  # fmt: skip

CATEGORY_BY_MODE = {
    "chat": "chat", "responses": "chat", "completion": "completion", "embedding": "embedding",
    "image_generation": "image_generation", "audio_transcription": "audio_transcription",
    "audio_speech": "audio_speech", "rerank": "rerank", "moderation": "moderation", "moderations": "moderation",
}  # fmt: skip

NAME_CATEGORY_HINTS = (
    ("embed", "embedding"), ("whisper", "audio_transcription"), ("transcribe", "audio_transcription"),
    ("tts", "audio_speech"), ("dall-e", "image_generation"), ("gpt-image", "image_generation"),
    ("moderation", "moderation"), ("rerank", "rerank"), ("davinci", "completion"), ("babbage", "completion"),
    ("turbo-instruct", "completion"),
)  # fmt: skip

_DATE_SUFFIX = re.compile(r"-(\d{4})-?(\d{2})-?(\d{2})$")
_O_SERIES = re.compile(r"o\d+")  # OpenAI's o1, o3, o4 keep their lower-case o
_SMALL_WORDS = {"mini", "nano", "pro", "turbo", "instruct", "preview", "latest"}
_UPPER_WORDS = {"gpt": "GPT", "glm": "GLM", "ai": "AI", "tts": "TTS", "hd": "HD", "vl": "VL", "r1": "R1"}
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_SECRET_LIKE = re.compile(r"(?i)\b(?:bearer\s+\S+|(?:sk|pk|rk|key)-[a-z0-9_\-]{6,})")


_MEMOIZED: list = []
_Function = TypeVar("_Function", bound=Callable)


def memoized(maxsize: int) -> Callable[[_Function], _Function]:
    """functools.lru_cache, registered so clear_caches() can forget it: a sync repeats the previous one's values."""

    def decorate(function: _Function) -> _Function:
        cached = lru_cache(maxsize=maxsize)(function)
        _MEMOIZED.append(cached)
        return cached

    return decorate


def payload_items(payload: object, key: str, *, endpoint: str) -> list:
    """The item list under `key` of a JSON object; PayloadError for an error inside a 200 or any other shape."""
    if isinstance(payload, dict):
        if any(payload.get(name) for name in ERROR_KEYS) and not isinstance(payload.get(key), list):
            raise PayloadError(f"{endpoint} answered 200 with an error object instead of {key!r}", kind="error_in_body")
        items = payload.get(key)
        if isinstance(items, list):
            return items
        raise PayloadError(f"{endpoint}: expected a list under {key!r}, got {_kind(items)}", kind="wrong_shape")
    if isinstance(payload, str | bytes):  # e.g. LiteLLM 1.106.2's plain-text "Internal Server Error"
        raise PayloadError(f"{endpoint}: expected a JSON object, got text", kind="not_json")
    raise PayloadError(f"{endpoint}: expected a JSON object with {key!r}, got {_kind(payload)}", kind="wrong_shape")


def _kind(value: object) -> str:
    return "nothing" if value is None else type(value).__name__


class InvalidItem(ValueError):
    """One upstream item cannot become a record; the message is recorded as a finding."""


Builder = Callable[[object], tuple[ModelRecord, list[Finding]]]
Outcome = tuple[ModelRecord | None, tuple[Finding, ...]]
BUILT_SOURCES_KEPT = 16  # sources whose last list a process remembers (see build_records)
_built_by_source: OrderedDict[Hashable, dict[bytes, Outcome]] = OrderedDict()
_built_lock = threading.Lock()


def build_records(
    items: Iterable[object], build: Builder, *, id_keys: tuple[str, ...] = ("id",), memo_key: Hashable | None = None
) -> ParseResult:
    """Every item becomes a record or an invalid_item finding; duplicates are reduced to one, order-independently.

    `id_keys` name where the upstream keeps the external id, so an invalid item's finding carries the id its row
    has (and that row is not counted missing); a display name would protect the wrong row.

    Undecoded items (jsonio.RawItem) are remembered by a sha256 of their bytes under `memo_key`, which names the
    source and everything `build` reads besides the item: the next list of that source decodes and builds only the
    items that changed, and replays the record and findings of the rest (SPEC §9). The memo holds the last list of
    BUILT_SOURCES_KEPT sources per process, keyed by digest: never the items' bytes.
    """
    remembered = _built_by_source.get(memo_key, {}) if memo_key is not None else {}
    built: dict[bytes, Outcome] = {}
    records: list[ModelRecord] = []
    findings: list[Finding] = []
    for item in items:
        if item.__class__ is RawItem:
            digest = hashlib.sha256(item).digest()
            outcome = built.get(digest) or remembered.get(digest) or _outcome(item, build, id_keys)
            built[digest] = outcome
        else:
            outcome = _outcome(item, build, id_keys)
        if outcome[0] is not None:
            records.append(outcome[0])
        findings.extend(outcome[1])
    if memo_key is not None:
        _remember(memo_key, built)
    kept, duplicates = dedupe(records)
    return ParseResult(tuple(kept), (*findings, *duplicates))


def _outcome(item: object, build: Builder, id_keys: tuple[str, ...]) -> Outcome:
    """(record, its findings), or (None, an invalid_item finding). PayloadError when a RawItem is not JSON."""
    if item.__class__ is RawItem:
        item = load_item(item)
    try:
        record, findings = build(item)
    except (InvalidItem, TypeError, ValueError, AttributeError, KeyError, ArithmeticError) as exc:
        # The message names the problem, never echoes the item: it may hold upstream secrets.
        reason = str(exc) if isinstance(exc, InvalidItem) else f"unreadable item ({type(exc).__name__})"
        return None, (Finding("invalid_item", reason, item_id(item, *id_keys)),)
    return record, tuple(findings)


def _remember(memo_key: Hashable, built: dict[bytes, Outcome]) -> None:
    """Keep this list's outcomes in place of the source's last ones; forget the source least recently synced."""
    with _built_lock:
        _built_by_source.pop(memo_key, None)
        _built_by_source[memo_key] = built
        while len(_built_by_source) > BUILT_SOURCES_KEPT:
            _built_by_source.popitem(last=False)


def valid_id(value: object) -> str | None:
    """An upstream id usable as external_id: a non-blank printable string that fits the column."""
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_ID_LENGTH or not value.isprintable():
        return None
    return value


def require_id(value: object, what: str = "id") -> str:
    model_id = valid_id(value)
    if model_id is None:
        raise InvalidItem(f"missing or invalid {what}")
    return model_id


def item_id(item: object, *keys: str) -> str | None:
    """The id of an item for a finding, if it has a readable one."""
    if not isinstance(item, dict):
        return None
    for key in keys:
        if model_id := valid_id(item.get(key)):
            return model_id
    return None


def as_dict(value: object) -> dict:
    return value if isinstance(value, dict) else {}


def str_list(value: object) -> tuple[str, ...]:
    """The strings of a JSON list; anything else (a string, an object, null) is no list at all."""
    return tuple([v for v in value if v.__class__ is str]) if value.__class__ is list else ()


def provider_for(raw_provider: str, model_name: str) -> tuple[str, str]:
    """(canonical provider, raw string): a host's name gives way to the vendor its model name reveals."""
    return _vendor(raw_provider) or _provider_by_name(raw_provider, model_name)


@memoized(1024)
def _vendor(raw_provider: str) -> tuple[str, str] | None:
    """The provider a vendor's own name gives, whatever the model (most ids): cached per vendor, not per model."""
    raw = (raw_provider or "").strip().lower()
    if raw in PROVIDER_ALIASES and raw not in HOSTS:
        return PROVIDER_ALIASES[raw], clean_text(raw_provider, 128)
    return None


@memoized(8192)
def _provider_by_name(raw_provider: str, model_name: str) -> tuple[str, str]:
    raw = (raw_provider or "").strip().lower()
    kept = clean_text(raw_provider, 128)
    name = model_name.lower().rstrip("/").rsplit("/", 1)[-1]
    # The family a name starts with wins over one it mentions: deepseek-r1-distill-llama is DeepSeek's model.
    for hint, provider in MODEL_HINTS:
        if name.startswith(hint):
            return provider, kept
    for hint, provider in MODEL_HINTS:
        if f".{hint}" in name or f"-{hint}" in name:  # "anthropic.claude-…", "corp-gpt4o-…"
            return provider, kept
    return PROVIDER_ALIASES.get(raw, "other"), kept


def category_for_mode(mode: object) -> str:
    return CATEGORY_BY_MODE.get(mode, "other") if isinstance(mode, str) else "other"


@memoized(8192)
def category_for_name(model_id: str) -> str:
    """A guess from the name when the upstream gives no mode: non-chat families by name, else chat."""
    lowered = model_id.lower()
    return next((category for hint, category in NAME_CATEGORY_HINTS if hint in lowered), "chat")


def _word(token: str) -> str:
    if token in _UPPER_WORDS:
        return _UPPER_WORDS[token]
    if token in _SMALL_WORDS or token[:1].isdigit() or _O_SERIES.fullmatch(token):
        return token
    return token[:1].upper() + token[1:]


@memoized(8192)
def display_name(model_id: str) -> str:
    """'gpt-4o-mini' -> 'GPT-4o mini'; 'claude-3-5-sonnet-20241022' -> 'Claude 3.5 Sonnet (2024-10-22)'."""
    name = model_id.rstrip("/").rsplit("/", 1)[-1].split(":", 1)[0]
    date = ""
    if match := _DATE_SUFFIX.search(name):
        date = f" ({match[1]}-{match[2]}-{match[3]})"
        name = name[: match.start()]
    tokens = [t for t in name.replace("_", "-").split("-") if t]
    merged: list[str] = []
    for token in tokens:  # "3-5" is a version: 3.5
        if merged and token.isdigit() and len(token) == 1 and merged[-1].isdigit() and len(merged[-1]) == 1:
            merged[-1] = f"{merged[-1]}.{token}"
        else:
            merged.append(token.lower())
    if not merged:
        return clean_text(model_id, 255)
    if merged[0] == "gpt" and len(merged) > 1:  # "GPT-4o", not "GPT 4o"
        merged[:2] = [f"GPT-{merged[1]}"]
        return clean_text(" ".join([merged[0], *map(_word, merged[1:])]) + date, 255)
    return clean_text(" ".join(map(_word, merged)) + date, 255)


def to_decimal(value: object) -> Decimal | None:
    """A price as upstreams send it (str, int, float) -> exact Decimal; floats go through repr, never arithmetic."""
    if value.__class__ is float:
        value = repr(value)  # 1e-07 -> Decimal("1E-7"), not the binary expansion
    elif value.__class__ is int:
        return Decimal(value) if -(10**30) < value < 10**30 else None
    if value.__class__ is not str or len(value) > 64:  # bool, None, lists, objects, absurdly long strings
        return None
    try:
        number = Decimal(value)  # surrounding whitespace is accepted, as JSON producers sometimes add it
    except InvalidOperation:
        return None
    # Exponents beyond 30 are no price; refusing them here keeps later arithmetic from overflowing.
    return number if number.is_finite() and number.adjusted() <= 30 else None


def per_mtok(per_token: Decimal | None) -> Decimal | None:
    """$/token -> $/Mtok at the catalog's 9 places; None when there is none or it cannot be a real price."""
    if per_token is None:
        return None
    value = per_token * MTOK
    if value >= MAX_PER_MTOK:
        return None
    return value.quantize(PRICE_QUANTUM)


def as_int(value: object) -> int | None:
    """A token count (int, or the float `64000.0` model_group_info sends) -> int; anything else -> None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and 0 <= value <= MAX_INT:
        return value
    return None


def pricing(
    external_id: str, input_per_token: object, output_per_token: object, *, source_says_free: bool
) -> tuple[dict, list[Finding]]:
    """Pricing fields for a record, and findings. Free needs zero prices *and* the source saying free (SPEC §5)."""
    try:
        fields, problem = _pricing(input_per_token, output_per_token, source_says_free)
    except TypeError:  # unhashable prices (lists, objects) cannot be cached; they are no prices either
        fields, problem = _pricing_uncached(input_per_token, output_per_token, source_says_free)
    if problem is None:
        return fields, []
    return fields, [Finding(problem, PRICE_PROBLEMS[problem], external_id, counts_as_invalid=False)]


@memoized(4096)
def _pricing(input_per_token: object, output_per_token: object, source_says_free: bool) -> tuple[dict, str | None]:
    # Cached: a catalog has few distinct price pairs, and a sync repeats the last one's. Callers never mutate.
    return _pricing_uncached(input_per_token, output_per_token, source_says_free)


def _pricing_uncached(input_per_token: object, output_per_token: object, says_free: bool) -> tuple[dict, str | None]:
    """(pricing fields, problem kind or None) for one pair of per-token prices."""
    if _is_variable(input_per_token) or _is_variable(output_per_token):
        return {"pricing_status": "variable"}, None
    prices = (to_decimal(input_per_token), to_decimal(output_per_token))
    if (prices[0] is not None and prices[0] < 0) or (prices[1] is not None and prices[1] < 0):
        return {"pricing_status": "unknown"}, "negative_price"
    per_mtoks = (per_mtok(prices[0]), per_mtok(prices[1]))
    if (prices[0] is not None and per_mtoks[0] is None) or (prices[1] is not None and per_mtoks[1] is None):
        return {"pricing_status": "unknown"}, "price_out_of_range"
    if says_free:
        if prices[0] or prices[1]:
            return _known(per_mtoks), "free_with_cost"
        return free_pricing(), None
    if None in prices or not (prices[0] or prices[1]):  # a zero or missing price alone says nothing
        return {"pricing_status": "unknown"}, None
    return _known(per_mtoks), None


@memoized(4096)
def is_positive_price(value: object) -> bool:
    """A priced extra (cache reads, web search) the model offers: a price above zero."""
    price = to_decimal(value)
    return price is not None and price > 0


def _is_variable(value: object) -> bool:
    return (value.__class__ is str or value.__class__ is int) and value in VARIABLE


def _known(per_mtoks: tuple[Decimal | None, Decimal | None]) -> dict:
    # Only called with at least one non-zero price that fits the column, so at least one per-Mtok price is set.
    return {"pricing_status": "known", "input_cost_per_mtok": per_mtoks[0], "output_cost_per_mtok": per_mtoks[1]}


def free_pricing() -> dict:
    """Pricing fields of a model the source itself says is free (a local model): no cost to check."""
    return {"pricing_status": "free", "input_cost_per_mtok": Decimal(0), "output_cost_per_mtok": Decimal(0),
            "is_free": True}  # fmt: skip


def safety_score(value: object) -> Decimal | None:
    """An untrusted model_info value: used only when it is a JSON number in [0, 1]."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    score = to_decimal(value)
    return score.quantize(Decimal("0.001")) if score is not None and 0 <= score <= 1 else None


def matches_any(name: str, patterns: tuple[str, ...]) -> bool:
    """Whether a glob of config.recommended_patterns (or include/exclude lists) matches the name, case-sensitively."""
    return bool(patterns) and _globs(patterns).match(name) is not None


@memoized(64)
def _globs(patterns: tuple[str, ...]) -> re.Pattern:
    """One compiled regex for a tuple of globs: a sync tests every model against the same patterns."""
    return re.compile("|".join(f"(?:{fnmatch.translate(pattern)})" for pattern in patterns))


def derive_tags(*, is_free: bool, capabilities: tuple[str, ...], context_window: int | None) -> tuple[str, ...]:
    tags = []
    if is_free:
        tags.append("free")
    if "reasoning" in capabilities:
        tags.append("reasoning")
    if "vision" in capabilities:
        tags.append("multimodal")
    if context_window and context_window >= 1_000_000:
        tags.append("long-context")
    return tuple(tags)


def iso_datetime(value: object) -> datetime | None:
    """An ISO date or datetime string -> aware datetime (UTC when no offset); anything else -> None."""
    if not isinstance(value, str) or len(value) > 64:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def clean_text(value: object, limit: int = 500) -> str:
    """Untrusted upstream text: a string, without control characters or key-like tokens, truncated."""
    # Cut first (descriptions can be long, and the cache keeps its keys); the margin keeps a key whole for redaction.
    return _clean_text(value[: limit + 100], limit) if value.__class__ is str else ""


@memoized(16384)
def _clean_text(text: str, limit: int) -> str:
    # Cached: a sync repeats the previous one's names and descriptions, and cleaning is the costly part of a model.
    if not text.isprintable():  # newlines mostly: a space each; other unprintables (rare) are dropped
        text = _CONTROL.sub(" ", text)
        if not text.isprintable():
            text = "".join(ch for ch in text if ch.isprintable())
    lowered = text.lower()
    # A cheap gate before the slow regex: these substrings are what every key-like token starts with.
    if "bearer" in lowered or "sk-" in lowered or "key-" in lowered or "pk-" in lowered or "rk-" in lowered:
        text = _SECRET_LIKE.sub("[redacted]", text)
    return text[:limit]


def clear_caches() -> None:
    """Forget every memoized value and remembered list (benchmarks measure a cold first sync with it)."""
    for cached in _MEMOIZED:
        cached.cache_clear()
    with _built_lock:
        _built_by_source.clear()
