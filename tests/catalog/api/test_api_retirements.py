"""GET /api/v1/retirements/ and the Deprecation / Sunset / Link headers on a retiring model's detail."""

from __future__ import annotations

import datetime as dt
from email.utils import parsedate_to_datetime

import pytest
import time_machine

from catalog.models import LLMModel
from modelsync.models import Source
from tests.factories import LLMModelFactory, SourceFactory

pytestmark = pytest.mark.django_db
TODAY = dt.datetime(2026, 7, 1, 12, tzinfo=dt.UTC)
URL = "/api/v1/retirements/"


@pytest.fixture(autouse=True)
def _frozen_today():
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def dated(db):
    gateway = SourceFactory(name="gateway", kind=Source.Kind.LITELLM)
    other = SourceFactory(name="other", kind=Source.Kind.OPENROUTER, api_key_env="OPENROUTER_API_KEY")
    newer = LLMModelFactory(source=gateway, model="gpt-new", capabilities=["function_calling", "vision"])
    models = {
        "past": LLMModelFactory(source=gateway, model="gpt-past", expires_at=dt.datetime(2026, 6, 1, tzinfo=dt.UTC)),
        "soon": LLMModelFactory(source=gateway, model="gpt-soon", staff_retirement_date=dt.date(2026, 7, 8),
                                staff_successor=newer),
        "later": LLMModelFactory(source=other, model="or-later", expires_at=dt.datetime(2026, 12, 1, tzinfo=dt.UTC)),
    }  # fmt: skip
    return models, newer


def test_every_retirement_by_date_with_days_left_provenance_and_successor(reader, dated):
    models, newer = dated
    body = reader.get(URL).json()
    assert body["count"] == 3 and [r["model"] for r in body["results"]] == ["gpt-past", "gpt-soon", "or-later"]
    soon = body["results"][1]
    assert soon | {"successor": None} == {
        "id": models["soon"].pk, "model": "gpt-soon", "display_name": models["soon"].display_name,
        "source": "gateway", "provider": "openai", "date": "2026-07-08", "days_left": 7, "provenance": "staff",
        "successor": None,
    }  # fmt: skip
    assert soon["successor"] == {"id": newer.pk, "model": "gpt-new", "display_name": newer.display_name,
                                 "source": "gateway", "chosen_by": "staff",
                                 "reasons": ["set by staff on the model page"]}  # fmt: skip
    assert body["results"][0]["days_left"] == -30 and body["results"][2]["provenance"] == "openrouter"
    assert body["results"][0]["successor"]["chosen_by"] == "selection"  # gpt-new: same provider, callable


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("source=other", ["or-later"]),
        ("after=2026-07-01", ["gpt-soon", "or-later"]),
        ("before=2026-07-08", ["gpt-past", "gpt-soon"]),
        ("after=2026-07-02&before=2026-07-07", []),
        ("within_days=7", ["gpt-soon"]),
        ("within_days=0", []),
        ("source=nope", []),
        ("source=", ["gpt-past", "gpt-soon", "or-later"]),  # blank: every source
        ("within_days=7&after=2026-01-01", ["gpt-soon"]),  # every bound applies
        ("within_days=30&before=2026-07-08", ["gpt-soon"]),
        ("after=2026-08-01&before=2026-07-01", []),  # a window with no day
    ],
)
def test_filters_by_source_and_window(reader, dated, query, expected):
    assert [r["model"] for r in reader.get(f"{URL}?{query}").json()["results"]] == expected


@pytest.mark.parametrize(
    ("query", "field"),
    [("after=tomorrow", "after"), ("within_days=-1", "within_days"), ("page=0", "page"),
     ("page_size=100000", "page_size"),
     ("before=", "before"), ("after=&source=", "after"), ("within_days=", "within_days")],
)  # fmt: skip
def test_bad_filters_are_a_400_naming_the_field(reader, dated, query, field):
    response = reader.get(f"{URL}?{query}")
    assert response.status_code == 400 and field in response.json()["error"]["fields"], response.json()


def test_paginated_like_the_other_lists(reader, dated):
    body = reader.get(f"{URL}?page_size=2&page=2").json()
    assert body["count"] == 3 and [r["model"] for r in body["results"]] == ["or-later"] and body["previous"]


def test_read_permission_is_the_apis(client, dated, settings):
    assert client.get(URL).status_code in (401, 403)
    settings.MODELSYNC_PUBLIC_READ = True
    assert client.get(URL).status_code == 200


def test_a_retiring_models_detail_says_deprecation_sunset_and_its_successor(reader, dated):
    models, newer = dated
    response = reader.get(f"/api/v1/models/{models['soon'].pk}/")
    day = dt.datetime(2026, 7, 8, tzinfo=dt.UTC)
    assert response["Deprecation"] == f"@{int(day.timestamp())}"  # RFC 9745: a structured-field date
    assert response["Sunset"] == "Wed, 08 Jul 2026 00:00:00 GMT" and parsedate_to_datetime(response["Sunset"]) == day
    assert response["Link"] == f'<http://testserver/api/v1/models/{newer.pk}/>; rel="successor-version"'
    again = reader.get(f"/api/v1/models/{models['soon'].pk}/", HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304


def test_a_model_without_a_date_has_no_such_headers_and_a_new_staff_date_shows_at_once(reader, dated, admin_user):
    from catalog.services import llm_model_curate

    _, newer = dated
    first = reader.get(f"/api/v1/models/{newer.pk}/")
    assert not {"Deprecation", "Sunset", "Link"} & set(first.headers)
    newer = LLMModel.objects.get(pk=newer.pk)
    newer.staff_retirement_date = dt.date(2026, 9, 1)
    llm_model_curate(llm_model=newer, changed_fields=["staff_retirement_date"], actor=admin_user)
    second = reader.get(f"/api/v1/models/{newer.pk}/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert second.status_code == 200 and second["Sunset"] == "Tue, 01 Sep 2026 00:00:00 GMT"
