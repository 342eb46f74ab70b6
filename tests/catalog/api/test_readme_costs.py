"""README "What a request costs": every row of its worked example, asked of the API exactly as written, answers the
total the README states (cards from the real captures: tests/catalog/cards_data.py)."""

import re
from decimal import Decimal
from pathlib import Path

import pytest

from tests.catalog.cards_data import litellm_card_json, openrouter_card_json
from tests.factories import LLMModelFactory

ROOT = Path(__file__).resolve().parents[3]
SECTION = "## What a request costs"
ROW = re.compile(r"^\| `([^`]+)` \| `([^`]+)` \| `([0-9.]+)` \|$", re.M)
CARDS = {"google/gemini-2.5-pro": lambda: openrouter_card_json("google/gemini-2.5-pro"),
         "claude-sonnet-4-5": lambda: litellm_card_json("claude-sonnet-4-5")}  # fmt: skip


def worked_example() -> list[tuple[str, str, str]]:
    section = (ROOT / "README.md").read_text().split(SECTION, 1)[1].split("\n## ", 1)[0]
    return ROW.findall(section)


def test_the_example_covers_a_long_prompt_with_cache_hits_and_batch():
    rows = worked_example()
    assert len(rows) == 5
    assert any("cache_read_tokens" in usage and "input_tokens=300000" in usage for _, usage, _ in rows)
    assert any("service_tier=batch" in usage for _, usage, _ in rows)


@pytest.mark.django_db
@pytest.mark.parametrize(("model", "usage", "total"), worked_example())
def test_each_row_is_what_the_api_answers(reader, model, usage, total):
    row = LLMModelFactory(model=model, external_id=model, price_card=CARDS[model]())
    body = reader.get(f"/api/v1/models/{row.pk}/cost/?{usage}").json()
    assert body["total_cost"] == total and body["complete"] is True
    assert Decimal(body["total_cost"]) == sum(Decimal(line["cost"]) for line in body["lines"])
