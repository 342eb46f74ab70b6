"""The Celery app: settings under the CELERY_ namespace, tasks found in every installed app."""

import os

from celery import Celery
from celery.signals import beat_init
from celery.utils.log import get_logger

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

app = Celery("modelsync")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
beat_logger = get_logger("celery.beat")


@beat_init.connect
def _beat_schedule_ensure(sender=None, **kwargs):
    """Beat started right after `migrate` runs the sync too: it ensures the schedule and logs what it runs."""
    from modelsync.startup import startup_ensure

    schedule = startup_ensure() or "auto setup off (MODELSYNC_AUTO_SETUP=0); the schedule in the database"
    beat_logger.info("beat: modelsync runs %s", schedule)
