"""The catalog's own metrics, per process: when this process built its selection snapshot. config.metrics exposes
them with the rest (they register in prometheus_client's default registry, or its multiprocess files)."""

from __future__ import annotations

import threading

from prometheus_client import Gauge

_snapshot_built: Gauge | None = None
_snapshot_built_lock = threading.Lock()


def snapshot_built_now() -> None:
    """Record that this process built its selection snapshot now.

    The gauge is made at the first build, not at import: a gauge exists (at 0, in every process's file under
    gunicorn) from the moment it is made, and "now minus 0" would read as a snapshot 56 years old. So the series is
    absent until some live process has built one, and a process that never built one does not pull the minimum to 0.
    """
    global _snapshot_built
    if _snapshot_built is None:
        with _snapshot_built_lock:
            if _snapshot_built is None:
                _snapshot_built = Gauge(
                    "modelsync_snapshot_built_timestamp_seconds",
                    "When the oldest live process built its selection snapshot; time() minus this is the snapshot "
                    "age. Absent until a process has built one.",
                    multiprocess_mode="livemin",
                )
    _snapshot_built.set_to_current_time()
