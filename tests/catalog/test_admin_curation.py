"""Staff curation in admin: filters, overrides beside synced values, bulk actions through services."""

from decimal import Decimal

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from catalog.models import LLMModel
from catalog.version import catalog_version_get
from modelsync.models import ModelChange
from tests.factories import LLMModelFactory, SyncRunFactory

pytestmark = pytest.mark.django_db
CHANGELIST = reverse("admin:catalog_llmmodel_changelist")

# The links inline's management form, with no link rows (a page with links posts them too).
NO_LINKS = {"links-TOTAL_FORMS": "0", "links-INITIAL_FORMS": "0"}


def _change_url(model: LLMModel) -> str:
    return reverse("admin:catalog_llmmodel_change", args=[model.pk])


def _listed(response) -> set[int]:
    return {obj.pk for obj in response.context["cl"].result_list}


def test_changelist_filters_by_capability_and_effective_recommended(admin_client):
    vision = LLMModelFactory(capabilities=["vision", "function_calling"], is_recommended=True)
    plain = LLMModelFactory(capabilities=["function_calling"], is_recommended=True, staff_is_recommended=False)
    staff_pick = LLMModelFactory(capabilities=[], is_recommended=False, staff_is_recommended=True)

    assert _listed(admin_client.get(CHANGELIST, {"capability": "vision"})) == {vision.pk}
    assert _listed(admin_client.get(CHANGELIST, {"recommended": "1"})) == {vision.pk, staff_pick.pk}
    assert _listed(admin_client.get(CHANGELIST, {"recommended": "0"})) == {plain.pk}


def test_changelist_shows_prices_per_mtok_and_status(admin_client):
    LLMModelFactory(model="acme/cheap", input_cost_per_mtok=Decimal("0.150000000"), is_hidden=True)
    content = admin_client.get(CHANGELIST).content.decode()
    assert "$0.15" in content and "hidden" in content and "acme/cheap" in content


def test_hide_and_publish_actions_flip_the_flag_and_bump_the_version(admin_client):
    models = LLMModelFactory.create_batch(3)
    before = catalog_version_get()
    ids = [m.pk for m in models[:2]]
    response = admin_client.post(CHANGELIST, {"action": "hide", ACTION_CHECKBOX_NAME: ids}, follow=True)
    assert "Hid 2 models." in response.content.decode()
    assert set(LLMModel.objects.filter(is_hidden=True).values_list("pk", flat=True)) == set(ids)
    assert catalog_version_get() == before + 1
    admin_client.post(CHANGELIST, {"action": "publish", ACTION_CHECKBOX_NAME: ids[:1]})
    assert set(LLMModel.objects.filter(is_hidden=True).values_list("pk", flat=True)) == {ids[1]}


def test_recommended_actions_set_and_clear_the_override(admin_client):
    model = LLMModelFactory(is_recommended=False)
    admin_client.post(CHANGELIST, {"action": "mark_recommended", ACTION_CHECKBOX_NAME: [model.pk]})
    model.refresh_from_db()
    assert (model.staff_is_recommended, model.effective_is_recommended) == (True, True)
    admin_client.post(CHANGELIST, {"action": "clear_recommended", ACTION_CHECKBOX_NAME: [model.pk]})
    model.refresh_from_db()
    assert (model.staff_is_recommended, model.effective_is_recommended) == (None, False)


def test_set_safety_score_asks_then_applies(admin_client):
    model = LLMModelFactory(safety_score=Decimal("0.4"))
    data = {"action": "set_safety_score", ACTION_CHECKBOX_NAME: [model.pk]}
    page = admin_client.post(CHANGELIST, data)
    assert page.status_code == 200 and b'name="score"' in page.content

    bad = admin_client.post(CHANGELIST, {**data, "apply": "1", "score": "1.5"})
    assert b"less than or equal to 1" in bad.content
    model.refresh_from_db()
    assert model.staff_safety_score is None

    admin_client.post(CHANGELIST, {**data, "apply": "1", "score": "0.85"})
    model.refresh_from_db()
    assert model.staff_safety_score == Decimal("0.850") and model.safety_score == Decimal("0.4")


