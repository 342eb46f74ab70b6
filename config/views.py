"""Liveness and readiness probes: plain JSON, no authentication, no template."""

import threading
import time

from django.db import connection
from django.http import JsonResponse
from django.views.decorators.http import require_GET

from config.celery import app as celery_app

# Seconds /readyz takes at most: a check still waiting then counts as down (a hanging database or broker must not
# hang the probe too, nor the worker serving it).
READY_DEADLINE = 2.0


@require_GET
def healthz(request):
    """The process is alive and serving requests."""
    return JsonResponse({"status": "ok"})


def _database_ok() -> bool:
    """A connection of its own (the check runs in its own thread), closed after: can this process reach it now."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except Exception:
        return False
    finally:
        connection.close()


def _broker_ok() -> bool:
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=READY_DEADLINE)
        return True
    except Exception:
        return False


def _checks_within(checks: dict, deadline: float) -> dict[str, bool]:
    """Each check in its own thread, all at once; one that has not answered by the deadline is False."""
    results: dict[str, bool] = {}

    def run(name, check):
        results[name] = check()

    threads = [threading.Thread(target=run, args=(name, check), daemon=True) for name, check in checks.items()]
    ends_at = time.monotonic() + deadline
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(max(ends_at - time.monotonic(), 0))
    return {name: results.get(name, False) for name in checks}


@require_GET
def readyz(request):
    """Ready to serve: the database and the broker both answer, within READY_DEADLINE seconds."""
    checks = _checks_within({"database": _database_ok, "broker": _broker_ok}, READY_DEADLINE)
    ready = all(checks.values())
    return JsonResponse(
        {"status": "ok" if ready else "unavailable", "checks": checks},
        status=200 if ready else 503,
    )
