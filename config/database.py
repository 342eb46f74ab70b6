"""Fail-fast database access, shared by every process: which limits this process runs with, and a short memory of a
database that did not answer.

- Every process connects with a connect timeout (MODELSYNC_DB_CONNECT_TIMEOUT, in DATABASES' OPTIONS).
- gunicorn's workers (config/gunicorn.py: every way this project serves the web) also have a statement timeout
  (MODELSYNC_DB_STATEMENT_TIMEOUT): PostgreSQL cancels a statement that runs longer, and the client gives up on a
  server that does not answer at all one second after that. Celery workers, beat and management commands keep no
  such limit: a sync of a large gateway may run long, and Celery's time limits bound it.
- A connection attempt that failed, or a server that did not answer in time, is remembered for
  MODELSYNC_DB_RETRY_AFTER seconds: meanwhile a new connection fails at once instead of waiting the connect timeout
  again, so a request during an outage waits once (at most), not once per query, and the API answers from the last
  good catalog quickly.

The PostgreSQL backend that applies all this is config/postgresql/base.py; SQLite has none of these limits.
"""

from __future__ import annotations

import threading
import time

_web_process = False
_lock = threading.Lock()
_down_until: dict[tuple, float] = {}


def serve_web_requests() -> None:
    """This process answers web requests: its database connections get the web statement timeout from now on."""
    from django.db import connections  # here: django.db loads this module's backend (config.postgresql) itself

    global _web_process
    _web_process = True
    connections.close_all()  # one opened while the app loaded (start-up's ensure) must not stay open without it


def is_web_process() -> bool:
    return _web_process


def database_down(target: tuple, seconds: float) -> None:
    """`target` (host, port, database, user) did not answer: new connections to it fail at once for `seconds`."""
    if seconds > 0:
        with _lock:
            _down_until[target] = time.monotonic() + seconds


def database_down_for(target: tuple) -> float:
    """Seconds left before a new connection to `target` is tried again (0: try now)."""
    left = _down_until.get(target, 0.0) - time.monotonic()
    return max(left, 0.0)


def database_up(target: tuple) -> None:
    with _lock:
        _down_until.pop(target, None)
