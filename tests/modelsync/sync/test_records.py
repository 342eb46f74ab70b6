"""ModelRecord's synced values and content hash: equal hash = nothing to write, so it must see every synced value."""

import hashlib
from dataclasses import fields, replace
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from modelsync.sync.records import Finding, ModelRecord, ParseResult
from tests.catalog.real_catalog import openrouter_records

# The values the OpenRouter parser makes of `stealth/ox-alpha` in openrouter/models.json (the real capture of
# 2026-08-22, tests/modelsync/payloads/README), with the prices of `openai/gpt-4o-mini` from the same capture.
OX_ALPHA = ModelRecord(
    external_id="stealth/ox-alpha", model="stealth/ox-alpha", display_name="Ox Alpha", provider="other",
    provider_raw="stealth", category="chat", capabilities=("function_calling", "json_schema", "reasoning", "vision"),
    tags=("reasoning", "multimodal", "long-context"), context_window=1048576, max_output_tokens=131072,
    pricing_status="known", input_cost_per_mtok=Decimal("0.150000000"), output_cost_per_mtok=Decimal("0.600000000"),
    expires_at=datetime(2098, 12, 31, tzinfo=UTC),
    details={"description": "Ox Alpha is a reasoning model designed for coding", "canonical_slug": "stealth/ox-alpha"},
)  # fmt: skip


def ox_alpha(**changes) -> ModelRecord:
    """A fresh copy (with changes): a record memoizes its hash, and a test must compute the one it checks."""
    return replace(OX_ALPHA, **changes)


SYNCED = [f.name for f in fields(ModelRecord) if f.name not in ("external_id", "_hash")]


def test_a_card_is_hashed_after_the_details_and_no_card_hashes_as_before_cards():
    card = {"format": 1, "prices": {"output": "0.0000006", "input": "0.00000015"}}
    details = '{"canonical_slug":"stealth/ox-alpha","description":"Ox Alpha is a reasoning model designed for coding"}'
    spelled = '{"format":1,"prices":{"input":"0.00000015","output":"0.0000006"}}'
    assert ox_alpha(price_card=card).content_hash() == sha256_of(f"{CANONICAL_WITHOUT_DETAILS}{details},{spelled}]")
    assert ox_alpha(price_card={}).content_hash() == ox_alpha().content_hash()


def test_the_hash_of_a_record_is_stable_across_releases():
    # Stored on every row: a different digest for the same values would make the first sync after an upgrade
    # rewrite the whole catalog. Change it only together with a data migration.
    assert ox_alpha().content_hash() == "0eefcfd26a24f9d7aad142be90468851e954dc035af0c4e5ea3895df92942bcd"


# The plain fields, then prices by value, the expiry and the details (sorted keys) as compact JSON.
CANONICAL_WITHOUT_DETAILS = (
    '["stealth/ox-alpha","Ox Alpha","other","stealth",[],"chat",'
    '["function_calling","json_schema","reasoning","vision"],["reasoning","multimodal","long-context"],'
    '1048576,131072,"known",false,true,false,false,false,false,"0.15","0.6",null,"2098-12-31T00:00:00+00:00",'
)


