"""catalog 0005: existing rows keep their two prices as the card's base until the next sync fills the rest."""

from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from catalog.pricing import card_from_json, legacy_card, per_mtok

BEFORE = [("catalog", "0004_links"), ("modelsync", "0008_source_disabled_reason")]
AFTER = [("catalog", "0005_llmmodel_price_card")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture
def _back_to_the_latest(transactional_db):
    """The tests after this one run on the whole schema: every app is migrated forward again, whatever failed."""
    yield
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.usefixtures("_back_to_the_latest")
def test_rows_keep_their_two_prices_as_the_card_base():
    old = _migrate(BEFORE)
    source = old.get_model("modelsync", "Source").objects.create(name="gateway", kind="litellm")
    LLMModel = old.get_model("catalog", "LLMModel")
    now = timezone.now()
    stated = {
        "known": ("known", Decimal("0.285714286"), Decimal("15")),
        "one_price": ("known", None, Decimal("0.4")),
        "free": ("free", Decimal(0), Decimal(0)),
        "unknown": ("unknown", None, None),
    }
    for name, (status, input_price, output_price) in stated.items():
        LLMModel.objects.create(
            source=source, external_id=name, model=name, display_name=name, pricing_status=status,
            input_cost_per_mtok=input_price, output_cost_per_mtok=output_price, content_hash="x",
            first_seen_at=now, last_seen_at=now,
        )  # fmt: skip

    new = _migrate(AFTER)
    cards = dict(new.get_model("catalog", "LLMModel").objects.values_list("model", "price_card"))

    assert cards["unknown"] == {}
    for name in ("known", "one_price", "free"):
        _, input_price, output_price = stated[name]
        card = card_from_json(cards[name])
        assert per_mtok(card) == (input_price, output_price)
        assert dict(card.provenance) == dict.fromkeys(card.prices, "gateway")
        assert card == legacy_card(input_price, output_price, "gateway")
    assert cards["known"]["prices"] == {"input": "0.000000285714286", "output": "0.000015"}


def test_the_tables_of_every_migration_are_back_after_it(django_db_blocker):
    """Runs after the test above (file order): the schema is the latest one again (the retirement columns, the feed
    tokens' and retirement notices' tables), so the rest of the suite does not meet an old schema."""
    with django_db_blocker.unblock():
        tables = set(connection.introspection.table_names())
        columns = {
            c.name for c in connection.introspection.get_table_description(connection.cursor(), "catalog_llmmodel")
        }
    assert {"catalog_feedtoken", "modelsync_retirementnotice"} <= tables
    assert {"staff_retirement_date", "staff_successor_id", "price_card"} <= columns