def test_model_page_shows_synced_value_beside_override_and_saves_only_overrides(admin_client):
    model = LLMModelFactory(display_name="GPT-4o mini", staff_display_name="Default chat model")
    page = admin_client.get(_change_url(model)).content.decode()
    assert "GPT-4o mini" in page and "Default chat model" in page
    assert 'name="display_name"' not in page  # synced: read-only
    assert 'name="staff_display_name"' in page

    before = catalog_version_get()
    form = {
        "staff_display_name": "Team default",
        "staff_tags": "team, approved ",
        "staff_is_recommended": "unknown",
        "staff_safety_score": "0.9",
        "staff_notes": "approved by security",
        **NO_LINKS,
    }
    response = admin_client.post(_change_url(model), form)
    assert response.status_code == 302, response.content.decode()[:2000]
    model.refresh_from_db()
    assert model.staff_display_name == "Team default" and model.display_name == "GPT-4o mini"
    assert model.effective_tags == ["team", "approved"] and model.staff_safety_score == Decimal("0.9")
    assert catalog_version_get() == before + 1


def test_staff_tags_are_typed_comma_separated_and_empty_means_not_set(admin_client):
    model = LLMModelFactory(tags=["multimodal"], staff_tags=None)
    page = admin_client.get(_change_url(model)).content.decode()
    assert ">null<" not in page and "<td>tags</td>" in page and "<td>multimodal</td>" in page
    form = {
        "staff_tags": "",
        "staff_is_recommended": "unknown",
        "staff_notes": "",
        "staff_display_name": "",
        **NO_LINKS,
    }
    assert admin_client.post(_change_url(model), form).status_code == 302
    model.refresh_from_db()
    assert model.staff_tags is None and model.effective_tags == ["multimodal"]
    model.staff_tags = ["house", "cheap"]
    model.save()
    assert 'name="staff_tags" value="house, cheap"' in admin_client.get(_change_url(model)).content.decode()


def test_model_page_lists_sync_changes_with_prices_highlighted(admin_client):
    model = LLMModelFactory()
    run = SyncRunFactory(source=model.source)
    ModelChange.objects.create(
        run=run, llm_model=model, kind="updated", changes={"input_cost_per_mtok": ["0.2002", "0.2574"]}
    )
    page = admin_client.get(_change_url(model)).content.decode()
    assert 'class="ms-price"' in page and "0.2002" in page and "0.2574" in page


def test_models_cannot_be_added_or_deleted_in_admin(admin_client):
    model = LLMModelFactory()
    assert admin_client.get(reverse("admin:catalog_llmmodel_add")).status_code == 403
    assert admin_client.post(reverse("admin:catalog_llmmodel_delete", args=[model.pk])).status_code == 403
    assert LLMModel.objects.filter(pk=model.pk).exists()


def test_non_staff_cannot_curate(client, django_user_model):
    user = django_user_model.objects.create_user("viewer", password="pw-viewer-123")
    client.force_login(user)
    model = LLMModelFactory()
    response = client.post(CHANGELIST, {"action": "hide", ACTION_CHECKBOX_NAME: [model.pk]})
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    model.refresh_from_db()
    assert model.is_hidden is False


def test_bulk_actions_are_recorded_in_each_models_history(admin_client, admin_user):
    from django.contrib.admin.models import LogEntry

    model = LLMModelFactory()
    admin_client.post(CHANGELIST, {"action": "hide", ACTION_CHECKBOX_NAME: [model.pk]})
    entry = LogEntry.objects.get(object_id=str(model.pk))
    assert entry.user == admin_user and "Is hidden" in entry.get_change_message()
    history = admin_client.get(reverse("admin:catalog_llmmodel_history", args=[model.pk])).content.decode()
    assert "Is hidden" in history
