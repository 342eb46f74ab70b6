"""decimal_text: the API's exact price text from whatever a database answers (issue #24: SQLite answered an int from a
linked price inside JSON, and the list and /select/ answered 500)."""

import json
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from catalog.entries import decimal_text

# What a price column holds (max_digits=20, decimal_places=9) that a double keeps exactly: up to 15 significant digits.
prices = st.decimals(min_value=0, max_value=Decimal("99999999999"), places=9, allow_nan=False, allow_infinity=False)
exact_in_a_double = prices.filter(lambda price: len(price.normalize().as_tuple().digits) <= 15)


def _plain(text: str) -> bool:
    return "e" not in text.lower() and (text == "0" or not text.startswith("0") or text.startswith("0."))


@given(exact_in_a_double)
def test_every_spelling_a_backend_answers_gives_the_same_exact_text(price):
    text = decimal_text(price)
    assert Decimal(text) == price and _plain(text)
    assert "." not in text or not text.endswith("0")  # normalized: no trailing zeros
    spellings = [str(price), float(price), json.loads(json.dumps(float(price)))]  # a column, JSON, an annotation
    if price == price.to_integral_value():
        spellings.append(int(price))
    assert {decimal_text(spelling) for spelling in spellings} == {text}


@pytest.mark.parametrize(
    ("answered", "text"),
    [
        (3, "3"),  # SQLite: a whole price inside JSON
        (0, "0"),
        (1e-07, "0.0000001"),  # not "1e-07"
        (0.1 + 0.2, "0.3"),  # not "0.30000000000000004": 15 significant digits, as Django reads SQLite decimals
        (2.5e-06, "0.0000025"),
        ("0.60", "0.6"),
        ("1.5E-7", "0.00000015"),
        (Decimal("1E+2"), "100"),  # not "1E+2"
        (Decimal("0E-9"), "0"),
        (None, None),
    ],
)
def test_known_answers(answered, text):
    assert decimal_text(answered) == text
