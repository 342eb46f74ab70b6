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
