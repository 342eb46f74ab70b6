"""Selection candidates built from the real OpenRouter capture, replicated to any size (no database needed)."""

from __future__ import annotations

import json
from dataclasses import replace
from functools import cache
from pathlib import Path

from catalog.candidates import Candidate
from catalog.pricing import card_from_openrouter
from modelsync.adapters.base import SourceConfig
from modelsync.adapters.openrouter import parse_models
from modelsync.sync.records import ModelRecord

PAYLOAD = Path(__file__).resolve().parents[1] / "modelsync" / "payloads" / "openrouter" / "models.json"


@cache
def openrouter_records() -> tuple[ModelRecord, ...]:
    """The 421 models of the real snapshot, parsed by the production parser."""
    config = SourceConfig(name="openrouter", kind="openrouter", base_url="https://openrouter.ai/api/v1")
    return tuple(parse_models(json.loads(PAYLOAD.read_text()), config).records)


@cache
def openrouter_cards() -> dict:
    """Each model's price card as the capture states it (catalog.pricing.card_from_openrouter), by external id."""
    return {m["id"]: card_from_openrouter(m["pricing"])[0] for m in json.loads(PAYLOAD.read_text())["data"]}


def candidate_from_record(record: ModelRecord, *, id_: int, popularity: int = 0) -> Candidate:
    return Candidate(
        id=id_,
        model=record.model,
        provider=record.provider,
        category=record.category,
        capabilities=frozenset(record.capabilities),
        context_window=record.context_window,
        max_output_tokens=record.max_output_tokens,
        pricing_status=record.pricing_status,
        input_cost=record.input_cost_per_mtok,
        output_cost=record.output_cost_per_mtok,
        is_free=record.is_free,
        safety_score=record.safety_score,
        popularity=popularity,
        is_recommended=record.is_recommended,
        card=openrouter_cards().get(record.external_id),
    )


def real_candidates(count: int) -> tuple[Candidate, ...]:
    """`count` candidates: the real models, repeated under new names (copy n of x is "x#n") with varied popularity."""
    records = openrouter_records()
    built = []
    for index in range(count):
        record = records[index % len(records)]
        copy = index // len(records)
        candidate = candidate_from_record(record, id_=index + 1, popularity=(index * 7919) % 1000)
        built.append(replace(candidate, model=f"{record.model}#{copy}") if copy else candidate)
    return tuple(built)
