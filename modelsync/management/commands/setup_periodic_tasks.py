"""Creates the beat schedule idempotently (also done by every `migrate` and by beat's start)."""

from django.core.management.base import BaseCommand

from modelsync.schedule import (
    SYNC_ALL_NAME,
    SYNC_ALL_TASK,
    retirement_warnings_schedule_ensure,
    sync_schedule_ensure,
    webhook_drain_schedule_ensure,
)

__all__ = ["SYNC_ALL_NAME", "SYNC_ALL_TASK", "Command"]


class Command(BaseCommand):
    help = (
        "Create the periodic sync from MODELSYNC_SYNC_INTERVAL (a staff-edited schedule is kept unless --reset) "
        "the webhook drain and the daily retirement warnings."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--reset", action="store_true", help="put the interval and the enabled flag back to the settings"
        )

    def handle(self, *args, reset=False, **options):
        self.stdout.write(str(sync_schedule_ensure(reset=reset)))
        for task in (webhook_drain_schedule_ensure(), retirement_warnings_schedule_ensure()):
            self.stdout.write(f"periodic task '{task.name}': {task.schedule!r}, enabled={task.enabled}")
