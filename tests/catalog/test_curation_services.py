"""Staff curation services: which overrides may be set in bulk, and when the catalog version moves."""

from decimal import Decimal

import pytest

from catalog.models import CatalogState, LLMModel
from catalog.services import llm_model_curate, llm_models_override
from catalog.version import catalog_version_bump, catalog_version_get
from tests.factories import LLMModelFactory

pytestmark = pytest.mark.django_db


def test_saving_without_changed_fields_keeps_the_catalog_version():
    model = LLMModelFactory(staff_display_name="")
    before = catalog_version_get()
    llm_model_curate(llm_model=model, changed_fields=[])
    assert catalog_version_get() == before


def test_saving_a_changed_override_bumps_the_catalog_version():
    model = LLMModelFactory()
    before = catalog_version_get()
    model.staff_display_name = "Cheap and cheerful"
    llm_model_curate(llm_model=model, changed_fields=["staff_display_name"])
    model.refresh_from_db()
    assert model.effective_display_name == "Cheap and cheerful"
    assert catalog_version_get() == before + 1


@pytest.mark.parametrize("overrides", [{}, {"display_name": "x"}, {"is_hidden": True, "context_window": 1}])
def test_only_the_bulk_overrides_may_be_set_in_bulk(overrides):
    model = LLMModelFactory(display_name="kept")
    with pytest.raises(ValueError, match="only these overrides"):
        llm_models_override(queryset=LLMModel.objects.all(), **overrides)
    model.refresh_from_db()
    assert (model.display_name, model.is_hidden, model.context_window) == ("kept", False, 128_000)


@pytest.mark.parametrize("score", [Decimal("-0.001"), Decimal("1.001"), "2"])
def test_a_safety_score_outside_0_to_1_is_refused(score):
    model = LLMModelFactory()
    before = catalog_version_get()
    with pytest.raises(ValueError, match="between 0 and 1"):
        llm_models_override(queryset=LLMModel.objects.all(), staff_safety_score=score)
    model.refresh_from_db()
    assert model.staff_safety_score is None and catalog_version_get() == before


def test_an_override_matching_no_model_changes_nothing_and_keeps_the_version():
    LLMModelFactory(is_hidden=False)
    before = catalog_version_get()
    assert llm_models_override(queryset=LLMModel.objects.none(), is_hidden=True) == 0
    assert catalog_version_get() == before
    assert not LLMModel.objects.filter(is_hidden=True).exists()


def test_a_bulk_override_reports_its_count_and_bumps_the_version_once():
    LLMModelFactory.create_batch(3, staff_safety_score=None)
    before = catalog_version_get()
    assert llm_models_override(queryset=LLMModel.objects.all(), staff_safety_score=Decimal("0.5")) == 3
    assert catalog_version_get() == before + 1
    assert set(LLMModel.objects.values_list("staff_safety_score", flat=True)) == {Decimal("0.500")}


def test_active_queryset_and_catalog_state_label():
    live = LLMModelFactory(is_active=True)
    LLMModelFactory(is_active=False)
    assert list(LLMModel.objects.active()) == [live]
    catalog_version_bump()
    assert str(CatalogState.objects.get()) == f"catalog v{catalog_version_get()}"
