"""Writes to the catalog that are not a sync: version bumps and staff curation."""

from django.db.models import F
from django.utils import timezone

from catalog.models import CatalogState


def catalog_version_bump() -> None:
    """Mark the catalog changed; call inside the transaction that changed it (one UPDATE, or the first INSERT)."""
    now = timezone.now()
    if not CatalogState.objects.filter(pk=1).update(version=F("version") + 1, changed_at=now):
        CatalogState.objects.get_or_create(pk=1, defaults={"version": 1, "changed_at": now})
