"""What every feed view shares: the API's read permission and error answers, and the private feed URL token.

A feed is a DRF view, so a feed reader is let in exactly as an API client is (a session, `Authorization: Token`,
or MODELSYNC_PUBLIC_READ=1) and refused with the same JSON error; a reader that cannot send a header uses its private
URL, `?token=<feed token>` (catalog.tokens), which no other view accepts.
"""

from __future__ import annotations

from rest_framework.authentication import SessionAuthentication
from rest_framework.renderers import JSONRenderer
from rest_framework.views import APIView

from catalog.api.authentication import FeedTokenAuthentication, RememberedTokenAuthentication
from catalog.api.permissions import CatalogReader


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