def sha256_of(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def test_the_hash_is_sha256_of_the_values_as_compact_json_in_field_order():
    details = '{"canonical_slug":"stealth/ox-alpha","description":"Ox Alpha is a reasoning model designed for coding"}'
    assert ox_alpha().content_hash() == sha256_of(f"{CANONICAL_WITHOUT_DETAILS}{details}]")


def test_the_hash_fits_the_catalog_column_and_is_repeatable():
    digest = ox_alpha().content_hash()
    assert len(digest) == 64 and set(digest) <= set("0123456789abcdef")  # catalog content_hash max_length=64
    assert ox_alpha().content_hash() == digest == ox_alpha().content_hash()


def test_synced_values_are_every_field_but_the_identity_as_the_row_stores_them():
    values = OX_ALPHA.synced_values()
    assert list(values) == SYNCED
    assert values["capabilities"] == list(OX_ALPHA.capabilities) and isinstance(values["capabilities"], list)
    assert values["tags"] == ["reasoning", "multimodal", "long-context"] and values["upstream_providers"] == []
    assert {name: value for name, value in values.items() if name not in ("capabilities", "tags",
            "upstream_providers")} == {name: getattr(OX_ALPHA, name) for name in SYNCED if name not in (
            "capabilities", "tags", "upstream_providers")}  # fmt: skip


def test_the_identity_is_not_part_of_the_content():
    assert ox_alpha(external_id="other/id").content_hash() == ox_alpha().content_hash()


def test_prices_hash_by_value_not_by_how_many_places_the_database_gave_back():
    same = ox_alpha(input_cost_per_mtok=Decimal("0.15"), output_cost_per_mtok=Decimal("0.6000"))
    assert same.content_hash() == ox_alpha().content_hash()
    assert ox_alpha(input_cost_per_mtok=Decimal("0.16")).content_hash() != ox_alpha().content_hash()


def test_details_hash_by_content_whatever_the_key_order():
    reordered = ox_alpha(details=dict(reversed(list(OX_ALPHA.details.items()))))
    assert reordered.content_hash() == ox_alpha().content_hash()


def test_decimals_and_datetimes_inside_details_hash_by_value():
    def with_detail(value) -> str:
        return ox_alpha(details={**OX_ALPHA.details, "extra": value}).content_hash()

    assert with_detail(Decimal("1.50")) == with_detail(Decimal("1.5")) != with_detail(Decimal("2.5"))
    assert with_detail(Decimal("1.5")) != with_detail("1.5 ")
    moment = datetime(2026, 8, 22, 12, 0, tzinfo=UTC)
    assert with_detail(moment) != with_detail(moment + timedelta(seconds=1))
    assert with_detail(moment) == with_detail(moment) != with_detail(None)


def test_details_that_json_cannot_hold_are_refused():
    with pytest.raises(TypeError, match=r"^not JSON-serializable: set$"):
        ox_alpha(details={"ids": {1, 2}}).content_hash()


def test_details_beyond_what_orjson_spells_hash_as_the_same_compact_json():
    huge = 2**70  # orjson refuses integers over 64 bits; the stdlib spells them, compact and with sorted keys
    record = ox_alpha(details={"size": huge, "description": "x"})
    assert record.content_hash() == sha256_of(f'{CANONICAL_WITHOUT_DETAILS}{{"description":"x","size":{huge}}}]')
    assert ox_alpha(details={"size": huge}).content_hash() != ox_alpha(details={"size": huge + 1}).content_hash()


def test_the_same_instant_in_another_offset_is_another_value():
    # The row stores what the upstream said; an equal instant written differently is a (harmless) update.
    shifted = OX_ALPHA.expires_at.astimezone(timezone(timedelta(hours=2)))
    assert shifted == OX_ALPHA.expires_at
    assert ox_alpha(expires_at=shifted).content_hash() != ox_alpha().content_hash()


# A different value for every synced field, of the type the field holds.
CHANGES = {
    "model": "stealth/ox-beta", "display_name": "Ox Beta", "provider": "openai", "provider_raw": "openai",
    "upstream_providers": ("azure",), "category": "embedding", "capabilities": ("vision",), "tags": ("free",),
    "context_window": 8192, "max_output_tokens": None, "pricing_status": "unknown",
    "input_cost_per_mtok": Decimal("0.151"), "output_cost_per_mtok": None, "is_free": True,
    "requires_api_key": False, "api_key_available": True, "is_recommended": True, "safety_score": Decimal("0.9"),
    "is_wildcard": True, "is_alias": True, "expires_at": datetime(2098, 12, 30, tzinfo=UTC),
    "details": {"description": "Ox Alpha"},
    "price_card": {"format": 1, "prices": {"input": "0.00000015"}, "provenance": {"input": "openrouter"}},
}  # fmt: skip


def test_every_synced_field_has_a_change_to_try():
    assert sorted(CHANGES) == sorted(SYNCED)


@pytest.mark.parametrize("name", sorted(CHANGES))
def test_a_change_to_any_synced_field_changes_the_hash(name):
    changed = ox_alpha(**{name: CHANGES[name]})
    assert changed.content_hash() != ox_alpha().content_hash()
    assert changed.synced_values()[name] != OX_ALPHA.synced_values()[name]


def test_values_are_not_confused_across_neighbouring_fields():
    # "ab" + "c" and "a" + "bc" are different records.
    first = ox_alpha(model="stealth/ox", display_name="-alphaOx")
    second = ox_alpha(model="stealth/ox-alpha", display_name="Ox")
    assert first.content_hash() != second.content_hash()
    assert ox_alpha(tags=("a", "b")).content_hash() != ox_alpha(tags=("a,b",)).content_hash()
    assert ox_alpha(context_window=1).content_hash() != ox_alpha(context_window=None).content_hash()


@given(pair=st.lists(st.sampled_from(openrouter_records()), min_size=2, max_size=2, unique_by=lambda r: r.model))
def test_different_real_models_have_different_hashes_and_a_copy_the_same(pair):
    first, second = pair
    assert first.content_hash() != second.content_hash()
    assert replace(first, details=dict(first.details)).content_hash() == first.content_hash()


def test_only_findings_that_count_as_invalid_are_counted():
    result = ParseResult(
        records=(OX_ALPHA,),
        findings=(Finding("invalid_item", "missing or invalid id"), Finding("negative_price", "x", "a", False),
                  Finding("duplicate_id", "y", "b")),
    )  # fmt: skip
    assert result.invalid_count == 2 and ParseResult(records=()).invalid_count == 0
