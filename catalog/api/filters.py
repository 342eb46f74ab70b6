"""The catalog list's FilterSet: every SPEC §8 filter, explicit lookups, on the values the API shows."""

from datetime import UTC, datetime

import django_filters
from django import forms
from django.db.models import F, Q
from rest_framework.filters import OrderingFilter

from catalog.models import LLMModel

MAX_PRICE = 10**6  # $ per Mtok; far above any real price, and keeps a cap inside the price column's digits


class StrictBooleanField(forms.NullBooleanField):
    """true/false/1/0 or absent; anything else is an error (Django's field would quietly read it as absent)."""

    widget = forms.TextInput  # NullBooleanSelect maps unknown text to None before the field can refuse it

    def to_python(self, value):
        text = "" if value is None else str(value).strip().lower()
        if text in ("", "true", "1", "false", "0"):
            return {"": None, "true": True, "1": True}.get(text, False if text else None)
        raise forms.ValidationError("Use true or false.", code="invalid")

    def validate(self, value):
        pass


class StrictBooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanField


class IntegerFilter(django_filters.NumberFilter):
    """Whole numbers only (NumberFilter would take 0.5 for a token count); catalog.api.schema says integer."""

    field_class = forms.IntegerField


class UTCDateTimeFilter(django_filters.IsoDateTimeFilter):
    """An ISO 8601 time compared in UTC: PostgreSQL refuses offsets past ±15:59 that ISO 8601 allows (+16:00 was a
    DataError, answered 503 as if the database were down)."""

    def filter(self, qs, value):
        return super().filter(qs, None if value is None else as_utc(value))


def as_utc(value: datetime) -> datetime:
    """`value` in UTC; a time that falls before year 1 or after 9999 once in UTC becomes the first or last one."""
    try:
        return value.astimezone(UTC)
    except OverflowError:
        return (datetime.min if value.year == datetime.min.year else datetime.max).replace(tzinfo=UTC)


class NoEmptyValuesMixin:
    """Refuse a non-text parameter sent empty (min_context=): it is neither a value nor left out. Refuse a
    single-valued parameter sent twice (callable=maybe&callable=true): Django would read the last one and never
    look at the others."""

    def is_valid(self) -> bool:
        valid = super().is_valid()
        for name, field in self.filters.items():
            values = self.data.getlist(name, ())
            if not isinstance(field, django_filters.CharFilter) and "" in values:
                self.form.add_error(name, "Give a value or leave the parameter out.")
                valid = False
            elif len(values) > 1 and not isinstance(field, django_filters.MultipleChoiceFilter):
                self.form.add_error(name, "Give this parameter once.")
                valid = False
        return valid


class LLMModelFilter(NoEmptyValuesMixin, django_filters.FilterSet):
    provider = django_filters.MultipleChoiceFilter(choices=LLMModel.Provider.choices)
    category = django_filters.ChoiceFilter(choices=LLMModel.Category.choices)
    capability = django_filters.MultipleChoiceFilter(
        choices=LLMModel.Capability.choices, method="filter_capability", help_text="repeatable; all are required"
    )
    min_context = IntegerFilter(field_name="eff_context_window", lookup_expr="gte", min_value=0, max_value=10**9)
    max_input_cost = django_filters.NumberFilter(method="filter_max_input_cost", min_value=0, max_value=MAX_PRICE)
    max_output_cost = django_filters.NumberFilter(method="filter_max_output_cost", min_value=0, max_value=MAX_PRICE)
    is_free = StrictBooleanFilter()
    is_recommended = StrictBooleanFilter(field_name="eff_is_recommended")
    usable = StrictBooleanFilter(field_name="api_key_available", help_text="the API key can call it")
    min_safety = django_filters.NumberFilter(field_name="eff_safety_score", lookup_expr="gte", min_value=0, max_value=1)
    source = django_filters.CharFilter(field_name="source__name")
    search = django_filters.CharFilter(method="filter_search", max_length=200)
    include_inactive = StrictBooleanFilter(method="filter_passthrough", help_text="also list inactive models")
    callable = StrictBooleanFilter(
        method="filter_passthrough",
        help_text="default true: only models a configured gateway can route; false: descriptive records too",
    )
    provenance = StrictBooleanFilter(
        method="filter_passthrough", help_text="add each entry's provenance: where every shown field came from"
    )

    class Meta:
        model = LLMModel
        fields = []

    def get_form_class(self):
        # django-filter builds a Form class, and a form field per filter, for every request; they depend on nothing
        # but this class's filters, so one serves every request (a fifth of an uncached list page, SPEC §9).
        if "_form_class" not in type(self).__dict__:
            type(self)._form_class = super().get_form_class()
        return type(self)._form_class

    def filter_queryset(self, queryset):
        # Inactive models are out unless asked for; a method filter alone never runs when the parameter is absent.
        if not self.form.cleaned_data.get("include_inactive"):
            queryset = queryset.filter(is_active=True)
        if self.form.cleaned_data.get("callable") is not False:
            queryset = queryset.callable()
        return super().filter_queryset(queryset)

    def filter_passthrough(self, queryset, name, value):
        return queryset  # include_inactive, callable: in filter_queryset; provenance: in the view

    def filter_capability(self, queryset, name, values):
        for capability in values:
            queryset = queryset.with_capability(capability)
        return queryset

    def _max_cost(self, queryset, field: str, value):
        return queryset.filter(
            Q(eff_pricing_status="free") | Q(eff_pricing_status="known", **{f"eff_{field}__lte": value})
        )

    def filter_max_input_cost(self, queryset, name, value):
        return self._max_cost(queryset, "input_cost_per_mtok", value)

    def filter_max_output_cost(self, queryset, name, value):
        return self._max_cost(queryset, "output_cost_per_mtok", value)

    def filter_search(self, queryset, name, value):
        return queryset.filter(
            Q(model__icontains=value) | Q(display_name__icontains=value) | Q(staff_display_name__icontains=value)
        )


class ShownValueOrdering(OrderingFilter):
    """`ordering` on the values the API shows: a linked record's context window or price where the source has none."""

    shown = {name: f"eff_{name}" for name in ("context_window", "input_cost_per_mtok", "output_cost_per_mtok")}

    def get_ordering(self, request, queryset, view):
        ordering = super().get_ordering(request, queryset, view)
        if not ordering:
            return ordering
        return [self._term(term) for term in ordering]

    def _term(self, term: str):
        """A shown value, models without one last in either direction (PostgreSQL and SQLite alike)."""
        name = term.lstrip("-")
        field = F(self.shown.get(name, name))
        return field.desc(nulls_last=True) if term.startswith("-") else field.asc(nulls_last=True)
