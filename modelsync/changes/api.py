"""The change feed's API: /api/v1/changes/, every catalog change as one event, with filters and cursor polling."""

from __future__ import annotations

import django_filters
import django_filters.rest_framework
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.pagination import CursorPagination

from catalog.api.filters import IntegerFilter, NoEmptyValuesMixin, StrictBooleanFilter, UTCDateTimeFilter
from catalog.api.pagination import strict_page_size
from catalog.api.permissions import CatalogReader
from modelsync.api import STAFF_ERRORS
from modelsync.changes.payloads import EventSerializer
from modelsync.changes.scope import events_in_scope
from modelsync.models import Event


class EventFilter(NoEmptyValuesMixin, django_filters.FilterSet):
    source = django_filters.CharFilter(field_name="source__name", max_length=64)
    model = IntegerFilter(field_name="llm_model_id", min_value=1)
    type = django_filters.MultipleChoiceFilter(choices=Event.Type.choices)
    since = UTCDateTimeFilter(field_name="created_at", lookup_expr="gte")
    after = IntegerFilter(field_name="id", lookup_expr="gt", min_value=0,
                                        help_text="Only events after this event id, oldest first: poll with the "
                                                  "last id you saw and you never miss or repeat one.")  # fmt: skip
    callable = StrictBooleanFilter(
        method="filter_passthrough",
        help_text="default true: events of models a configured gateway can route, and of no model (a failing "
        "source); false: descriptive records' events too (the cost map's), as on the models list",
    )

    class Meta:
        model = Event
        fields = []

    def filter_queryset(self, queryset):
        # A method filter alone never runs when its parameter is absent, and the default is the narrower scope.
        include_descriptive = self.form.cleaned_data.get("callable") is False
        return super().filter_queryset(events_in_scope(queryset, include_descriptive))

    def filter_passthrough(self, queryset, name, value):
        return queryset  # callable: in filter_queryset


class EventPagination(CursorPagination):
    """Newest first; with ?after=<id> oldest first, so a poller reads forward from where it stopped."""

    ordering = "-id"
    page_size_query_param = "page_size"

    def get_page_size(self, request):
        return strict_page_size(request, self.page_size_query_param, self.page_size)

    def get_ordering(self, request, queryset, view):
        return ("id",) if request.query_params.get("after") else ("-id",)


@extend_schema_view(list=extend_schema(responses={200: EventSerializer(many=True), **STAFF_ERRORS}))
class EventViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Every catalog change as one event: syncs, staff overrides, failing sources."""

    permission_classes = [CatalogReader]
    queryset = Event.objects.select_related("source")
    serializer_class = EventSerializer
    pagination_class = EventPagination
    filterset_class = EventFilter
    filter_backends = [django_filters.rest_framework.DjangoFilterBackend]
