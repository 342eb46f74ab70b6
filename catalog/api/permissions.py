"""Who may read the catalog: authenticated users, or anyone when MODELSYNC_PUBLIC_READ=1."""

from django.conf import settings
from rest_framework.permissions import BasePermission


class CatalogReader(BasePermission):
    """Reading (and POST /select/, a read) needs a user unless the catalog is public; views offer no writes (405)."""

    message = "Log in, send 'Authorization: Token <key>', or ask staff to set MODELSYNC_PUBLIC_READ=1."

    def has_permission(self, request, view) -> bool:
        return bool(settings.MODELSYNC_PUBLIC_READ or (request.user and request.user.is_authenticated))
