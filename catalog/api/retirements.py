"""GET /api/v1/retirements/: every offered model's retirement date, who said it and what to move to (issue #27).

Not cached by the catalog's ETag (catalog/api/caching.py): `days_left` moves with the calendar, not the catalog.
"""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone
from django.utils.http import http_date
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, viewsets

from catalog.api.errors import ErrorSerializer
from catalog.api.pagination import CatalogPagination
from catalog.api.permissions import CatalogReader
from catalog.models import LLMModel
from catalog.retirement_rules import Retirement, successor_json
from catalog.retirements import effective_retirement, retirements

MAX_WITHIN_DAYS = 3660


def utc_today() -> dt.date:
    return timezone.now().astimezone(dt.UTC).date()


class RetirementQuerySerializer(serializers.Serializer):
    source = serializers.CharField(
        required=False, allow_blank=True, max_length=64, help_text="Only this source's models (its name); blank: all."
    )
    after = serializers.DateField(required=False, help_text="Only retirements on or after this day (YYYY-MM-DD).")
    before = serializers.DateField(required=False, help_text="Only retirements on or before this day (YYYY-MM-DD).")
    within_days = serializers.IntegerField(
        required=False, min_value=0, max_value=MAX_WITHIN_DAYS,
        help_text="Only retirements from today (UTC) to this many days ahead (with after/before, within both).",
    )  # fmt: skip

    def to_internal_value(self, data):
        # A query string's blank value would be read as no value at all; a blank date or count is a bad one.
        blank = {
            name: ["This field may not be blank."]
            for name in ("after", "before", "within_days")
            if data.get(name) == ""
        }
        if blank:
            raise serializers.ValidationError(blank)
        return super().to_internal_value(data)

    def window(self, today: dt.date) -> dict:
        """The validated filters as catalog.retirements.retirements() takes them: every bound given applies (a window
        that holds no day, after > before say, holds no retirement)."""
        data = self.validated_data
        starts = [data.get("after"), today if "within_days" in data else None]
        ends = [data.get("before"), today + dt.timedelta(days=data["within_days"]) if "within_days" in data else None]
        return {
            "source": data.get("source") or None,  # blank: every source
            "start": max((day for day in starts if day), default=None),
            "end": min((day for day in ends if day), default=None),
        }


class RetirementSuccessorSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    model = serializers.CharField(help_text="The name a client sends to the gateway.")
    display_name = serializers.CharField()
    source = serializers.CharField()
    chosen_by = serializers.ChoiceField(choices=["staff", "selection"])
    reasons = serializers.ListField(child=serializers.CharField())


class RetirementSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="model.pk", help_text="The retiring model's id (/api/v1/models/{id}/).")
    model = serializers.CharField(source="model.model")
    display_name = serializers.CharField(source="model.effective_display_name")
    source = serializers.CharField(source="model.source.name")
    provider = serializers.CharField(source="model.provider")
    date = serializers.DateField(help_text="The day the model stops working (UTC).")
    days_left = serializers.SerializerMethodField(help_text="Days from today (UTC): 0 on the day, negative after.")
    provenance = serializers.CharField(help_text='"staff", the source\'s kind, or "linked:<source>".')
    successor = serializers.SerializerMethodField()

    def get_days_left(self, retirement: Retirement) -> int:
        return retirement.days_left(self.context["today"])

    @extend_schema_field(RetirementSuccessorSerializer(allow_null=True))
    def get_successor(self, retirement: Retirement):
        return successor_json(retirement.successor)


@extend_schema_view(
    list=extend_schema(
        parameters=[RetirementQuerySerializer],
        responses={
            200: RetirementSerializer(many=True),
            **{code: ErrorSerializer for code in (400, 401, 403, 404, 503)},
        },
    )
)
class RetirementViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Models that retire, upcoming and past, by date: the date in force (staff over source over linked), days left
    and the successor (staff's, else what /select/ would choose for the model's needs), with its reasons."""

    permission_classes = [CatalogReader]
    filter_backends = []  # a list of retirements by day, filtered by RetirementQuerySerializer: no ordering parameter
    serializer_class = RetirementSerializer
    pagination_class = CatalogPagination

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # drf-spectacular reading the view: no request to filter
            return LLMModel.objects.none()
        query = RetirementQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return retirements(**query.window(self.today))

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "today": self.today}

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self.today = utc_today()  # one day for the whole answer, even across midnight


def retirement_headers(request, pk: object) -> dict[str, str]:
    """RFC 9745 `Deprecation` (a structured date, @<unix seconds>) and RFC 8594 `Sunset` (an HTTP-date), both the
    retirement day at 00:00 UTC, and a `Link` to the successor (rel="successor-version") for a retiring model;
    nothing for the others. The model is deprecated from the day it stops working: the day the retirement was first
    announced is not something every source says."""
    model = LLMModel.objects.select_related("source", "staff_successor__source").filter(pk=pk).first()
    retirement = effective_retirement(model) if model is not None else None
    if retirement is None:
        return {}
    moment = dt.datetime.combine(retirement.date, dt.time(), tzinfo=dt.UTC).timestamp()
    headers = {"Deprecation": f"@{int(moment)}", "Sunset": http_date(moment)}
    if retirement.successor is not None:
        url = request.build_absolute_uri(reverse("llmmodel-detail", args=[retirement.successor.id]))
        headers["Link"] = f'<{url}>; rel="successor-version"'
    return headers
