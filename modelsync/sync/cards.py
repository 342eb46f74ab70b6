"""Pure: each source's price object -> the card JSON a record carries (catalog.pricing), with the parser's findings.

Provenance per unit is the source's name. A catalog repeats a few hundred price objects over thousands of models,
and a sync repeats the last one's, so parsing is memoized on the object's canonical bytes (SPEC §9). The card JSON
returned is shared between records: callers never change it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import orjson

from catalog.pricing import PriceCard, card_from_json, card_from_litellm, card_from_openrouter, card_to_json, group_card
from catalog.pricing.codec import decimal_text
from catalog.pricing.source_litellm import is_price_key
from modelsync.sync.build import memoized
from modelsync.sync.records import Finding

FINDING_KIND = "unknown_price_key"  # a price key or value the card cannot state; kept in the card's raw
NO_CARD: dict[str, Any] = {}
# Said by the per-Mtok columns' own findings (normalize.pricing: variable "-1", negative, out of range), not twice.
COLUMN_KEYS = ("prompt:", "completion:")
NOT_PRICES = frozenset({"pricing_overrides"})  # LiteLLM's list of the cost keys a config overrode: no price
CardJSON = dict[str, Any]


def card_findings(external_id: str, notes: Sequence[str]) -> list[Finding]:
    """The parser's notes as run findings: recorded, never counted as invalid items."""
    return [Finding(FINDING_KIND, f"price card: {note}", external_id, counts_as_invalid=False) for note in notes]


def _named(card: PriceCard, source: str) -> PriceCard:
    return dataclasses.replace(card, provenance=dict.fromkeys(card.prices, source))


def _key(value: dict) -> bytes:
    """The memo key of a price object; a TypeError for what JSON cannot key (then it is parsed each time)."""
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)


def openrouter_card(external_id: str, pricing: dict, source: str) -> tuple[CardJSON, list[Finding]]:
    """The card of an OpenRouter `pricing` object (its `overrides` inside), and findings."""
    if not pricing:
        return NO_CARD, []
    try:
        card, notes = _openrouter(_key(pricing), source)
    except (TypeError, orjson.JSONEncodeError):  # what cannot be a memo key is parsed each time
        card, notes = _openrouter_parsed(pricing, source)
    if not notes:  # most price objects: nothing to say
        return card, []
    return card, card_findings(external_id, [note for note in notes if not note.startswith(COLUMN_KEYS)])


@memoized(4096)
def _openrouter(key: bytes, source: str) -> tuple[CardJSON, tuple[str, ...]]:
    return _openrouter_parsed(orjson.loads(key), source)


def _openrouter_parsed(pricing: dict, source: str) -> tuple[CardJSON, tuple[str, ...]]:
    card, notes = card_from_openrouter(pricing)
    return card_to_json(_named(card, source)), tuple(notes)


def litellm_price_keys(model_info: dict) -> dict:
    """The part of a LiteLLM entry the card reads: its cost keys and the provider (which sets tier inclusivity)."""
    keys = {
        key: value
        for key, value in model_info.items()
        if is_price_key(key) and value is not None and key not in NOT_PRICES
    }
    if keys and isinstance(provider := model_info.get("litellm_provider"), str):
        keys["litellm_provider"] = provider
    return keys


def litellm_card(external_id: str, model_info: dict, source: str) -> tuple[PriceCard, list[Finding]]:
    """The card of a LiteLLM `/model/info` model_info or cost-map entry, and findings."""
    keys = litellm_price_keys(model_info)
    try:
        card_json, notes = _litellm(_key(keys), source)
        card = card_from_json(card_json)
    except (TypeError, orjson.JSONEncodeError):
        card, notes = _litellm_parsed(keys, source)
    return card, card_findings(external_id, notes)


def litellm_card_json(external_id: str, model_info: dict, source: str) -> tuple[CardJSON, list[Finding]]:
    """As litellm_card, as JSON (one deployment, the cost map)."""
    keys = litellm_price_keys(model_info)
    if not keys:
        return NO_CARD, []
    try:
        card_json, notes = _litellm(_key(keys), source)
    except (TypeError, orjson.JSONEncodeError):
        card, notes = _litellm_parsed(keys, source)
        card_json = card_to_json(card)
    return card_json, card_findings(external_id, notes)


@memoized(4096)
def _litellm(key: bytes, source: str) -> tuple[CardJSON, tuple[str, ...]]:
    card, notes = _litellm_parsed(orjson.loads(key), source)
    return card_to_json(card), notes


def _litellm_parsed(keys: dict, source: str) -> tuple[PriceCard, tuple[str, ...]]:
    card, notes = card_from_litellm(keys)
    return _named(card, source), tuple(notes)


def group_card_json(group_input: Decimal | None, group_output: Decimal | None, cards: Sequence[PriceCard]) -> CardJSON:
    """The card of a load-balanced name: the gateway's group price for input and output, the deployments' for the
    rest (catalog.pricing.group_card), as plain JSON (the group prices in its raw as decimal strings)."""
    card_json = card_to_json(group_card(group_input, group_output, cards))
    return orjson.loads(orjson.dumps(card_json, default=_plain))


def _plain(value: Any) -> str:
    if isinstance(value, Decimal):
        return decimal_text(value)
    raise TypeError(f"not JSON-serializable: {type(value).__name__}")


def free_card(source: str) -> CardJSON:
    """A local model's card: input and output known to cost nothing."""
    return _free_card(source)


@memoized(64)
def _free_card(source: str) -> CardJSON:
    zero = Decimal(0)
    return card_to_json(
        PriceCard(prices={"input": zero, "output": zero}, provenance=dict.fromkeys(("input", "output"), source))
    )
