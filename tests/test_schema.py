"""The OpenAPI schema builds without a warning (unique component names), and its UI is served."""

import pytest
from django.core.management import call_command


def test_schema_builds_and_validates_without_warnings(tmp_path):
    target = tmp_path / "schema.yml"
    # --fail-on-warn turns every drf-spectacular warning (e.g. two serializers with one component name) into an error
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    text = target.read_text()
    for path in ("/api/v1/models/", "/api/v1/models/{id}/cost/", "/api/v1/select/", "/api/v1/sync/",
                 "/api/v1/sync/status/", "/api/v1/sync-runs/{id}/"):  # fmt: skip
        assert f"  {path}:" in text


def test_component_names_are_unique_and_every_4xx_has_the_error_shape():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    components = schema["components"]["schemas"]
    assert {"LLMModel", "LLMModelDetail", "SelectionRequest", "Selection", "Error"} <= set(components)
    select = schema["paths"]["/api/v1/select/"]["post"]["responses"]
    assert select["400"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}


@pytest.mark.django_db
def test_schema_and_docs_are_served_to_anyone(client):
    assert client.get("/api/schema/").status_code == 200
    docs = client.get("/api/docs/")
    assert docs.status_code == 200 and b"swagger" in docs.content.lower()


def _query(schema: dict, path: str) -> dict[str, dict]:
    return {p["name"]: p["schema"] for p in schema["paths"][path]["get"]["parameters"] if p["in"] == "query"}


def test_query_parameters_say_what_the_filters_refuse():
    from drf_spectacular.generators import SchemaGenerator

    from catalog.api.serializers import NO_NUL

    schema = SchemaGenerator().get_schema(request=None, public=True)
    models, changes = _query(schema, "/api/v1/models/"), _query(schema, "/api/v1/changes/")
    assert models["min_context"] == {"type": "integer", "minimum": 0, "maximum": 10**9}
    assert models["search"] == {"type": "string", "maxLength": 200, "pattern": NO_NUL}
    assert models["callable"]["type"] == "boolean"
    assert changes["model"] == {"type": "integer", "minimum": 1}
    assert changes["after"]["type"] == "integer" and changes["after"]["minimum"] == 0
    after = next(p for p in schema["paths"]["/api/v1/changes/"]["get"]["parameters"] if p["name"] == "after")
    assert "last id you saw" in after["description"]  # kept beside the integer type
    assert changes["source"] == {"type": "string", "maxLength": 64, "pattern": NO_NUL}
    assert changes["page_size"] == {"type": "integer", "minimum": 1, "maximum": 200}
    assert _query(schema, "/api/v1/sync-runs/")["source"]["pattern"] == NO_NUL


def test_selection_text_refuses_nul_and_the_cost_documents_its_422():
    from drf_spectacular.generators import SchemaGenerator

    from catalog.api.serializers import NO_NUL

    schema = SchemaGenerator().get_schema(request=None, public=True)
    request = schema["components"]["schemas"]["SelectionRequest"]["properties"]
    for field in ("providers", "exclude_providers", "preferred"):
        assert request[field]["items"]["pattern"] == NO_NUL and request[field]["items"]["minLength"] == 1
    unavailable = schema["paths"]["/api/v1/models/{id}/cost/"]["get"]["responses"]["422"]
    assert "pricing_unavailable" in unavailable["description"]
    assert unavailable["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
