"""The change feed as Atom (django.contrib.syndication), with the API's filters and read permission."""

from __future__ import annotations

import json

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import JsonResponse
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

from catalog.api_errors import error_body
from modelsync.api import EventFilter
from modelsync.models import Event

FEED_ITEMS = 100


class ChangesFeed(Feed):
    """The newest FEED_ITEMS events; `?source=`, `model=`, `type=`, `since=` filter as on /api/v1/changes/."""

    feed_type = Atom1Feed
    title = "modelsync: catalog changes"
    subtitle = "Models created, updated, repriced, deactivated and curated; sources failing."

    def __call__(self, request, *args, **kwargs):
        if not _may_read(request):
            response = JsonResponse(error_body("not_authenticated", "Log in or send 'Authorization: Token <key>'."),
                                    status=401)  # fmt: skip
            response["WWW-Authenticate"] = "Token"
            return response
        events = EventFilter(request.GET, queryset=Event.objects.select_related("source"))
        if not events.is_valid():
            return JsonResponse(
                error_body(
                    "invalid", "Invalid filter.", {name: list(errors) for name, errors in events.errors.items()}
                ),
                status=400,
            )
        request.feed_events = events.qs.order_by("-id")[:FEED_ITEMS]
        return super().__call__(request, *args, **kwargs)

    def get_object(self, request, *args, **kwargs):
        return request

    def link(self) -> str:
        return reverse("event-list")

    def items(self, request):
        return request.feed_events

    def item_title(self, event: Event) -> str:
        subject = event.data.get("model") or event.data.get("source") or ""
        return f"{event.type}: {subject}"

    def item_description(self, event: Event) -> str:
        return json.dumps(event.data, sort_keys=True)

    def item_link(self, event: Event) -> str:
        return f"{reverse('event-list')}?after={event.pk - 1}&page_size=1"

    def item_guid(self, event: Event) -> str:
        return f"urn:modelsync:event:{event.pk}"

    item_guid_is_permalink = False

    def item_pubdate(self, event: Event):
        return event.created_at

    def item_updateddate(self, event: Event):
        return event.created_at

    def item_author_name(self, event: Event) -> str:
        return event.data.get("by") or (event.source.name if event.source else "modelsync")


def _may_read(request) -> bool:
    """CatalogReader's rule for a plain Django view: public catalog, a session, or a valid token."""
    if settings.MODELSYNC_PUBLIC_READ or request.user.is_authenticated:
        return True
    try:
        return TokenAuthentication().authenticate(request) is not None
    except AuthenticationFailed:
        return False


changes_feed = ChangesFeed()
