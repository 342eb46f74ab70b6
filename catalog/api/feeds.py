"""The feeds' common ground (the API's read permission and error answers, the private feed URL token) and the
retirement calendar, /feeds/retirements.ics.

A feed is a DRF view, so a feed reader is let in exactly as an API client is (a session, `Authorization: Token`,
or MODELSYNC_PUBLIC_READ=1) and refused with the same JSON error; a reader that cannot send a header uses its private
URL, `?token=<feed token>` (catalog.tokens), which no other view accepts.
"""

from __future__ import annotations

from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from rest_framework import serializers
from rest_framework.authentication import SessionAuthentication
from rest_framework.renderers import JSONRenderer
from rest_framework.views import APIView

from catalog.api.authentication import FeedTokenAuthentication, RememberedTokenAuthentication
from catalog.api.permissions import CatalogReader
from catalog.calendar import CalendarRetirement, retirements_calendar
from catalog.retirements import Retirement, retirements


class FeedView(APIView):
    """A read-only feed written by its own code (Atom, iCalendar); errors are the API's JSON."""

    # The API token first, as in REST_FRAMEWORK: its "WWW-Authenticate: Token" challenge makes a refusal a 401.
    authentication_classes = [RememberedTokenAuthentication, FeedTokenAuthentication, SessionAuthentication]
    permission_classes = [CatalogReader]
    renderer_classes = [JSONRenderer]  # for errors; the feed itself is written by the view
    schema = None  # not part of the API's OpenAPI document

    def perform_content_negotiation(self, request, force=False):
        # A feed reader accepts Atom or iCalendar, not JSON; its errors are still the API's JSON shape.
        return super().perform_content_negotiation(request, force=True)


class CalendarQuery(serializers.Serializer):
    source = serializers.CharField(required=False, max_length=64, help_text="Only this source's models (its name).")


class RetirementsCalendarView(FeedView):
    """Every retirement in force, past and upcoming, one all-day event each (catalog.calendar); `?source=` as on
    /api/v1/retirements/. Calendars subscribe to it (webcal), so it is always the whole list, never a page."""

    def get(self, request) -> HttpResponse:
        query = CalendarQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        rows = [_calendar_row(request, found) for found in retirements(source=query.validated_data.get("source"))]
        now = timezone.now()
        response = HttpResponse(
            retirements_calendar(rows, today=timezone.localdate(now), now=now),
            content_type="text/calendar; charset=utf-8",
        )
        response["Content-Disposition"] = 'inline; filename="retirements.ics"'
        return response


def _calendar_row(request, found: Retirement) -> CalendarRetirement:
    successor = found.successor
    return CalendarRetirement(
        model=found.model.model,
        source=found.model.source.name,
        date=found.date,
        url=request.build_absolute_uri(reverse("llmmodel-detail", args=[found.model.pk])),
        provenance=found.provenance,
        successor=f"{successor.model} ({successor.source}; chosen by {successor.chosen_by})" if successor else None,
        successor_reasons=successor.reasons if successor else (),
    )


retirements_feed = RetirementsCalendarView.as_view()
