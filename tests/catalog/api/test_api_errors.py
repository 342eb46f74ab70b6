"""Bad input never gets a 5xx: every 4xx has the one error shape, and names the problem."""

from datetime import timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from catalog.api.filters import as_utc
from modelsync.models import Event
from tests.factories import LLMModelFactory, SourceFactory

pytestmark = pytest.mark.django_db


def assert_error(response, status: int, field: str | None = None) -> dict:
    assert response.status_code == status, response.content
    error = response.json()["error"]
    assert isinstance(error["code"], str) and error["message"]
    if field:
        assert error["code"] == "invalid" and field in error["fields"], error
    return error


BAD_LIST_QUERIES = [
    ({"page": "abc"}, "page"),
    ({"page": "0"}, "page"),
    ({"page": "-1"}, "page"),
    ({"page_size": "100000"}, "page_size"),
    ({"page_size": "0"}, "page_size"),
    ({"page_size": "ten"}, "page_size"),
    ({"min_context": "abc"}, "min_context"),
    ({"min_context": "-5"}, "min_context"),
    ({"min_context": "NaN"}, "min_context"),
    ({"min_context": "Infinity"}, "min_context"),
    ({"min_context": "1e400"}, "min_context"),
    ({"min_context": str(10**30)}, "min_context"),
    ({"min_context": "0.5"}, "min_context"),
    ({"min_context": ""}, "min_context"),
    ({"max_input_cost": "1e30"}, "max_input_cost"),
    ({"min_safety": "99"}, "min_safety"),
    ({"include_inactive": "null"}, "include_inactive"),
    ({"max_input_cost": "cheap"}, "max_input_cost"),
    ({"max_output_cost": "-1"}, "max_output_cost"),
    ({"min_safety": "NaN"}, "min_safety"),
    ({"category": "telepathy"}, "category"),
    ({"provider": "acme"}, "provider"),
    ({"capability": "telepathy"}, "capability"),
    ({"is_free": "maybe"}, "is_free"),
    ({"usable": "2"}, "usable"),
    ({"search": "x" * 201}, "search"),
]


@pytest.mark.parametrize(("params", "field"), BAD_LIST_QUERIES)
def test_bad_list_query_parameters_are_a_400_naming_the_parameter(reader, params, field):
    assert_error(reader.get("/api/v1/models/", params), 400, field)


@pytest.mark.parametrize("params", [{"min_context": str(10**9)}, {"max_input_cost": "1000000"}, {"min_safety": "1"},
                                    {"ordering": "staff_notes"}, {"source": "x" * 2000}])  # fmt: skip
def test_extreme_but_well_formed_list_queries_answer_200(reader, params):
    LLMModelFactory()
    response = reader.get("/api/v1/models/", params)
    assert response.status_code == 200 and "results" in response.json()


def test_a_page_past_the_end_is_a_404_in_the_error_shape(reader):
    LLMModelFactory()
    assert_error(reader.get("/api/v1/models/", {"page": "99"}), 404)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"input_tokens": "-1"}, "input_tokens"),
        ({"input_tokens": "abc"}, "input_tokens"),
        ({"input_tokens": "1.5"}, "input_tokens"),
        ({"output_tokens": str(10**10)}, "output_tokens"),
        ({"output_tokens": "NaN"}, "output_tokens"),
        ({"tokens": "5"}, "tokens"),
    ],
)
def test_bad_cost_queries_are_a_400_naming_the_parameter(reader, params, field):
    model = LLMModelFactory()
    assert_error(reader.get(f"/api/v1/models/{model.pk}/cost/", params), 400, field)


@pytest.mark.parametrize("pk", ["999999", "abc", "99999999999999999999999"])
def test_unknown_model_ids_are_a_404_in_the_error_shape(reader, pk):
    assert_error(reader.get(f"/api/v1/models/{pk}/"), 404)
    assert_error(reader.get(f"/api/v1/models/{pk}/cost/"), 404)


