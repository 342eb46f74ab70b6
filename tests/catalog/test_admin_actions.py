"""Catalog admin: the status column, the history of an unsaved model, and the bulk actions' edge cases."""

from decimal import Decimal

import pytest
from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from catalog import admin as catalog_admin
from catalog.models import LLMModel
from catalog.version import catalog_version_get
from tests.factories import LLMModelFactory

pytestmark = pytest.mark.django_db
CHANGELIST = reverse("admin:catalog_llmmodel_changelist")


def test_status_column_says_inactive_before_hidden_or_published(admin_client):
    LLMModelFactory(model="acme/retired", is_active=False, is_hidden=True)
    LLMModelFactory(model="acme/live", is_recommended=True)
    content = admin_client.get(CHANGELIST).content.decode()
    assert '<span class="ms-status ms-off">inactive</span>' in content
    assert '<span class="ms-status ms-hidden">' not in content  # inactive wins over hidden
    assert '<span class="ms-status ms-on">published ★</span>' in content


def test_change_history_of_an_unsaved_model_is_a_dash():
    model_admin = catalog_admin.LLMModelAdmin(LLMModel, admin.site)
    assert model_admin.change_history(LLMModel()) == "—"


def test_unmark_recommended_overrides_a_synced_recommendation(admin_client):
    model = LLMModelFactory(is_recommended=True)
    before = catalog_version_get()
    response = admin_client.post(
        CHANGELIST, {"action": "unmark_recommended", ACTION_CHECKBOX_NAME: [model.pk]}, follow=True
    )
    assert "Marked not recommended 1 model." in response.content.decode()
    model.refresh_from_db()
    assert (model.is_recommended, model.staff_is_recommended, model.effective_is_recommended) == (True, False, False)
    assert catalog_version_get() == before + 1


def test_set_safety_score_shows_the_services_refusal_as_an_error(admin_client, monkeypatch):
    def refuse(**_kwargs):
        raise ValueError("a safety score is between 0 and 1")

    monkeypatch.setattr(catalog_admin, "llm_models_override", refuse)
    model = LLMModelFactory(safety_score=Decimal("0.4"))
    data = {"action": "set_safety_score", ACTION_CHECKBOX_NAME: [model.pk], "apply": "1", "score": "0.5"}
    response = admin_client.post(CHANGELIST, data, follow=True)
    assert response.status_code == 200
    messages = [(m.level_tag, m.message) for m in response.context["messages"]]
    assert messages == [("error", "a safety score is between 0 and 1")]
    model.refresh_from_db()
    assert model.staff_safety_score is None


def test_an_empty_safety_score_clears_the_override(admin_client):
    model = LLMModelFactory(safety_score=Decimal("0.4"), staff_safety_score=Decimal("0.9"))
    data = {"action": "set_safety_score", ACTION_CHECKBOX_NAME: [model.pk], "apply": "1", "score": ""}
    response = admin_client.post(CHANGELIST, data, follow=True)
    assert "Set the safety score of 1 model." in response.content.decode()
    model.refresh_from_db()
    assert (model.staff_safety_score, model.effective_safety_score) == (None, Decimal("0.400"))
