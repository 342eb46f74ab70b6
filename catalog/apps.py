from django.apps import AppConfig


class CatalogConfig(AppConfig):
    """The model catalog: entries, selection and the read API."""

    name = "catalog"
    default_auto_field = "django.db.models.BigAutoField"
