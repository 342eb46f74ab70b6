"""links_refresh(): match callable models to descriptive records and store what the links add, in bulk.

Runs inside a sync's transaction after its apply (either side of a link may have changed) and after a staff edit
of a link. Three reads (sources, the rows involved, the links) and at most three writes (stale links out, new
links in, changed enrichment), whatever the catalog's size: the matching itself is pure (modelsync.linking).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import orjson
from django.db import connection
from django.utils import timezone

from catalog.models import LLMModel, ModelLink
from catalog.services import catalog_version_bump
from modelsync import bulk
from modelsync.linking import (
    FACTS,
    PRICE_FACTS,
    Described,
    Index,
    Match,
    Routed,
    costmap_names,
    enrichment,
    model_routes,
)
from modelsync.models import Source

_COLUMNS = ("id", "source_id", "external_id", "model", "provider", "provider_raw", "capabilities", "context_window",
            "max_output_tokens", "pricing_status", "input_cost_per_mtok", "output_cost_per_mtok", "is_free", "details",
            "enrichment")  # fmt: skip
_JSON = ("capabilities", "details", "enrichment")
_PINNED = (ModelLink.Status.CONFIRMED, ModelLink.Status.BROKEN)


@dataclass(frozen=True)
class LinkRefresh:
    linked: int  # links in force (auto and confirmed)
    added: int
    removed: int
    enriched: int  # rows whose enrichment changed


def links_refresh() -> LinkRefresh:
    """Recompute every automatic link and every callable model's enrichment; bump the catalog version on change."""
    sources = {row["id"]: row for row in Source.objects.values("id", "name", "kind", "is_callable")}
    rows = _rows([pk for pk, s in sources.items() if s["is_callable"] or s["kind"] in Source.DESCRIPTIVE_KINDS])
    callable_rows = [row for row in rows.values() if sources[row["source_id"]]["is_callable"]]
    described = [row for row in rows.values() if sources[row["source_id"]]["kind"] in Source.DESCRIPTIVE_KINDS]
    existing = {(link.llm_model_id, link.target_source_id): link for link in ModelLink.objects.all()}

    index = Index(_described(row, sources) for row in described)
    wanted: dict[tuple[int, int], Match] = {}
    for row in callable_rows:
        for target_source_id, match in index.match(_routed(row)).items():
            if (pair := (row["id"], target_source_id)) not in existing or existing[pair].status not in _PINNED:
                wanted[pair] = match
    stale = [link.pk for pair, link in existing.items() if link.status == ModelLink.Status.AUTO
             and (pair not in wanted or _differs(link, wanted[pair]))]  # fmt: skip
    fresh = [(pair, match) for pair, match in wanted.items() if pair not in existing or existing[pair].pk in stale]
    _links_write(stale, fresh)

    in_force = {pair: link.target_id for pair, link in existing.items()
                if link.status == ModelLink.Status.CONFIRMED}  # fmt: skip
    in_force.update({pair: match.target_id for pair, match in wanted.items()})
    changed = _enrichment_write(rows, sources, in_force)
    if changed:
        catalog_version_bump()
    return LinkRefresh(len(in_force), len(fresh), len(stale), changed)


def _rows(source_ids: list[int]) -> dict[int, dict[str, Any]]:
    """The active rows of the sources that link or are linked to: one SELECT (plain SQL, as the sync's read)."""
    if not source_ids:
        return {}
    columns = ", ".join(bulk.quote(LLMModel, "source" if name == "source_id" else name) for name in _COLUMNS)
    placeholders = ", ".join(["%s"] * len(source_ids))  # the sources, a handful: not the rows
    sql = f"SELECT {columns} FROM {bulk.table(LLMModel)} WHERE is_active AND source_id IN ({placeholders})"
    with connection.cursor() as cursor:
        cursor.execute(sql, source_ids)
        found = [dict(zip(_COLUMNS, values, strict=True)) for values in cursor.fetchall()]
    for row in found:
        for name in _JSON:
            if isinstance(row[name], str | bytes):
                row[name] = orjson.loads(row[name])
        row["is_free"] = bool(row["is_free"])
    return {row["id"]: row for row in found}


def _routed(row: dict) -> Routed:
    deployments = row["details"].get("deployments", []) if isinstance(row["details"], dict) else []
    names = [d.get("model", "") for d in deployments if isinstance(d, dict)]
    return Routed(row["id"], row["source_id"], model_routes(row["model"], row["provider"], names))


def _described(row: dict, sources: dict) -> Described:
    if sources[row["source_id"]]["kind"] == Source.Kind.COSTMAP:
        return Described(row["id"], row["source_id"], costmap_names(row["external_id"], row["provider_raw"]))
    return Described(row["id"], row["source_id"], (row["external_id"],))


def _differs(link: ModelLink, match: Match) -> bool:
    return (link.target_id, link.method, link.matched_on) != (match.target_id, match.method, match.route)


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


def _enrichment_write(rows: dict, sources: dict, in_force: dict) -> int:
    """Store each callable row's enrichment where it changed (one UPDATE); rows no longer callable lose theirs."""
    order = {kind: rank for rank, kind in enumerate(Source.DESCRIPTIVE_KINDS)}
    targets_by_model: dict[int, list[dict]] = {}
    for (model_id, _source_id), target_id in in_force.items():
        if target := rows.get(target_id):  # a confirmed link to a record no longer listed adds nothing
            targets_by_model.setdefault(model_id, []).append(target)
    updates = []
    for row in rows.values():
        added = {}
        if sources[row["source_id"]]["is_callable"]:
            linked = sorted(targets_by_model.get(row["id"], []),
                            key=lambda t: (order.get(sources[t["source_id"]]["kind"], 99),
                                           sources[t["source_id"]]["name"]))  # fmt: skip
            added = _jsonable(enrichment(facts(row), [(sources[t["source_id"]]["name"], facts(t)) for t in linked]))
        if added != row["enrichment"]:
            updates.append({"id": row["id"], "enrichment": added})
    if updates:
        bulk.update(LLMModel, updates)
    return len(updates)


def facts(row: dict) -> dict[str, Any]:
    """The facts a link may fill, as a row states them."""
    details = row["details"] if isinstance(row["details"], dict) else {}
    values = {name: row[name] for name in FACTS if name != "description"}
    values["description"] = details.get("description") or ""
    values.update({name: row[name] for name in PRICE_FACTS})
    return values


def _jsonable(added: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Prices as exact decimal strings (the JSON column has no decimal type), as the API spells them."""
    for fact in added.values():
        if isinstance(fact["value"], Decimal | float):
            fact["value"] = format(Decimal(str(fact["value"])).normalize(), "f")
    return added
