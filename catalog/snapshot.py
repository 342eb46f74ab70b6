"""The per-process catalog snapshot: built once per catalog version, the fallback when the database is down.

It holds every visible model's API entry and the selection index built from those entries, so selection (and a
stale list) needs no query beyond the version check. Each good build is also written to MODELSYNC_VAR_DIR, so a
process that starts while the database is down still has the last good catalog; failing that, the static catalog
shipped with the package.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import threading
from dataclasses import dataclass, replace
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError
from django.utils import timezone

from catalog.candidates import Candidate
from catalog.cards import compact_card, effective_card
from catalog.entries import decimal_text, entry_callability, llm_model_entry, text_decimal
from catalog.metrics import snapshot_built_now
from catalog.models import LLMModel
from catalog.pricing import PriceCard, card_to_json
from catalog.ranking import CatalogIndex, build_index
from catalog.version import catalog_version_get
from modelsync.adapters import adapter_for
from modelsync.adapters.base import SourceConfig

logger = logging.getLogger(__name__)
SNAPSHOT_FILE = "catalog-snapshot.json"


@dataclass(frozen=True)
class Snapshot:
    """Each visible model's API entry (by id) and the selection index over them."""

    version: int
    entries: dict[int, dict]
    index: CatalogIndex
    stale: bool = False
    origin: str = "database"  # database | disk | static


_lock = threading.Lock()
_current: Snapshot | None = None
_offline: Snapshot | None = None


def entry_card(entry: dict) -> PriceCard | None:
    """The effective card of a snapshot entry: the card JSON the snapshot kept, else (an entry saved before cards)
    the base card of its two per-Mtok prices when they are known or free."""
    pricing = entry["pricing"]
    return effective_card(
        entry.get("card"),
        pricing_status=pricing["status"],
        input_per_mtok=text_decimal(pricing["input_per_mtok"]),
        output_per_mtok=text_decimal(pricing["output_per_mtok"]),
        source=entry["source"],
    )


def candidate_from_entry(entry: dict) -> Candidate:
    """The selection view of one API entry (so a snapshot read back from disk selects exactly alike); the card is
    parsed here, once per snapshot, never per request."""
    pricing = entry["pricing"]
    can_call, why_not = entry_callability(entry)
    return Candidate(
        id=entry["id"],
        model=entry["model"],
        provider=entry["provider"],
        category=entry["category"],
        capabilities=frozenset(entry["capabilities"]),
        context_window=entry["context_window"],
        max_output_tokens=entry["max_output_tokens"],
        pricing_status=pricing["status"],
        input_cost=text_decimal(pricing["input_per_mtok"]),
        output_cost=text_decimal(pricing["output_per_mtok"]),
        is_free=entry["is_free"],
        safety_score=text_decimal(entry["safety_score"]),
        popularity=entry["popularity"],
        is_recommended=entry["is_recommended"],
        linked=_linked(entry.get("provenance", {})),
        callable=can_call,
        not_callable_reason=why_not,
        card=entry_card(entry),
    )


def _linked(provenance: dict[str, str]) -> tuple[tuple[str, str], ...]:
    """(field, source) for each fact a linked record supplied, for the selection's reasons."""
    return tuple(
        (name, said.removeprefix("linked:")) for name, said in provenance.items() if said.startswith("linked:")
    )


def snapshot_from_entries(entries: list[dict], *, version: int, stale: bool = False, origin: str = "database"):
    return Snapshot(
        version=version,
        entries={entry["id"]: entry for entry in entries},
        index=build_index(candidate_from_entry(entry) for entry in entries),
        stale=stale,
        origin=origin,
    )


def _build(version: int) -> Snapshot:
    rows = LLMModel.objects.visible().callable().with_effective_values().order_by("id").entry_rows()
    entries = [llm_model_entry(row, provenance=True, card=True) for row in rows.iterator(chunk_size=2000)]
    snapshot = snapshot_from_entries(entries, version=version)
    _save(version, entries)
    snapshot_built_now()
    return snapshot


def snapshot_get() -> Snapshot:
    """The current snapshot (one tiny version query per call); stale from the fallbacks when the DB fails."""
    global _current
    try:
        version = catalog_version_get()
        if _current is None or _current.version != version:
            with _lock:
                if _current is None or _current.version != version:
                    _current = _build(version)
        return _current
    except DatabaseError:
        logger.warning("catalog database unreachable: serving a stale catalog snapshot")
        return _fallback()


def _fallback() -> Snapshot:
    """The last good snapshot of this process, else the one on disk, else the static catalog; marked stale."""
    global _offline
    if _current is not None:
        return replace(_current, stale=True)
    if _offline is None:
        _offline = _load() or _static()
    return _offline


def _path() -> Path:
    return Path(settings.VAR_DIR) / SNAPSHOT_FILE


def _save(version: int, entries: list[dict]) -> None:
    """Write atomically (temp file + rename), so a reader never sees half a snapshot; failure only logs."""
    path = _path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False, suffix=".tmp") as handle:
            json.dump({"version": version, "entries": entries}, handle)
        os.replace(handle.name, path)
    except OSError as exc:
        logger.warning("could not save the catalog snapshot to %s: %s", path, exc)


def _load() -> Snapshot | None:
    try:
        saved = json.loads(_path().read_text(encoding="utf-8"))
        return snapshot_from_entries(saved["entries"], version=saved["version"], stale=True, origin="disk")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        logger.warning("no usable saved catalog snapshot: %s", exc)
        return None


def _static() -> Snapshot:
    """The static catalog shipped with the package; its ids are -1..-N so none can be mistaken for a database id.

    Its entries are the demo catalog, never callable: a selection over it says so (or, by default, picks nothing).
    """
    adapter = adapter_for(SourceConfig(name="static", kind="static", base_url=""))
    try:
        records = adapter.parse(adapter.fetch(None)).records
    except Exception as exc:  # any failure here must still leave the API answering
        logger.error("the static catalog could not be read: %s", exc)
        records = []
    now = timezone.now().isoformat()
    entries = [_static_entry(-position, record, now) for position, record in enumerate(records, start=1)]
    return snapshot_from_entries(entries, version=0, stale=True, origin="static")


def _static_entry(id_: int, record, seen_at: str) -> dict:
    entry = {
        "id": id_, "source": "static", "model": record.model, "provider": record.provider,
        "display_name": record.display_name, "category": record.category, "tags": list(record.tags),
        "capabilities": list(record.capabilities), "context_window": record.context_window,
        "max_output_tokens": record.max_output_tokens,
        "pricing": {"status": record.pricing_status, "input_per_mtok": decimal_text(record.input_cost_per_mtok),
                    "output_per_mtok": decimal_text(record.output_cost_per_mtok)},
        "is_free": record.is_free, "requires_api_key": record.requires_api_key,
        "api_key_available": record.api_key_available, "callable": False, "not_callable_reason": "demo_catalog",
        "is_active": True, "is_recommended": record.is_recommended,
        "popularity": 0, "safety_score": decimal_text(record.safety_score), "first_seen_at": seen_at,
        "last_seen_at": seen_at, "deactivated_at": None,
    }  # fmt: skip
    card = entry_card(entry)
    entry["price_card"] = compact_card(card)
    entry["card"] = None if card is None else card_to_json(card)
    return entry


def snapshot_reset() -> None:
    """Forget the in-memory snapshots (tests, and after a database switch); the file on disk stays."""
    global _current, _offline
    _current = _offline = None
