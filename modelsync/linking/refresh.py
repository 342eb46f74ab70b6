"""links_refresh(): match callable models to descriptive records and store what the links add, in bulk.

Runs inside a sync's transaction after its apply (either side of a link may have changed) and after a staff edit
of a link. Three reads (sources, the rows involved, the links) and at most four writes (stale links out, new
links in, changed enrichment, the catalog version), whatever the catalog's size: the matching itself is pure
(modelsync.linking.match). Without any descriptive source nor anything linked, it stops after two small reads.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import orjson
from django.db import connection
from django.utils import timezone

from catalog.models import LLMModel, ModelLink
from catalog.version import catalog_version_bump
from modelsync.linking.match import (
    Described,
    Index,
    Match,
    Routed,
    costmap_names,
    enrichment,
    model_routes,
    price_card_enrichment,
)
from modelsync.models import Source
from modelsync.sync import bulk
from modelsync.sync.build import memoized

# One row of the read, by position (tuples: at 40,000 rows a dict or a model instance per row costs more than SQL).
_COLUMNS = ("id", "source_id", "external_id", "model", "provider", "provider_raw", "details", "content_hash",
            "enrichment_inputs", "capabilities", "context_window", "max_output_tokens", "pricing_status",
            "input_cost_per_mtok", "output_cost_per_mtok", "is_free", "expires_at")  # fmt: skip
ID, SOURCE, EXTERNAL_ID, MODEL, PROVIDER, PROVIDER_RAW, DETAILS, CONTENT_HASH, INPUTS = range(9)
_FACT_COLUMNS = {name: position for position, name in enumerate(_COLUMNS) if position > INPUTS}
RULES = "3"  # part of every enrichment fingerprint: a change to the rules recomputes every row once
_PINNED = (ModelLink.Status.CONFIRMED, ModelLink.Status.BROKEN)
Row = tuple


@dataclass(frozen=True)
class LinkRefresh:
    linked: int  # links in force (auto and confirmed)
    added: int
    removed: int
    enriched: int  # rows whose enrichment changed


def links_refresh() -> LinkRefresh:
    """Recompute every automatic link and every callable model's enrichment; bump the catalog version on change."""
    sources = {row["id"]: row for row in Source.objects.values("id", "name", "kind", "is_callable")}
    if not any(s["kind"] in Source.DESCRIPTIVE_KINDS for s in sources.values()) and not _anything_linked():
        return LinkRefresh(0, 0, 0, 0)  # nothing describes, nothing was described: no need to read the catalog
    rows = _rows(sources)
    callable_rows = [row for row in rows.values() if sources[row[SOURCE]]["is_callable"]]
    described = [row for row in rows.values() if sources[row[SOURCE]]["kind"] in Source.DESCRIPTIVE_KINDS]
    fields = ("id", "llm_model_id", "target_source_id", "target_id", "status", "method", "matched_on")
    existing = {(link.llm_model_id, link.target_source_id): link
                for link in ModelLink.objects.values_list(*fields, named=True)}  # fmt: skip

    index = Index(_described(row, sources) for row in described)
    wanted: dict[tuple[int, int], Match] = {}
    for row in callable_rows:
        for target_source_id, match in index.match(_routed(row)).items():
            if (pair := (row[ID], target_source_id)) not in existing or existing[pair].status not in _PINNED:
                wanted[pair] = match
    stale = {link.id for pair, link in existing.items() if link.status == ModelLink.Status.AUTO
             and (pair not in wanted or _differs(link, wanted[pair]))}  # fmt: skip
    fresh = [(pair, match) for pair, match in wanted.items() if pair not in existing or existing[pair].id in stale]
    _links_write(sorted(stale), fresh)

    in_force = {pair: link.target_id for pair, link in existing.items() if link.status == ModelLink.Status.CONFIRMED}
    in_force.update({pair: match.target_id for pair, match in wanted.items()})
    changed = _enrichment_write(rows, sources, in_force)
    if changed:
        catalog_version_bump()
    return LinkRefresh(len(in_force), len(fresh), len(stale), changed)


def _anything_linked() -> bool:
    return ModelLink.objects.exists() or LLMModel.objects.exclude(enrichment_inputs="").exists()


def _rows(sources: dict) -> dict[int, Row]:
    """The active rows of the sources that link or are linked to: one SELECT (plain SQL, as the sync's read).
    JSON stays undecoded until a step needs it; a descriptive record's details are read only if it is needed."""
    wanted = [pk for pk, s in sources.items() if s["is_callable"] or s["kind"] in Source.DESCRIPTIVE_KINDS]
    callable_ids = [pk for pk, s in sources.items() if s["is_callable"]] or [0]
    if not wanted:
        return {}
    columns = [bulk.quote(LLMModel, "source" if name == "source_id" else name) for name in _COLUMNS]
    source_column = bulk.quote(LLMModel, "source")
    columns[DETAILS] = f"CASE WHEN {source_column} IN ({_placeholders(callable_ids)}) THEN {columns[DETAILS]} END"
    sql = f"SELECT {', '.join(columns)} FROM {bulk.table(LLMModel)} "
    sql += f"WHERE is_active AND {source_column} IN ({_placeholders(wanted)})"
    with connection.cursor() as cursor:
        cursor.execute(sql, [*callable_ids, *wanted])  # the sources, a handful: never the rows
        return {row[ID]: row for row in cursor.fetchall()}


def _placeholders(values: list) -> str:
    return ", ".join(["%s"] * len(values))


def _details_of(ids: list[int]) -> dict[int, tuple[Any, Any]]:
    """(details, price card) of the rows `ids` (one SELECT whatever their number)."""
    if not ids:
        return {}
    rows = LLMModel.objects.filter(id__in=bulk.id_list(ids)).values_list("id", "details", "price_card")
    return {pk: (details, card) for pk, details, card in rows}


