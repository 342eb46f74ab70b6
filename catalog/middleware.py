"""Admin's answer while the database is down: a plain 503 page, not a 500. (The API's edges, its error shape and list
fast path, are in catalog.api.errors and catalog.api.caching.)"""

from django.conf import settings
from django.db import DatabaseError
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.urls import reverse


class AdminDatabaseUnavailable:
    """/admin/ with the database unreachable: a plain 503 page that says so (with Retry-After), instead of a 500;
    the same page names the statement timeout when that is what stopped the request.

    Admin needs the database for everything, the login included, so there is no stale admin; the API keeps
    answering from the last good catalog meanwhile. The page is rendered without context processors: they would
    read the session and the user from the very database that is down.
    """

    RETRY_AFTER_SECONDS = 30

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, DatabaseError) or not request.path.startswith(reverse("admin:index")):
            return None
        # 57014 query_canceled: the database is up, but cancelled a statement over the web statement timeout.
        context = {
            "retry_after": self.RETRY_AFTER_SECONDS,
            "statement_timeout": settings.MODELSYNC_DB_STATEMENT_TIMEOUT,
            "timed_out": getattr(exception.__cause__, "sqlstate", None) == "57014",
        }
        page = render_to_string("catalog/database_unavailable.html", context)
        response = HttpResponse(page, status=503)
        response["Retry-After"] = str(self.RETRY_AFTER_SECONDS)
        return response
