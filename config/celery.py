"""The Celery app: settings under the CELERY_ namespace, tasks found in every installed app."""

import contextlib
import os
from pathlib import Path

from celery import Celery
from celery.signals import beat_init
from celery.utils.log import get_logger

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

app = Celery("modelsync")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
beat_logger = get_logger("celery.beat")
FILESYSTEM_FOLDERS = ("data_folder_in", "data_folder_out", "processed_folder", "control_folder")


def filesystem_folders_ensure(conf) -> None:
    """kombu's filesystem transport (the embedded default) writes into its folders but never creates them: without
    this, the first publish from a fresh checkout fails with FileNotFoundError."""
    if not str(conf.broker_url or "").startswith("filesystem://"):
        return
    options = conf.broker_transport_options or {}
    for folder in filter(None, (options.get(key) for key in FILESYSTEM_FOLDERS)):
        with contextlib.suppress(OSError):  # a read-only checkout still starts; the publish then says why
            Path(folder).mkdir(parents=True, exist_ok=True)


@app.on_after_configure.connect
def _filesystem_folders(sender, **kwargs):
    filesystem_folders_ensure(sender.conf)


@beat_init.connect
def _beat_schedule_ensure(sender=None, **kwargs):
    """Beat started right after `migrate` runs the sync too: it ensures the schedule and logs what it runs."""
    from modelsync.startup import startup_ensure  # here: the Celery app is created before Django's apps load

    schedule = startup_ensure() or "auto setup off (MODELSYNC_AUTO_SETUP=0); the schedule in the database"
    beat_logger.info("beat: modelsync runs %s", schedule)
