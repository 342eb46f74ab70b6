"""PriceCard <-> JSON-safe dict (decimal strings, stable key order, exact round trip), and the legacy base card."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from catalog.pricing.calculator import EXACT
from catalog.pricing.card import SERVICE_TIERS, PriceCard, ServiceTierPrices, Tier, Window

FORMAT = 1
MTOK_EXPONENT = 6  # a price per million tokens is the per-token price shifted six places: exact, never rounded


def decimal_text(value: Decimal) -> str:
    """Plain notation (no exponent), every digit of the value kept."""
    return format(value, "f")


def _prices_json(prices) -> dict[str, str]:
    return {unit: decimal_text(price) for unit, price in prices.items()}


def _tiers_json(tiers) -> list[dict[str, Any]]:
    return [{"threshold": t.threshold, "inclusive": t.inclusive, "prices": _prices_json(t.prices)} for t in tiers]


def _window_json(window: Window) -> dict[str, Any]:
    return {
        "spans": [[start, end] for start, end in window.spans],
        "weekdays": list(window.weekdays),
        "weekday_timezone": window.weekday_timezone,
        "prices": _prices_json(window.prices),
    }


def card_to_json(card: PriceCard) -> dict[str, Any]:
    """A JSON-safe dict in a stable key order; `card_from_json` turns it back into an equal card."""
    return {
        "format": FORMAT,
        "prices": _prices_json(card.prices),
        "tiers": _tiers_json(card.tiers),
        "windows": [_window_json(window) for window in card.windows],
        "service_tiers": {
            name: {"prices": _prices_json(st.prices), "tiers": _tiers_json(st.tiers)}
            for name, st in card.service_tiers.items()
        },
        "provenance": dict(card.provenance),
        "ranges": {unit: [decimal_text(low), decimal_text(high)] for unit, (low, high) in card.ranges.items()},
        "raw": card.raw,
    }


def _expect(value: Any, kind: type | tuple[type, ...], where: str) -> Any:
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise ValueError(f"{where}: expected {getattr(kind, '__name__', kind)}, got {type(value).__name__}")
    return value


def _price(text: Any, where: str) -> Decimal:
    _expect(text, str, where)
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"{where}: not a decimal: {text!r}") from None
    if not value.is_finite():
        raise ValueError(f"{where}: not a finite decimal: {text!r}")
    return value


def _prices(data: Any, where: str) -> dict[str, Decimal]:
    return {unit: _price(text, f"{where}.{unit}") for unit, text in _expect(data, dict, where).items()}


def _tiers(data: Any, where: str) -> list[Tier]:
    tiers = []
    for index, item in enumerate(_expect(data, list, where)):
        at = f"{where}[{index}]"
        _expect(item, dict, at)
        threshold = _expect(item.get("threshold"), int, f"{at}.threshold")
        inclusive = _expect(item.get("inclusive"), bool, f"{at}.inclusive")
        tiers.append(Tier(threshold, inclusive, _prices(item.get("prices"), f"{at}.prices")))
    return tiers


def _window(item: Any, at: str) -> Window:
    _expect(item, dict, at)
    spans = tuple(tuple(_expect(span, list, f"{at}.spans")) for span in _expect(item.get("spans"), list, at))
    if any(len(span) != 2 or not all(isinstance(x, int) for x in span) for span in spans):
        raise ValueError(f"{at}.spans: each span is [start, end] minutes")
    weekdays = tuple(_expect(item.get("weekdays", []), list, f"{at}.weekdays"))
    zone = _expect(item.get("weekday_timezone", "UTC"), str, f"{at}.weekday_timezone")
    return Window(spans, _prices(item.get("prices"), f"{at}.prices"), weekdays, zone)


def _windows(data: Any) -> list[Window]:
    return [_window(item, f"windows[{index}]") for index, item in enumerate(_expect(data, list, "windows"))]


def _service_tiers(data: Any) -> dict[str, ServiceTierPrices]:
    result = {}
    for name, item in _expect(data, dict, "service_tiers").items():
        at = f"service_tiers.{name}"
        if name not in SERVICE_TIERS[1:]:
            raise ValueError(f"{at}: unknown service tier")
        _expect(item, dict, at)
        result[name] = ServiceTierPrices(_prices(item.get("prices"), f"{at}.prices"), _tiers(item.get("tiers", []), at))
    return result


def _ranges(data: Any) -> dict[str, tuple[Decimal, Decimal]]:
    result = {}
    for unit, pair in _expect(data, dict, "ranges").items():
        if not isinstance(pair, list) or len(pair) != 2:
            raise ValueError(f"ranges.{unit}: expected [min, max]")
        result[unit] = (_price(pair[0], f"ranges.{unit}[0]"), _price(pair[1], f"ranges.{unit}[1]"))
    return result


def _provenance(data: Any) -> dict[str, str]:
    return {
        unit: _expect(source, str, f"provenance.{unit}") for unit, source in _expect(data, dict, "provenance").items()
    }


def card_from_json(data: Any) -> PriceCard:
    """The card `card_to_json` wrote; anything else raises ValueError saying where and why."""
    _expect(data, dict, "card")
    if data.get("format") != FORMAT:
        raise ValueError(f"format: expected {FORMAT}, got {data.get('format')!r}")
    try:
        return PriceCard(
            prices=_prices(data.get("prices", {}), "prices"),
            tiers=_tiers(data.get("tiers", []), "tiers"),
            windows=_windows(data.get("windows", [])),
            service_tiers=_service_tiers(data.get("service_tiers", {})),
            provenance=_provenance(data.get("provenance", {})),
            ranges=_ranges(data.get("ranges", {})),
            raw=data.get("raw"),
        )  # fmt: skip
    except (TypeError, KeyError) as error:  # a malformed nested value the checks above did not name
        raise ValueError(f"card: {error}") from None


def legacy_card(input_per_mtok: Decimal | None, output_per_mtok: Decimal | None, source: str = "legacy") -> PriceCard:
    """A base card from the two per-Mtok prices every catalog row had before cards (the data migration)."""
    prices = {}
    if input_per_mtok is not None:
        prices["input"] = Decimal(input_per_mtok).scaleb(-MTOK_EXPONENT, EXACT)
    if output_per_mtok is not None:
        prices["output"] = Decimal(output_per_mtok).scaleb(-MTOK_EXPONENT, EXACT)
    return PriceCard(prices=prices, provenance=dict.fromkeys(prices, source))


def per_mtok(card: PriceCard) -> tuple[Decimal | None, Decimal | None]:
    """The card's base input and output prices per million tokens, exactly."""
    return tuple(
        None if card.prices.get(unit) is None else card.prices[unit].scaleb(MTOK_EXPONENT, EXACT)
        for unit in ("input", "output")
    )  # type: ignore[return-value]
