"""The change feed as Atom: /api/v1/changes/'s events, filters, authentication, read permission and error answers.

The view is a FeedView (catalog.api.feeds), so a feed reader is let in exactly as an API client is (a session, a
token the API remembers through a database outage, or a private feed URL's `?token=`) and refused with the same JSON
error; django.contrib.syndication only writes the XML. During a database outage the feed answers as
/api/v1/changes/ does: 503 `database_unavailable`.
"""

from __future__ import annotations

from django.contrib.syndication.views import Feed
from django.http import HttpResponse
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from rest_framework.exceptions import ValidationError

from catalog.api.feeds import FeedView
from modelsync.changes.api import EventFilter
from modelsync.changes.payloads import event_summary
from modelsync.models import Event

FEED_ITEMS = 100


class ChangesFeedView(FeedView):
    """The newest FEED_ITEMS events; `?source=`, `model=`, `type=`, `since=`, `callable=` as on /api/v1/changes/."""

    def get(self, request) -> HttpResponse:
        events = EventFilter(request.query_params, queryset=Event.objects.select_related("source"))
        if not events.is_valid():
            raise ValidationError(events.errors)
        return ChangesAtom()(request._request, events=list(events.qs.order_by("-id")[:FEED_ITEMS]))


class TextSummaryAtom(Atom1Feed):
    """Atom whose entry summaries are plain text (Atom1Feed marks them html, so a reader would render a model name
    that carries markup)."""

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        handler.addQuickElement("summary", item["summary_text"], {"type": "text"})


class ChangesAtom(Feed):
    feed_type = TextSummaryAtom
    title = "modelsync: catalog changes"
    subtitle = "Models created, updated, repriced, deactivated and curated; sources failing."

    def get_object(self, request, events):
        return events

    def link(self) -> str:
        return reverse("event-list")

    def items(self, events):
        return events

    def item_title(self, event: Event) -> str:
        subject = event.data.get("model") or event.data.get("source") or ""
        return f"{event.type}: {subject}"

    def item_description(self, event: Event) -> None:
        return None  # the summary is text: item_extra_kwargs

    def item_extra_kwargs(self, event: Event) -> dict:
        return {"summary_text": event_summary(event.type, event.data, event.source.name if event.source else "")}

    def item_link(self, event: Event) -> str:
        return f"{reverse('event-list')}?after={event.pk - 1}&page_size=1&callable=false"  # exactly this event

    def item_guid(self, event: Event) -> str:
        return f"urn:modelsync:event:{event.pk}"

    item_guid_is_permalink = False

    def item_pubdate(self, event: Event):
        return event.created_at

    def item_updateddate(self, event: Event):
        return event.created_at

    def item_author_name(self, event: Event) -> str:
        return event.data.get("by") or (event.source.name if event.source else "modelsync")


changes_feed = ChangesFeedView.as_view()
