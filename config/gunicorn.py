"""gunicorn settings read with `--config python:config.gunicorn`: the library's multi-process metrics hook, the
web process's database statement timeout, and access and error logs that never carry a private feed URL's token.

Each worker writes its metrics to files in PROMETHEUS_MULTIPROC_DIR, which the master empties as it starts; a dead
worker's live gauges are dropped so a scrape never reports a process that is gone.
https://prometheus.github.io/client_python/multiprocess/
"""

import os
import shutil
from pathlib import Path

from gunicorn.glogging import Logger

from config.logs import RedactUrlSecrets


class RedactingLogger(Logger):
    """gunicorn's logger with the feed token filter on its own loggers: the access line's request ("%(r)s" holds the
    query string) and "Error handling request <uri>" are written by gunicorn, outside Django's LOGGING."""

    def setup(self, cfg):
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            if not any(isinstance(f, RedactUrlSecrets) for f in log.filters):
                log.addFilter(RedactUrlSecrets())


logger_class = RedactingLogger


def on_starting(server):
    """Empty the metrics folder before any worker writes to it: files of an earlier run would count twice."""
    if folder := os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        shutil.rmtree(folder, ignore_errors=True)
        Path(folder).mkdir(parents=True)


def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess  # only when multiprocess metrics are on (it reads the env var)

        multiprocess.mark_process_dead(worker.pid)


def post_worker_init(worker):
    """A worker serves web requests: its database statements get MODELSYNC_DB_STATEMENT_TIMEOUT (config/database.py).

    Workers of Celery and management commands never load this file, so their long syncs keep no such limit.
    """
    from config.database import serve_web_requests  # here: gunicorn reads this file before Django is set up

    serve_web_requests()
