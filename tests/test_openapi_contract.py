"""The public API's shape is pinned: docs/openapi.yaml is committed, and the picker only uses what it declares."""

import re

import pytest
import yaml
from drf_spectacular.generators import SchemaGenerator

from tests.settings_vars import ROOT

COMMITTED = ROOT / "docs" / "openapi.yaml"
PICKER = (ROOT / "catalog" / "static" / "catalog" / "picker.js").read_text()


@pytest.fixture(scope="module")
def live_schema() -> dict:
    # Round-trip through YAML so both sides hold the same plain types.
    return yaml.safe_load(yaml.safe_dump(SchemaGenerator().get_schema(request=None, public=True), sort_keys=False))


# drf-spectacular takes model integer bounds from the database backend (SQLite and PostgreSQL differ); the
# contract is the rest.
BACKEND_BOUNDS = {2**31 - 1, 2**63 - 1, -(2**31), -(2**63)}


def _portable(node):
    if isinstance(node, dict):
        return {
            key: _portable(value)
            for key, value in node.items()
            if not (key in ("maximum", "minimum") and value in BACKEND_BOUNDS)
            and not (key == "format" and value == "int64")
        }
    if isinstance(node, list):
        return [_portable(item) for item in node]
    return node


def test_live_schema_matches_the_committed_file(live_schema):
    committed = yaml.safe_load(COMMITTED.read_text())
    assert _portable(live_schema) == _portable(committed), (
        "the API changed: run `make schema`, commit docs/openapi.yaml"
    )


def _parameters(schema: dict, path: str) -> set[str]:
    return {p["name"] for p in schema["paths"][path]["get"].get("parameters", ())}


def test_picker_list_query_uses_declared_parameters():
    schema = yaml.safe_load(COMMITTED.read_text())
    used = set(re.findall(r'query\.(?:set|append)\("(\w+)"', PICKER))
    used |= set(re.findall(r"(\w+): \"", PICKER.split("new URLSearchParams(", 1)[1].split(")", 1)[0]))
    assert {"category", "capability", "search", "ordering", "page_size"} <= used
    assert used <= _parameters(schema, "/api/v1/models/")


def test_picker_selection_body_uses_declared_fields():
    schema = yaml.safe_load(COMMITTED.read_text())
    request = schema["paths"]["/api/v1/select/"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    name = request["$ref"].rsplit("/", 1)[-1]
    declared = set(schema["components"]["schemas"][name]["properties"])
    block = PICKER.split("const SELECT_FIELDS = {", 1)[1].split("};", 1)[0]
    sent = set(re.findall(r"(\w+): \"", block))
    assert len(sent) == 18 and sent <= declared


def test_picker_reads_only_declared_response_fields():
    schema = yaml.safe_load(COMMITTED.read_text())
    components = schema["components"]["schemas"]
    selection_fields = set().union(*(set(c.get("properties", {})) for c in components.values()))
    read = set(re.findall(r"(?:model|result|data|pricing|cost)\.(\w+)", PICKER))
    # `result.data` is the page's own api() wrapper ({data, stale}), not an API field.
    assert read - {"data", "length"} <= selection_fields, read - selection_fields
