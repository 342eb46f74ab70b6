"""The catalog's services, staff curation: the only writers of the override fields; each change bumps the catalog
version."""

from decimal import Decimal

from django.db import transaction
from django.db.models import QuerySet

from catalog.models import LLMModel
from modelsync.changes.events import curated_events, events_record
from modelsync.linking.refresh import links_refresh
from modelsync.sync.reconcile import jsonable


@transaction.atomic
def llm_model_curate(*, llm_model: LLMModel, changed_fields: list[str], actor=None) -> LLMModel:
    """Save staff edits made on `llm_model` (override fields only) after validating the row; a `model.curated`
    event says what `actor` set."""
    llm_model.full_clean()
    llm_model.save()
    if changed_fields:
        # serializable_value: a successor is recorded by its id, a date as ISO text (events are JSON).
        values = {name: jsonable(llm_model.serializable_value(name)) for name in changed_fields}
        events_record(curated_events([llm_model], values, actor))  # bumps the catalog version
    return llm_model


@transaction.atomic
def links_curate(*, formset, llm_model: LLMModel, actor=None) -> None:
    """Save staff edits of a model's links (a validated admin formset), then recompute every link and what the
    links add; a `model.curated` event records the links the model now has."""
    formset.save()
    if formset.has_changed():
        links_refresh()  # bumps the catalog version when what the API shows changed
        links = llm_model.links.values_list("target_source__name", "target__external_id", "status")
        values = {"links": [f"{source}:{external_id} ({status})" for source, external_id, status in links]}
        events_record(curated_events([llm_model], values, actor))


@transaction.atomic
def llm_models_override(*, queryset: QuerySet[LLMModel], actor=None, **overrides) -> int:
    """Set one override on many models in one statement, e.g. is_hidden=True or staff_is_recommended=None."""
    allowed = {"is_hidden", "staff_is_recommended", "staff_safety_score"}
    if not overrides or set(overrides) - allowed:
        raise ValueError(f"only these overrides can be set in bulk: {sorted(allowed)}")
    score = overrides.get("staff_safety_score")
    if score is not None and not Decimal(0) <= Decimal(score) <= Decimal(1):
        raise ValueError("a safety score is between 0 and 1")
    targets = list(queryset.only("id", "source_id", "model"))  # before the update, which may change the filter
    count = queryset.update(**overrides)
    values = {name: jsonable(value) for name, value in overrides.items()}
    events_record(curated_events(targets, values, actor))  # bumps the catalog version; nothing when none matched
    return count
