"""Schemathesis over the live OpenAPI schema, in-process over WSGI, with every check it has: no 5xx, status codes,
content types, response schemas and headers as documented, data the schema forbids refused and data it allows
accepted, deleted or created resources behaving as such, and auth not ignored.

Run as anonymous (with MODELSYNC_PUBLIC_READ=1, and without it) and as staff, one operation at a time and in
sequences (staff), on the catalog synced from the real static snapshot. Examples per operation are bounded (25, 10
without public read, 15 sequences of up to 6 calls) so the whole file stays within CI's budget: about 45 s of CPU,
two minutes of wall time on a busy two-core machine (PostgreSQL).
"""

import pytest
import schemathesis
from django.contrib.auth.models import Permission
from django.core.cache import cache
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    allow_header_conformance,
    content_type_conformance,
    ensure_resource_availability,
    ignored_auth,
    missing_required_header,
    negative_data_rejection,
    object_level_authorization,
    positive_data_acceptance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
    use_after_free,
)

from config.wsgi import application
from modelsync.models import Source
from modelsync.sync.pipeline import source_sync

schema = schemathesis.openapi.from_wsgi("/api/schema/", application)
# The same schema for sequences of calls as staff (the links schemathesis infers: a list's id to its detail, cost and
# prices; a sync's run id to the run): where use_after_free and ensure_resource_availability have something to see.
workflow_schema = schemathesis.openapi.from_wsgi("/api/schema/", application)
STAFF_TOKEN: dict[str, str] = {}
# A usage's parts may not exceed their wholes (catalog.pricing.usage.PARTS: a 400 naming the part), which no JSON
# Schema can say: a generated usage that breaks the rule is not "schema-valid data the API must accept".
USAGE_PARTS = {
    "input_tokens": ("cache_read_tokens", "cache_write_tokens", "cache_write_1h_tokens", "input_audio_tokens"),
    "output_tokens": ("reasoning_tokens", "output_audio_tokens"),
}


def _number(value) -> int | None:
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _parts_exceed_wholes(data) -> bool:
    if not isinstance(data, dict):
        return False
    for whole, parts in USAGE_PARTS.items():
        total = sum(_number(data.get(part)) or 0 for part in parts)
        if total > (_number(data.get(whole)) or 0):
            return True
    return False


@schemathesis.check
def positive_data_acceptance_within_wholes(ctx, response, case):
    """positive_data_acceptance, except for a usage whose parts exceed their wholes (refused by design)."""
    if _parts_exceed_wholes(case.query) or _parts_exceed_wholes(case.body):
        assert response.status_code in (400, 401, 403, 404), response.text  # refused, never accepted nor a 5xx
        return None
    return positive_data_acceptance(ctx, response, case)


ALL_CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
    negative_data_rejection,
    positive_data_acceptance_within_wholes,
    use_after_free,
    ensure_resource_availability,
    ignored_auth,
    missing_required_header,
    unsupported_method,
    allow_header_conformance,
    object_level_authorization,
]
# The sequences run the checks their configuration enables: this one in place of positive_data_acceptance.
workflow_schema.config.checks.update(excluded_check_names=["positive_data_acceptance"])
WORKFLOWS = settings(max_examples=15, stateful_step_count=6, deadline=None, suppress_health_check=list(HealthCheck))
EXAMPLES = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)


@pytest.fixture
def catalog(django_db_setup, django_db_blocker):
    """The real static catalog, synced once for this module's tests (kept: each test reads it)."""
    with django_db_blocker.unblock():
        source, created = Source.objects.get_or_create(name="static", defaults={"kind": "static"})
        if created:
            source_sync(source=source, trigger="cli")
        yield source


@pytest.fixture
def staff_headers(django_user_model, django_db_blocker):
    with django_db_blocker.unblock():
        user, _ = django_user_model.objects.get_or_create(username="fuzz-staff", defaults={"is_staff": True})
        user.user_permissions.add(Permission.objects.get(codename="run_sync"))  # the sync endpoints need it
        token, _ = Token.objects.get_or_create(user=user)
    cache.clear()  # the sync trigger's throttle counts per user
    return {"Authorization": f"Token {token.key}"}


# The operations CatalogReader guards: with MODELSYNC_PUBLIC_READ=1 they answer without credentials by design, while
# the schema (one schema for every deployment) says they need them, so ignored_auth cannot hold for them there.
PUBLIC_READS = {"GET /api/v1/models/", "GET /api/v1/models/{id}/", "GET /api/v1/models/{id}/cost/",
                "GET /api/v1/models/{id}/prices/", "POST /api/v1/select/", "GET /api/v1/changes/",
                "GET /api/v1/retirements/"}  # fmt: skip


@pytest.mark.django_db(transaction=True)
@schema.parametrize()
@EXAMPLES
def test_anonymous_with_public_read(case, catalog, settings):
    settings.MODELSYNC_PUBLIC_READ = True
    public = case.operation.label in PUBLIC_READS
    case.call_and_validate(checks=[check for check in ALL_CHECKS if not (public and check is ignored_auth)])


@pytest.mark.django_db(transaction=True)
@schema.parametrize()
@settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck))
def test_anonymous_without_public_read(case, catalog):
    response = case.call_and_validate(checks=ALL_CHECKS)
    assert response.status_code in (401, 404, 405) or case.path.startswith("/api/schema"), response.text


@pytest.mark.django_db(transaction=True)
@schema.parametrize()
@EXAMPLES
def test_staff(case, catalog, staff_headers):
    case.call_and_validate(headers=staff_headers, checks=ALL_CHECKS)


@workflow_schema.auth()
class StaffToken:
    """The staff token as the schema's declared auth, so ignored_auth knows it is real and probes without it."""

    def get(self, case, context):
        return STAFF_TOKEN["Authorization"]

    def set(self, case, data, context):
        case.headers = {**(case.headers or {}), "Authorization": data}


@pytest.mark.django_db(transaction=True)
def test_staff_workflows(catalog, staff_headers):
    STAFF_TOKEN.update(staff_headers)
    # Each step is validated with every check the configuration enables: all of them.
    assert all(workflow_schema.config.checks.get_by_name(name=check.__name__).enabled for check in ALL_CHECKS)
    assert not workflow_schema.config.checks.get_by_name(name="positive_data_acceptance").enabled
    workflow_schema.as_state_machine().run(settings=WORKFLOWS)