BAD_SELECT_BODIES = [
    ({"unknown": 1}, "unknown"),
    ({"min_context": "abc"}, "min_context"),
    ({"min_context": True}, "min_context"),
    ({"min_context": -1}, "min_context"),
    ({"min_context": 10**12}, "min_context"),
    ({"min_output_tokens": 1.5}, "min_output_tokens"),
    ({"max_input_cost": "NaN"}, "max_input_cost"),
    ({"max_input_cost": "Infinity"}, "max_input_cost"),
    ({"max_output_cost": "-0.5"}, "max_output_cost"),
    ({"max_output_cost": "1" * 30}, "max_output_cost"),
    ({"category": None}, "category"),
    ({"category": {"nested": "object"}}, "category"),
    ({"strategy": "random"}, "strategy"),
    ({"fallbacks": 11}, "fallbacks"),
    ({"fallbacks": -1}, "fallbacks"),
    ({"free_only": "maybe"}, "free_only"),
    ({"capabilities": "vision"}, "capabilities"),
    ({"capabilities": ["telepathy"]}, "capabilities"),
    ({"capabilities": [["vision"]]}, "capabilities"),
    ({"preferred": ["x" * 600]}, "preferred"),
    ({"preferred": ["m"] * 21}, "preferred"),
    ({"providers": ["p"] * 51}, "providers"),
    ({"exclude_providers": [None]}, "exclude_providers"),
    ({"min_safety": "1.5"}, "min_safety"),
    ({"input_tokens": -3}, "input_tokens"),
    ({"input_tokens": "5"}, "input_tokens"),
    ({"max_input_cost": 2.5}, "max_input_cost"),
    ({"preferred": [0]}, "preferred"),
    ({"preferred": [""]}, "preferred"),
    ({"free_only": 1}, "free_only"),
]


@pytest.mark.parametrize(("body", "field"), BAD_SELECT_BODIES)
def test_bad_selection_requests_get_a_400_naming_the_field(reader, body, field):
    assert_error(reader.post("/api/v1/select/", body, format="json"), 400, field)


MALFORMED = [
    ("[" * 1000 + "]" * 1000, "application/json", 400),
    ('{"a":' * 1000 + "1" + "}" * 1000, "application/json", 400),
    ('{"category": ' + "[" * 30 + "]" * 30 + "}", "application/json", 400),
    ("[1, 2]", "application/json", 400),
    ("null", "application/json", 400),
    ('"chat"', "application/json", 400),
    ('{"category": ', "application/json", 400),
    ('{"max_input_cost": NaN}', "application/json", 400),
    ('{"max_input_cost": 1e400}', "application/json", 400),
    (b'{"category": "\xff"}', "application/json", 400),
    ("category=chat", "text/plain", 415),
    ("category=chat", "application/x-www-form-urlencoded", 415),
    ('{"preferred": ["' + "x" * 70000 + '"]}', "application/json", 413),
]


@pytest.mark.parametrize(("raw", "content_type", "status"), MALFORMED)
def test_malformed_selection_bodies_never_5xx(reader, raw, content_type, status):
    assert_error(reader.generic("POST", "/api/v1/select/", raw, content_type=content_type), status)


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ("[" * 30000 + "]" * 30000, "nested deeper than 20 levels"),  # as deep as fits under the 64 KiB body cap
        ('{"a":' * 10000 + "1" + "}" * 10000, "nested deeper than 20 levels"),
        ('{"category": ' + "[" * 21 + "]" * 21 + "}", "nested deeper than 20 levels"),
        ('{"input_tokens": ' + "9" * 5000 + "}", "integer longer than 4300 digits"),
    ],
)
def test_parser_limits_in_a_selection_body_are_a_400_naming_the_limit(reader, raw, problem):
    error = assert_error(reader.generic("POST", "/api/v1/select/", raw, content_type="application/json"), 400)
    assert error["code"] == "parse_error" and problem in error["message"], error


@pytest.mark.parametrize(
    ("raw", "status", "field"),
    [
        ('{"source": "../etc"}', 400, "source"),
        ('{"source": "static", "force": true}', 400, "force"),
        ("[]", 400, "non_field_errors"),
        ("[" * 1000 + "]" * 1000, 400, None),
        ('{"source": "nope"}', 404, None),
    ],
)
def test_bad_sync_triggers_are_4xx(staff, raw, status, field):
    SourceFactory(name="static", kind="static")
    assert_error(staff.generic("POST", "/api/v1/sync/", raw, content_type="application/json"), status, field)


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_the_catalog_is_read_only_405(reader, method):
    model = LLMModelFactory()
    path = "/api/v1/models/" if method == "post" else f"/api/v1/models/{model.pk}/"
    assert assert_error(getattr(reader, method)(path, {}, format="json"), 405)["code"] == "method_not_allowed"
    assert_error(reader.get("/api/v1/select/"), 405)


