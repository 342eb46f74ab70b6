"""A catalog entry's effective price card, and the card and quotes as the API shows them.

The effective card of a row (issue #28's contract): the card a linked record filled (`enrichment["price_card"]
["value"]`, written by the sync's linking) when there is one, else the row's own `price_card`; `{}` is no card. A row
with no card whose price is known or free (a row synced before cards) falls back to the base card of its two per-Mtok
columns (`legacy_card`), so nothing regresses. A `variable` price has no card a cost can be promised from.

Pure: plain dicts and Decimals in and out (catalog.pricing), no database, no settings.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

from catalog.pricing import PriceCard, Quote, Usage, card_from_json, legacy_card, quote
from catalog.pricing.calculator import EXACT
from catalog.pricing.card import TOKEN_UNITS
from catalog.pricing.codec import MTOK_EXPONENT, decimal_text

NO_CARD_STATUSES = frozenset({"variable"})
TOKEN_UNIT_SET = frozenset(TOKEN_UNITS)


def effective_card_json(price_card: dict | None, enrichment: dict | None) -> dict | None:
    """The card JSON a row shows: a linked record's filled card, else its own; None for no card ({})."""
    linked = (enrichment or {}).get("price_card")
    card = linked["value"] if linked else price_card
    return card or None


def effective_card(
    card_json: dict | None, *, pricing_status: str, input_per_mtok: Decimal | None, output_per_mtok: Decimal | None,
    source: str = "legacy",
) -> PriceCard | None:  # fmt: skip
    """The PriceCard a cost is computed from, or None when no cost can be promised (module docstring)."""
    if pricing_status in NO_CARD_STATUSES:
        return None
    if card_json:
        try:
            card = card_from_json(card_json)
        except ValueError:
            card = None  # a card no one can read is no card: the two columns still price the row
        if card is not None and not card.is_empty:
            return card
    if pricing_status == "free":  # free is free, whatever the columns say (as cost_quote always priced it)
        return legacy_card(Decimal(0), Decimal(0), source)
    if pricing_status == "known" and input_per_mtok is not None and output_per_mtok is not None:
        return legacy_card(input_per_mtok, output_per_mtok, source)
    return None


def prices_requests(card: PriceCard) -> bool:
    """Whether any price of the card (base, tier, window, service tier) is per request."""
    conditions = (*card.tiers, *card.windows, *card.service_tiers.values())
    tiers = [tier for service_tier in card.service_tiers.values() for tier in service_tier.tiers]
    return "request" in card.prices or any("request" in part.prices for part in (*conditions, *tiers))


def billed_usage(card: PriceCard, usage: Usage, *, requests_stated: bool) -> Usage:
    """The usage a card bills: `requests` left at its default (1) counts only where the card states a per-request
    price; a card without one (OpenRouter's and most LiteLLM cards) charges no per-request fee the client did not
    ask about, so its quote is not made incomplete by a unit nobody used on purpose. Stated, it is priced or warned."""
    if requests_stated or not usage.requests or prices_requests(card):
        return usage
    return replace(usage, requests=0)


def card_quote(card: PriceCard, usage: Usage, *, requests_stated: bool) -> Quote:
    return quote(card, billed_usage(card, usage, requests_stated=requests_stated))


def amount_text(value: Decimal) -> str:
    """An amount as exact plain text without trailing zeros ("0.765", never "0.7650000" or "7.65E-1")."""
    return format(value.normalize(EXACT), "f")


def _unit_price(unit: str, price: Decimal, provenance: str | None = None, limits=None) -> dict[str, Any]:
    shown = {
        "price": decimal_text(price),
        "per_mtok": amount_text(price.scaleb(MTOK_EXPONENT, EXACT)) if unit in TOKEN_UNIT_SET else None,
    }
    if provenance is not None:
        shown["provenance"] = provenance
    if limits is not None:
        shown["range"] = [decimal_text(limits[0]), decimal_text(limits[1])]
    return shown


def _prices(prices, card: PriceCard | None = None) -> dict[str, dict]:
    if card is None:
        return {unit: _unit_price(unit, price) for unit, price in prices.items()}
    said, ranges = card.provenance, card.ranges
    return {unit: _unit_price(unit, price, said.get(unit), ranges.get(unit)) for unit, price in prices.items()}


def _tiers(tiers) -> list[dict]:
    return [{"threshold": t.threshold, "inclusive": t.inclusive, "prices": _prices(t.prices)} for t in tiers]


def shown_card(card: PriceCard | None) -> dict | None:
    """The whole card as the detail shows it: per unit the exact price (and per Mtok for token units), provenance
    and range; the long-context tiers, the time-of-day windows and the service tiers with their own prices."""
    if card is None:
        return None
    return {
        "prices": _prices(card.prices, card),
        "tiers": _tiers(card.tiers),
        "windows": [
            {
                "label": w.label,
                "spans": [list(span) for span in w.spans],
                "weekdays": list(w.weekdays),
                "weekday_timezone": w.weekday_timezone,
                "prices": _prices(w.prices),
            }
            for w in card.windows
        ],
        "service_tiers": {
            name: {"prices": _prices(st.prices), "tiers": _tiers(st.tiers)} for name, st in card.service_tiers.items()
        },
    }


def compact_card(card: PriceCard | None) -> dict | None:
    """The card as the list shows it: the base price per unit (exact text) and which conditions exist."""
    if card is None:
        return None
    return {
        "prices": {unit: decimal_text(price) for unit, price in card.prices.items()},
        "tiers": [tier.threshold for tier in card.tiers],
        "windows": [window.label for window in card.windows],
        "service_tiers": list(card.service_tiers),
    }


def quote_json(result: Quote) -> dict[str, Any]:
    """A quote as the API answers it: every amount exact decimal text."""
    return {
        "total_cost": amount_text(result.total_cost),
        "input_cost": amount_text(result.input_cost),
        "output_cost": amount_text(result.output_cost),
        "lines": [
            {
                "unit": line.unit,
                "quantity": line.quantity,
                "unit_price": decimal_text(line.unit_price),
                "cost": amount_text(line.cost),
                "priced_as": line.priced_as,
            }
            for line in result.lines
        ],
        "tier": result.tier,
        "window": result.window,
        "service_tier": result.service_tier,
        "complete": result.complete,
        "warnings": list(result.warnings),
    }


def card_rows(shown: dict | None) -> list[dict[str, Any]]:
    """A shown card (shown_card) as the rows of one readable table: where (base, a tier, a window, a service tier
    and its tiers), unit, price, per Mtok, provenance and range."""
    if not shown:
        return []
    rows = _rows("base", shown["prices"])
    for tier in shown["tiers"]:
        rows += _rows(_tier_label(tier), tier["prices"])
    for window in shown["windows"]:
        rows += _rows(f"window {window['label']}", window["prices"])
    for name, service_tier in shown["service_tiers"].items():
        rows += _rows(name, service_tier["prices"])
        for tier in service_tier["tiers"]:
            rows += _rows(f"{name}, {_tier_label(tier)}", tier["prices"])
    return rows


def _tier_label(tier: dict) -> str:
    return f"prompt {'≥' if tier['inclusive'] else '>'} {tier['threshold']:,} tokens"


def _rows(where: str, prices: dict[str, dict]) -> list[dict[str, Any]]:
    return [
        {"where": where, "unit": unit.replace("_", " "), "price": shown["price"], "per_mtok": shown["per_mtok"],
         "provenance": shown.get("provenance", ""), "range": " - ".join(shown.get("range") or ())}
        for unit, shown in prices.items()
    ]  # fmt: skip
