"""What every entry point runs before it needs sources or a schedule (SPEC §4, §7): no start-up step to remember.

`migrate` (post_migrate), `sync_models`, beat's start, the beat task and the web process's start call it. Each
part is idempotent and keeps what staff edited in admin. MODELSYNC_AUTO_SETUP=0 leaves both to `ensure_sources`
and `setup_periodic_tasks`.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import DatabaseError

from modelsync.schedule import (
    EnsuredSchedule,
    retirement_warnings_schedule_ensure,
    sync_schedule_ensure,
    webhook_drain_schedule_ensure,
)
from modelsync.sync.sources import sources_ensure_from_env

logger = logging.getLogger("modelsync.startup")


def startup_ensure(*, schedule: bool = True) -> EnsuredSchedule | None:
    """Create or update the environment's sources and (unless told not to) the periodic sync.

    None when auto setup is off or the schedule was not asked for.
    """
    if not settings.MODELSYNC_AUTO_SETUP:
        return None
    sources = sources_ensure_from_env()
    if not schedule:
        return None
    ensured = sync_schedule_ensure()
    webhook_drain_schedule_ensure()
    retirement_warnings_schedule_ensure()
    names = ", ".join(source.name for source in sources) or "none from the environment"
    logger.info("sources ensured: %s; %s", names, ensured)
    return ensured


def ensure_after_migrate(*, using: str = "default", verbosity: int = 1, stdout=None, **kwargs) -> None:
    """post_migrate receiver: a migrated database has its sources and schedule."""
    if using == "default" and (schedule := startup_ensure()) and verbosity and stdout is not None:
        stdout.write(f"modelsync: {schedule}\n")


def ensure_before_serving() -> None:
    """The web process's start (config/wsgi.py): the environment's sources, without ever stopping it from serving.

    With the database down the web still answers from the last good catalog, so a failure here is only logged;
    replicas starting together may race to create a source, and the loser's IntegrityError is such a failure too.
    The schedule is left to beat, which runs it.
    """
    try:
        startup_ensure(schedule=False)
    except DatabaseError as exc:
        logger.warning(
            "start-up: sources from the environment not ensured (%s); migrate or the next beat tick will", exc
        )
