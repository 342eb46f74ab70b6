"""Pure: what a model id says about the model: its provider (vendor), its category and a display name."""

from __future__ import annotations

import re

from modelsync.sync.build import memoized
from modelsync.sync.normalize import clean_text

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
