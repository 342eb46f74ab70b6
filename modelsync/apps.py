from django.apps import AppConfig


class ModelsyncConfig(AppConfig):
    """Sources, the sync pipeline and its history."""

    name = "modelsync"
    default_auto_field = "django.db.models.BigAutoField"