def _json(value: Any) -> Any:
    return orjson.loads(value) if isinstance(value, str | bytes) else value


def _routed(row: Row) -> Routed:
    routes = _cached_routes if isinstance(row[DETAILS], str) else _routes  # the database's JSON text is hashable
    return Routed(row[ID], row[SOURCE], routes(row[MODEL], row[PROVIDER], row[DETAILS]))


def _routes(model: str, provider: str, details: Any) -> tuple[str, ...]:
    details = _json(details)
    deployments = details.get("deployments", []) if isinstance(details, dict) else []
    return model_routes(model, provider, [d.get("model", "") for d in deployments if isinstance(d, dict)])


_cached_routes = memoized(1 << 16)(_routes)  # a sync reads the same rows as the last one


def _described(row: Row, sources: dict) -> Described:
    if sources[row[SOURCE]]["kind"] == Source.Kind.COSTMAP:
        return Described(row[ID], row[SOURCE], costmap_names(row[EXTERNAL_ID], row[PROVIDER_RAW]))
    return Described(row[ID], row[SOURCE], (row[EXTERNAL_ID],))


def _differs(link, match: Match) -> bool:
    return (link.target_id, link.method, link.matched_on) != (match.target_id, match.method, match.route[:512])


def _links_write(stale: list[int], fresh: list[tuple[tuple[int, int], Match]]) -> None:
    if stale:
        ModelLink.objects.filter(pk__in=bulk.id_list(stale)).delete()  # nothing refers to a link: one DELETE
    if fresh:
        now = timezone.now()
        bulk.insert(ModelLink, [
            {"llm_model_id": model_id, "target_source_id": source_id, "target_id": match.target_id,
             "status": ModelLink.Status.AUTO, "method": match.method, "matched_on": match.route[:512],
             "updated_at": now}
            for (model_id, source_id), match in fresh
        ])  # fmt: skip


def _enrichment_write(rows: dict[int, Row], sources: dict, in_force: dict) -> int:
    """Store each callable row's enrichment where its inputs changed (one UPDATE); others lose theirs.

    The inputs are the row's content hash and those of its linked records, in the order they are asked: when
    their fingerprint is the stored one, the enrichment is too, and the row is not even looked at (SPEC §9).
    """
    order = {kind: rank for rank, kind in enumerate(Source.DESCRIPTIVE_KINDS)}
    rank = {pk: (order.get(source["kind"], 99), source["name"]) for pk, source in sources.items()}
    name = {pk: source["name"] for pk, source in sources.items()}
    callable_ids = {pk for pk, source in sources.items() if source["is_callable"]}
    targets_by_model: dict[int, list[Row]] = {}
    for (model_id, _source_id), target_id in in_force.items():
        if target := rows.get(target_id):  # a confirmed link to a record no longer listed adds nothing
            targets_by_model.setdefault(model_id, []).append(target)
    pending = []
    for row in rows.values():
        targets = targets_by_model.get(row[ID]) if row[SOURCE] in callable_ids else None
        fingerprint = ""
        if targets:
            if len(targets) > 1:
                targets.sort(key=lambda target: rank[target[SOURCE]])
            inputs = [RULES, row[CONTENT_HASH], *(f"{name[t[SOURCE]]}:{t[CONTENT_HASH]}" for t in targets)]
            fingerprint = hashlib.sha256("|".join(inputs).encode()).hexdigest()
        if fingerprint != row[INPUTS]:
            pending.append((row, targets or [], fingerprint))
    read = sorted({target[ID] for _, targets, _ in pending for target in targets})
    read += [row[ID] for row, targets, _ in pending if targets]  # their own cards
    stored = _details_of(read)
    updates = [
        {"id": row[ID], "enrichment_inputs": fingerprint,
         "enrichment": _enriched(row, [(name[t[SOURCE]], t) for t in targets], stored) if targets else {}}
        for row, targets, fingerprint in pending
    ]  # fmt: skip
    if updates:
        bulk.update(LLMModel, updates)
    return len(updates)


def _enriched(row: Row, targets: list[tuple[str, Row]], stored: dict[int, tuple[Any, Any]]) -> dict[str, Any]:
    """The facts and the price card the linked records add to `row` (see match.enrichment, price_card_enrichment)."""
    added = _jsonable(enrichment(facts(row), [(source, facts(t, stored[t[ID]][0])) for source, t in targets]))
    own_card = stored[row[ID]][1]
    if card := price_card_enrichment(_json(own_card), [(source, _json(stored[t[ID]][1])) for source, t in targets]):
        added["price_card"] = card
    return added


def facts(row: Row, details: Any = None) -> dict[str, Any]:
    """The facts a link may fill, as a row states them (`details` when the read left them out)."""
    values = {name: row[position] for name, position in _FACT_COLUMNS.items()}
    values["capabilities"] = _json(values["capabilities"])
    values["is_free"] = bool(values["is_free"])  # SQLite answers 0/1
    details = _json(row[DETAILS] if details is None else details)
    values["description"] = (details.get("description") if isinstance(details, dict) else "") or ""
    return values


def _jsonable(added: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Prices as exact decimal strings (the JSON column has no decimal type), as the API spells them; a retirement
    date as its day, "YYYY-MM-DD" (SQLite's cursor may answer the column as text, PostgreSQL's as a datetime)."""
    for fact in added.values():
        if isinstance(fact["value"], Decimal | float):
            fact["value"] = format(Decimal(str(fact["value"])).normalize(), "f")
    if expiry := added.get("expires_at"):
        value = expiry["value"]
        expiry["value"] = value.date().isoformat() if isinstance(value, datetime) else str(value)[:10]
    return added
