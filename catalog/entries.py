"""The catalog entry the API shows (SPEC §5), built from entry rows by hand, and the one place where a decimal
becomes text and text becomes a decimal again (prices in $ per million tokens, safety scores).

Pure: plain dicts and Decimals in and out, no database, no settings. The list, the detail, the snapshot (and so
selection and the stale answers) and the admin's model page all show entries made here.
"""

from __future__ import annotations

from decimal import Decimal

from catalog.cards import compact_card, effective_card, shown_card
from catalog.pricing import PriceCard, card_to_json

MTOK = Decimal(1_000_000)  # prices are USD per million tokens


def decimal_text(value: Decimal | int | float | str | None) -> str | None:
    """A decimal as exact plain text ("0.15", "3", never "1.5E-7" or a float's binary tail), whatever the database
    answered: a Decimal (PostgreSQL; SQLite for a column), or an int, float or str where SQLite answers a number from
    inside JSON or an annotation. A float is read as Django's SQLite backend reads a DecimalField: to 15 significant
    digits, all a double holds, which gives back the decimal that was stored."""
    if value is None:
        return None
    if isinstance(value, float):
        value = f"{value:.15g}"
    return format((value if isinstance(value, Decimal) else Decimal(value)).normalize(), "f")


def text_decimal(text: str | None) -> Decimal | None:
    """An entry's decimal text ("0.15") as the Decimal it stands for; None stays None."""
    return None if text is None else Decimal(text)


def entry_pricing(entry: dict) -> dict:
    """An entry's price as cost_quote() takes it: the status and the Decimal prices per million tokens."""
    pricing = entry["pricing"]
    return {"pricing_status": pricing["status"], "input_per_mtok": text_decimal(pricing["input_per_mtok"]),
            "output_per_mtok": text_decimal(pricing["output_per_mtok"])}  # fmt: skip


SNAPSHOT_ONLY = ("card",)  # the snapshot's own copy of the effective card JSON (candidates and stale costs read it)


def without_provenance(entry: dict) -> dict:
    """A snapshot entry as the list shows it by default (the snapshot keeps provenance for selection reasons)."""
    return {name: value for name, value in entry.items() if name != "provenance" and name not in SNAPSHOT_ONLY}


def shown_entry(entry: dict) -> dict:
    """A snapshot entry as the API shows it with provenance (without the snapshot's own card JSON)."""
    return {name: value for name, value in entry.items() if name not in SNAPSHOT_ONLY}


# Facts a staff override replaces here (the others are annotated by with_effective_values), by override column.
STAFF_FACTS = {"capabilities": "staff_capabilities", "context_window": "staff_context_window",
               "max_output_tokens": "staff_max_output_tokens"}  # fmt: skip
# Every shown field a staff override can replace, by the override's column.
STAFF_SHOWN = {"display_name": "staff_display_name", "tags": "staff_tags", "is_recommended": "staff_is_recommended",
               "safety_score": "staff_safety_score", **STAFF_FACTS}  # fmt: skip
PROVENANCE_FIELDS = (
    "display_name", "provider", "category", "tags", "capabilities", "context_window", "max_output_tokens", "pricing",
    "is_free", "requires_api_key", "api_key_available", "is_recommended", "safety_score",
)  # fmt: skip


def callability(*, source_kind: str, source_file: str, source_is_callable: bool, requires_api_key: bool,
                api_key_available: bool, api_key_env: str) -> tuple[bool, str | None]:  # fmt: skip
    """Whether the team can call the model, and if not why (a NOT_CALLABLE key), from what the sync recorded.

    api_key_available is the sync's reading of the key variable's presence (LiteLLM, OpenRouter); a descriptive
    source routes nothing; a static source without a file of its own reads the bundled demo catalog, a recorded list
    nothing is called through (one with its own file is judged by its key like any other).
    """
    if not source_is_callable:
        return False, "descriptive_only"
    if source_kind == "static" and not source_file:
        return False, "demo_catalog"
    if requires_api_key and not api_key_available:
        return False, "key_not_in_environment" if api_key_env else "no_api_key"
    return True, None


def entry_callability(entry: dict) -> tuple[bool, str | None]:
    """An API entry's callability; an entry saved before entries carried it (an older snapshot file) is judged from
    what it does carry: its source's name for the demo catalog, the key flags for the rest."""
    if "callable" in entry:
        return entry["callable"], entry["not_callable_reason"]
    if entry["source"] == "static":
        return False, "demo_catalog"
    if entry["requires_api_key"] and not entry["api_key_available"]:
        return False, "key_not_in_environment"
    return True, None


def _price_text(value: Decimal | str | None) -> str | None:
    return value if isinstance(value, str) else decimal_text(value)  # a linked price is stored as its text


