"""Turning a source's price value into an exact Decimal, or a finding saying why not."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

# No unit of any source costs a million dollars; a larger number is a mistake, or an integer past 64 bits that one
# JSON decoder gives as an int and another as the nearest float (modelsync.sync.jsonio): no price either way.
MAX_PRICE = Decimal(10) ** 6


def price_value(key: str, value: object, findings: list[str]) -> Decimal | None:
    """The source's digits exactly: strings as written, floats via their repr (2.857142857142857e-07 stays so).

    Anything else — a bool, a non-number, a negative (OpenRouter's "-1" for router models whose price varies) — is
    appended to `findings` and gives None, so the unit stays absent rather than wrong.
    """
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        findings.append(f"{key}: not a price: {value!r}")
        return None
    try:
        price = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    except InvalidOperation:
        findings.append(f"{key}: not a price: {value!r}")
        return None
    if not price.is_finite() or price < 0 or price > MAX_PRICE:
        findings.append(f"{key}: not a usable price: {value!r}")
        return None
    return price
