"""Exact cost arithmetic: Decimal end to end, never float."""

from __future__ import annotations

from decimal import Decimal, localcontext

from catalog.entries import MTOK, decimal_text


class PricingUnavailable(Exception):
    """The model's price is unknown or variable: no number can be promised."""


def cost_quote(
    *, pricing_status: str, input_per_mtok: Decimal | None, output_per_mtok: Decimal | None, input_tokens: int,
    output_tokens: int,
) -> dict[str, str]:  # fmt: skip
    """USD for the given tokens as decimal strings: input_cost, output_cost, total_cost."""
    if pricing_status == "free":
        input_per_mtok = output_per_mtok = Decimal(0)
    elif pricing_status != "known" or input_per_mtok is None or output_per_mtok is None:
        raise PricingUnavailable(f"pricing is {pricing_status}: no cost can be estimated")
    with localcontext() as exact:
        exact.prec = 60  # ample for 1e9 tokens x 20-digit prices: the division by 1e6 is then exact
        input_cost = input_per_mtok * input_tokens / MTOK
        output_cost = output_per_mtok * output_tokens / MTOK
        total = input_cost + output_cost
        # Inside the context too: decimal_text() normalizes, which rounds to the context's precision (28 by default).
        return {"input_cost": decimal_text(input_cost), "output_cost": decimal_text(output_cost),
                "total_cost": decimal_text(total)}  # fmt: skip
