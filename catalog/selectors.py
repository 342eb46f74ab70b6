"""Reads of the catalog for callers (API, selection, admin)."""

from catalog.models import CatalogState


def catalog_version_get() -> int:
    return CatalogState.objects.filter(pk=1).values_list("version", flat=True).first() or 0
