"""The cost arithmetic behind `GET /api/v1/models/{id}/cost/`: exact Decimal strings, checked against Fractions."""

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from catalog.costs import PricingUnavailable, cost_quote
from tests.catalog.real_catalog import openrouter_records

MAX_TOKENS = 10**9  # the API's cap on input_tokens/output_tokens (catalog/api/serializers.py)
# Every price the catalog column holds: 20 digits, 9 of them decimal places (quotes of up to 31 digits).
PRICES = st.decimals(min_value=0, max_value=Decimal("99999999999.999999999"), places=9)
TOKENS = st.integers(0, MAX_TOKENS)


def quote(status="known", input_price=None, output_price=None, input_tokens=0, output_tokens=0) -> dict[str, str]:
    return cost_quote(
        pricing_status=status, input_per_mtok=input_price, output_per_mtok=output_price,
        input_tokens=input_tokens, output_tokens=output_tokens,
    )  # fmt: skip


def exact(price: Decimal, tokens: int) -> Fraction:
    return Fraction(price) * tokens / 1_000_000


def as_plain_decimal_text(text: str) -> Fraction:
    """The value of a plain decimal string; fails on exponents, signs and trailing zeros."""
    assert text == "0" or (set(text) <= set("0123456789.") and "e" not in text.lower()), text
    assert not ("." in text and text.endswith(("0", "."))), f"{text!r} is not normalized"
    return Fraction(Decimal(text))


@pytest.mark.parametrize("record", [r for r in openrouter_records() if r.pricing_status == "known"][:60],
                         ids=lambda r: r.model)  # fmt: skip
def test_quotes_for_the_real_catalog_prices_are_exact(record):
    result = quote("known", record.input_cost_per_mtok, record.output_cost_per_mtok, 123_457, 98_765)
    input_cost, output_cost = exact(record.input_cost_per_mtok, 123_457), exact(record.output_cost_per_mtok, 98_765)
    assert as_plain_decimal_text(result["input_cost"]) == input_cost
    assert as_plain_decimal_text(result["output_cost"]) == output_cost
    assert as_plain_decimal_text(result["total_cost"]) == input_cost + output_cost


@given(input_price=PRICES, output_price=PRICES, input_tokens=TOKENS, output_tokens=TOKENS)
def test_every_price_and_token_count_gives_the_exact_cost(input_price, output_price, input_tokens, output_tokens):
    result = quote("known", input_price, output_price, input_tokens, output_tokens)
    assert set(result) == {"input_cost", "output_cost", "total_cost"}
    assert as_plain_decimal_text(result["input_cost"]) == exact(input_price, input_tokens)
    assert as_plain_decimal_text(result["output_cost"]) == exact(output_price, output_tokens)
    total = exact(input_price, input_tokens) + exact(output_price, output_tokens)
    assert as_plain_decimal_text(result["total_cost"]) == total


def test_the_largest_quote_keeps_every_digit():
    # The largest column value (20 digits) x 10 digits of tokens: beyond Decimal's default 28-digit context.
    price = Decimal("99999999999.999999999")
    result = quote("known", price, price, MAX_TOKENS - 1, MAX_TOKENS)
    assert result == {
        "input_cost": "99999999899999.999999000000001",
        "output_cost": "99999999999999.999999",
        "total_cost": "199999999899999.999998000000001",
    }


def test_results_are_plain_normalized_decimal_strings():
    assert quote("known", Decimal("2.500000000"), Decimal("10"), 1_000_000, 1_000_000) == {
        "input_cost": "2.5", "output_cost": "10", "total_cost": "12.5",
    }  # fmt: skip
    assert quote("known", Decimal("0.000000001"), Decimal(3), 1, 0) == {
        "input_cost": "0.000000000000001", "output_cost": "0", "total_cost": "0.000000000000001",
    }  # fmt: skip


def test_zero_tokens_or_zero_prices_cost_a_plain_zero():
    assert quote("known", Decimal("0.000000000"), Decimal("1.5"), 10**6, 0) == {
        "input_cost": "0", "output_cost": "0", "total_cost": "0",
    }  # fmt: skip


@pytest.mark.parametrize("prices", [(None, None), (Decimal(5), Decimal(7))])
def test_free_models_cost_nothing_whatever_prices_they_carry(prices):
    assert quote("free", *prices, input_tokens=MAX_TOKENS, output_tokens=MAX_TOKENS) == {
        "input_cost": "0", "output_cost": "0", "total_cost": "0",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("status", "input_price", "output_price"),
    [("unknown", None, None), ("variable", None, None), ("unknown", Decimal(1), Decimal(1)),
     ("known", None, Decimal(1)), ("known", Decimal(1), None), ("known", None, None)],
)  # fmt: skip
def test_no_number_is_promised_without_a_known_price(status, input_price, output_price):
    with pytest.raises(PricingUnavailable) as raised:
        quote(status, input_price, output_price, 1000, 1000)
    # The API answers this sentence to the caller (catalog/api/views.py PricingUnavailableError).
    assert str(raised.value) == f"pricing is {status}: no cost can be estimated"
