"""Staff curation: the only writers of the override fields; each change bumps the catalog version."""

from decimal import Decimal

from django.db import transaction
from django.db.models import QuerySet

from catalog.models import LLMModel
from catalog.services import catalog_version_bump


@transaction.atomic
def llm_model_curate(*, llm_model: LLMModel, changed_fields: list[str]) -> LLMModel:
    """Save staff edits made on `llm_model` (override fields only) after validating the row."""
    llm_model.full_clean()
    llm_model.save()
    if changed_fields:
        catalog_version_bump()
    return llm_model


@transaction.atomic
def llm_models_override(*, queryset: QuerySet[LLMModel], **overrides) -> int:
    """Set one override on many models in one statement, e.g. is_hidden=True or staff_is_recommended=None."""
    allowed = {"is_hidden", "staff_is_recommended", "staff_safety_score"}
    if not overrides or set(overrides) - allowed:
        raise ValueError(f"only these overrides can be set in bulk: {sorted(allowed)}")
    score = overrides.get("staff_safety_score")
    if score is not None and not Decimal(0) <= Decimal(score) <= Decimal(1):
        raise ValueError("a safety score is between 0 and 1")
    count = queryset.update(**overrides)
    if count:
        catalog_version_bump()
    return count
