"""Which events a reader hears unless it asks for more: those of models the team can call, and those about no model
(a source failing). A descriptive record's events (a cost-map or OpenRouter record that only enriches callable
models) come only on request: `?callable=false` on /api/v1/changes/ and the Atom feed, as on the models list, and
"Callable models only" unticked on a webhook endpoint. Otherwise a cost-map sync's thousands of `model.created`
would bury every change to a model anyone can call.
"""

from __future__ import annotations

from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet

from catalog.models import LLMModel


def callable_scope() -> Q:
    """The default scope: no model, or a model some configured gateway can route (LLMModel.objects.callable())."""
    return Q(llm_model__isnull=True) | Q(llm_model__in=LLMModel.objects.callable().values("pk"))


def events_in_scope(events: QuerySet, include_descriptive: bool) -> QuerySet:
    return events if include_descriptive else events.filter(callable_scope())


def events_with_scope_flag(events: QuerySet) -> QuerySet:
    """`events`, each with `in_callable_scope`, for a reader that decides per event (a webhook endpoint)."""
    return events.annotate(in_callable_scope=ExpressionWrapper(callable_scope(), output_field=BooleanField()))
