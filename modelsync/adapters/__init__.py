"""Source adapters, one per Source.kind, and the registry: a plain dict built from explicit imports."""

from __future__ import annotations

from modelsync.adapters.base import SourceAdapter, SourceConfig
from modelsync.adapters.costmap import CostMapAdapter
from modelsync.adapters.litellm import LiteLLMAdapter
from modelsync.adapters.ollama import OllamaAdapter
from modelsync.adapters.openai import OpenAIAdapter
from modelsync.adapters.openrouter import OpenRouterAdapter
from modelsync.adapters.static import StaticAdapter

ADAPTERS: dict[str, type[SourceAdapter]] = {
    adapter.kind: adapter
    for adapter in (CostMapAdapter, LiteLLMAdapter, OllamaAdapter, OpenAIAdapter, OpenRouterAdapter, StaticAdapter)
}


def adapter_for(config: SourceConfig) -> SourceAdapter:
    return ADAPTERS[config.kind](config)
