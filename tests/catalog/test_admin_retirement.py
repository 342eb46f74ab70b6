"""Staff set a retirement date and a successor on the model page; the page shows the date in force and its origin."""

import datetime as dt

import pytest
from django.urls import reverse

from modelsync.models import Event
from tests.factories import LLMModelFactory

pytestmark = pytest.mark.django_db
NO_LINKS = {"links-TOTAL_FORMS": "0", "links-INITIAL_FORMS": "0"}


def change_url(model) -> str:
    return reverse("admin:catalog_llmmodel_change", args=[model.pk])


def form(**values) -> dict:
    return {"staff_is_recommended": "unknown", **NO_LINKS, **values}


def test_staff_set_a_date_and_successor_and_the_page_shows_them_with_their_origin(admin_client):
    model = LLMModelFactory(model="old-model", expires_at=dt.datetime(2027, 5, 1, tzinfo=dt.UTC))
    successor = LLMModelFactory(model="new-model")
    page = admin_client.get(change_url(model)).content.decode()
    assert 'name="staff_retirement_date"' in page and 'name="staff_successor"' in page
    assert "2027-05-01 — from litellm" in page

    response = admin_client.post(change_url(model), form(staff_retirement_date="2027-02-01",
                                                         staff_successor=str(successor.pk)))  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    model.refresh_from_db()
    assert (model.staff_retirement_date, model.staff_successor) == (dt.date(2027, 2, 1), successor)
    page = admin_client.get(change_url(model)).content.decode()
    assert "2027-02-01 — from staff" in page and "new-model (staff: set by staff on the model page)" in page
    curated = Event.objects.get(type="model.curated", llm_model=model)
    assert curated.data["changes"] == {"staff_retirement_date": "2027-02-01", "staff_successor": successor.pk}


def test_a_model_cannot_be_its_own_successor_in_admin(admin_client):
    model = LLMModelFactory()
    response = admin_client.post(change_url(model), form(staff_successor=str(model.pk)))
    assert response.status_code == 200 and "cannot succeed itself" in response.content.decode()
    model.refresh_from_db()
    assert model.staff_successor is None