def row_card(row: dict) -> PriceCard | None:
    """The effective card of a row (catalog.cards) after a linked record's facts are merged in (llm_model_entry)."""
    return effective_card(
        row.get("price_card"),
        pricing_status=row["pricing_status"],
        input_per_mtok=text_decimal(_price_text(row["input_cost_per_mtok"])),
        output_per_mtok=text_decimal(_price_text(row["output_cost_per_mtok"])),
        source=row["source__name"],
    )


def llm_model_entry(row: dict, *, provenance: bool = False, card: bool = False, full_card: bool = False) -> dict:
    """The catalog entry as the API shows it, from a row of LLMModel.objects.with_effective_values().entry_rows()
    (hand-built: this runs for every row of every list page). A fact the row's source leaves empty shows the
    value of a linked record (row["enrichment"], kept by modelsync.linking.refresh); with `provenance`, where each
    came from. The price card shows compact (base prices per unit), or whole with `full_card`; with `card`, the
    effective card's JSON is kept under "card" too (the snapshot's candidates read it)."""
    last_seen, source_seen = row["last_seen_at"], row["source__last_success_at"]
    if row["is_active"] and source_seen and source_seen > last_seen:
        last_seen = source_seen  # an unchanged row is not rewritten, but it was seen
    linked = row["enrichment"] or {}
    staff = {name: row[override] for name, override in STAFF_FACTS.items() if row[override] is not None}
    if linked or staff:  # staff over linked; linked facts exist only where the source states none
        row = {**row, **{name: fact["value"] for name, fact in linked.items()}, **staff}
    entry = {
        "id": row["id"],
        "source": row["source__name"],
        "model": row["model"],
        "provider": row["provider"],
        "display_name": row["eff_display_name"],
        "category": row["category"],
        "tags": list(row["eff_tags"]),
        "capabilities": list(row["capabilities"]),
        "context_window": row["context_window"],
        "max_output_tokens": row["max_output_tokens"],
        "pricing": {
            "status": row["pricing_status"],
            "input_per_mtok": _price_text(row["input_cost_per_mtok"]),
            "output_per_mtok": _price_text(row["output_cost_per_mtok"]),
        },
        "price_card": None,
        "is_free": row["is_free"],
        "requires_api_key": row["requires_api_key"],
        "api_key_available": row["api_key_available"],
        **dict(zip(("callable", "not_callable_reason"), _row_callability(row), strict=True)),
        "is_active": row["is_active"],
        "is_recommended": row["eff_is_recommended"],
        "popularity": row["popularity"],
        "safety_score": decimal_text(row["eff_safety_score"]),
        "first_seen_at": row["first_seen_at"].isoformat(),
        "last_seen_at": last_seen.isoformat(),
        "deactivated_at": row["deactivated_at"].isoformat() if row["deactivated_at"] else None,
    }
    effective = row_card(row)
    entry["price_card"] = (shown_card if full_card else compact_card)(effective)
    if card:
        entry["card"] = None if effective is None else card_to_json(effective)
    if provenance:
        entry["provenance"] = entry_provenance(row, linked)
    return entry


def _row_callability(row: dict) -> tuple[bool, str | None]:
    return callability(
        source_kind=row["source__kind"],
        source_file=row["source__base_url"],
        source_is_callable=row["source__is_callable"],
        requires_api_key=row["requires_api_key"],
        api_key_available=row["api_key_available"],
        api_key_env=row["source__api_key_env"],
    )


def entry_provenance(row: dict, linked: dict) -> dict[str, str]:
    """Where each shown field came from: `source` (the row's own), `linked:<source>` or `staff`."""
    said = dict.fromkeys(PROVENANCE_FIELDS, "source")
    for name, fact in linked.items():
        if name in ("price_card", "expires_at"):
            continue  # a filled card names its linked units itself; a retirement date is told by catalog.retirements
        priced = name in ("pricing_status", "input_cost_per_mtok", "output_cost_per_mtok")
        shown = "pricing" if priced else name
        said[shown] = f"linked:{fact['from']}"
    for name, override in STAFF_SHOWN.items():
        if row[override] not in (None, ""):
            said[name] = "staff"
    return said


def _description(row: dict) -> tuple[str, str]:
    """(description, where it came from): staff's, else the source's, else a linked record's."""
    linked = (row["enrichment"] or {}).get("description")
    if row["staff_description"]:
        return row["staff_description"], "staff"
    if linked:
        return linked["value"], f"linked:{linked['from']}"
    return row["details"].get("description", ""), "source"


def detail_entry(row: dict) -> dict:
    """The entry with its description and full provenance, from entry_rows("details", "staff_description")."""
    entry = llm_model_entry(row, provenance=True, full_card=True)
    entry["description"], entry["provenance"]["description"] = _description(row)
    return entry
