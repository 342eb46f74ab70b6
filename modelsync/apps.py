from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ModelsyncConfig(AppConfig):
    """Sources, the sync pipeline and its history."""

    name = "modelsync"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from modelsync.startup import ensure_after_migrate  # in ready(): models are importable only once apps load

        # Sent once per migrate for this app, after every app's migrations (the beat tables included).
        post_migrate.connect(ensure_after_migrate, sender=self, dispatch_uid="modelsync.ensure_after_migrate")
