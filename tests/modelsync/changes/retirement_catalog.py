"""A catalog with retirement dates from the real captures: OpenRouter's list (its `expiration_date`s, callable) and
the LiteLLM 1.109.1 capture with `deprecation_date` set on two models (tests/modelsync/retirement_captures.py)."""

from __future__ import annotations

import datetime as dt
import json

from modelsync.models import Source
from modelsync.sync.pipeline import source_sync
from tests.modelsync.fake_upstream import LITELLM_PATHS, fake_upstream
from tests.modelsync.payloads import raw
from tests.modelsync.retirement_captures import litellm_with_deprecations

# The day OpenRouter's 2026-08-22 list says six models expire (ring/ling 2.6, three Nemotron :free); the gateway's
# gpt-4o is given the same day, o3-mini OpenRouter's 2026-12-31.
DAY = dt.date(2026, 8, 24)
GATEWAY_DATES = {"gpt-4o": DAY.isoformat(), "o3-mini": "2026-12-31"}


def retirement_catalog_sync() -> tuple[Source, Source]:
    """Sync both sources from loopback upstreams serving the captures; (gateway, openrouter)."""
    with fake_upstream() as proxy, fake_upstream() as openrouter:
        for name, body in litellm_with_deprecations(GATEWAY_DATES).items():
            proxy.json(LITELLM_PATHS[name], json.dumps(body).encode())
        openrouter.json("/models", raw("openrouter/models.json"))
        gateway = Source.objects.create(name="litellm", kind="litellm", base_url=proxy.url,
                                        api_key_env="LITELLM_API_KEY")  # fmt: skip
        router = Source.objects.create(name="openrouter", kind="openrouter", base_url=openrouter.url,
                                       api_key_env="OPENROUTER_API_KEY")  # fmt: skip
        for source in (gateway, router):
            assert source_sync(source=source, trigger="cli").status in ("succeeded", "partial")
    return gateway, router