# --- the schema says what the server does (tests/test_schema.py checks the schema's side) ---------------------


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/api/v1/models/", {"callable": ["maybe", "true"]}, "callable"),  # Django alone would read the last one
        ("/api/v1/models/", {"callable": ["false", "true"]}, "callable"),
        ("/api/v1/models/", {"search": ["x" * 201, "gpt"]}, "search"),
        ("/api/v1/models/", {"min_context": ["x", "1000"]}, "min_context"),
        ("/api/v1/models/", {"source": ["static", "static"]}, "source"),
        ("/api/v1/changes/", {"model": ["0", "1"]}, "model"),
        ("/api/v1/changes/", {"after": ["-1", "0"]}, "after"),
    ],
)
def test_a_single_valued_parameter_sent_twice_is_a_400_naming_it(reader, path, params, field):
    error = assert_error(reader.get(path, params), 400, field)
    assert "Give this parameter once." in error["fields"][field]


def test_a_cost_parameter_sent_twice_is_a_400_naming_it(reader):
    model = LLMModelFactory()
    error = assert_error(reader.get(f"/api/v1/models/{model.pk}/cost/", {"input_tokens": ["abc", "5"]}), 400)
    assert error["fields"] == {"input_tokens": ["Give this parameter once."]}, error


def test_a_repeatable_parameter_may_still_repeat(reader):
    LLMModelFactory()
    assert reader.get("/api/v1/models/", {"provider": ["openai", "anthropic"]}).status_code == 200


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/api/v1/models/", {"min_context": "1.5"}, "min_context"),  # the schema says integer
        ("/api/v1/changes/", {"model": "0"}, "model"),  # the schema says minimum 1
        ("/api/v1/changes/", {"after": "-1"}, "after"),  # the schema says minimum 0
        ("/api/v1/changes/", {"source": "x" * 65}, "source"),  # the schema says maxLength 64
        ("/api/v1/changes/", {"source": "a\x00b"}, "source"),  # the schema's pattern refuses NUL
        ("/api/v1/models/", {"search": "gpt\x00"}, "search"),
        ("/api/v1/changes/", {"page_size": "0"}, "page_size"),  # the schema says minimum 1
    ],
)
def test_query_values_the_schema_refuses_are_a_400(reader, path, params, field):
    assert_error(reader.get(path, params), 400, field)


@pytest.mark.parametrize("field", ["exclude_providers", "providers", "preferred"])
def test_nul_characters_in_selection_text_are_a_400(reader, field):
    assert_error(reader.post("/api/v1/select/", {field: ["open\x00ai"]}, format="json"), 400, field)


def test_a_cost_without_known_pricing_is_the_documented_422(reader):
    model = LLMModelFactory(pricing_status="unknown", input_cost_per_mtok=None, output_cost_per_mtok=None)
    error = assert_error(reader.get(f"/api/v1/models/{model.pk}/cost/", {"input_tokens": "10"}), 422)
    assert error["code"] == "pricing_unavailable"


@pytest.mark.parametrize("name", ["\u00a0", " ", "\u001e"])
def test_selection_text_is_read_as_sent_so_whitespace_is_a_name_that_matches_nothing(reader, name):
    # Trimmed, it was a 400 (blank) for a value the schema allows (minLength 1, no NUL).
    response = reader.post("/api/v1/select/", {"exclude_providers": [name], "preferred": [name]}, format="json")
    assert response.status_code == 200, response.content


def test_selection_text_length_counts_what_was_sent(reader):
    padded = " " * 10 + "p" * 60  # 70 characters: over the schema's 64 even though 60 are not whitespace
    assert_error(reader.post("/api/v1/select/", {"providers": [padded]}, format="json"), 400, "providers")


offsets = st.timedeltas(min_value=timedelta(hours=-23, minutes=-59), max_value=timedelta(hours=23, minutes=59))
any_time = st.datetimes(
    timezones=offsets.map(lambda offset: timezone(timedelta(minutes=offset // timedelta(minutes=1))))
)


@given(since=any_time)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_changes_since_any_iso_time_answers_the_events_from_then(reader, since):
    # PostgreSQL refuses offsets past ±15:59 (it was a 503); ISO 8601 and the schema's date-time allow ±23:59.
    Event.objects.all().delete()
    event = Event.objects.create(type=Event.Type.SOURCE_FAILING, data={})
    response = reader.get("/api/v1/changes/", {"since": since.isoformat()})
    assert response.status_code == 200, response.content
    assert [e["id"] for e in response.json()["results"]] == ([event.id] if as_utc(since) <= event.created_at else [])
