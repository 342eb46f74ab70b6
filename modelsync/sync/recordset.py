"""Pure helpers over whole record lists: one record per id, and no key left in a record."""

from __future__ import annotations

from modelsync.sync.records import Finding, ModelRecord


def dedupe(records: list[ModelRecord]) -> tuple[list[ModelRecord], list[Finding]]:
    """One record per external id; of duplicates keep the smallest content hash, so payload order does not matter."""
    by_id: dict[str, ModelRecord] = {}
    findings: list[Finding] = []
    for record in records:
        current = by_id.get(record.external_id)
        if current is None:
            by_id[record.external_id] = record
            continue
        findings.append(Finding("duplicate_id", "duplicate id in one payload; one kept", record.external_id, False))
        if record.content_hash() < current.content_hash():
            by_id[record.external_id] = record
    return list(by_id.values()), findings
