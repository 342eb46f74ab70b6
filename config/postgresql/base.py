"""Django's PostgreSQL backend (psycopg 3), failing fast when the database hangs (see config/database.py).

A connect timeout bounds a new connection, but a server that accepts TCP and then never answers also stalls a
connection that is already open (CONN_MAX_AGE keeps them), and PostgreSQL's own statement_timeout cannot help when
the statement never reaches it. So the client gives up waiting too: the health check Django runs on a reused
connection (CONN_HEALTH_CHECKS) within the connect timeout, the web process's statements one second after their
statement timeout; the connection is then closed and the outage remembered for MODELSYNC_DB_RETRY_AFTER seconds.
"""

from __future__ import annotations

from contextlib import contextmanager
from functools import partial

import psycopg
from django.conf import settings
from django.db.backends.postgresql import base

from config.database import database_down, database_down_for, database_up, is_web_process

# The one exception psycopg's wait functions raise when their timeout expires (an OperationalError).
_WaitTimeout = psycopg.errors._WaitTimeout


class DeadlineConnection(psycopg.Connection):
    """psycopg's connection, giving up on a server that has not answered within `answer_timeout` seconds."""

    answer_timeout: float | None = None
    on_no_answer = None

    def wait(self, gen, interval=None, timeout=None):
        limit = self.answer_timeout if timeout is None else timeout
        try:
            if interval is None:
                return super().wait(gen, timeout=limit)
            return super().wait(gen, interval, limit)
        except _WaitTimeout:
            # Mid-protocol: nothing more can be read or sent on this connection.
            self.close()
            if self.on_no_answer is not None:
                self.on_no_answer()
            raise psycopg.OperationalError(f"the database did not answer within {limit:g} s") from None

    @contextmanager
    def answering_within(self, seconds: float):
        saved, self.answer_timeout = self.answer_timeout, seconds
        try:
            yield
        finally:
            self.answer_timeout = saved


class _Psycopg:
    """The psycopg module as Django's backend sees it, except that connections are DeadlineConnections."""

    connect = staticmethod(DeadlineConnection.connect)

    def __getattr__(self, name):
        return getattr(psycopg, name)


class DatabaseWrapper(base.DatabaseWrapper):
    Database = _Psycopg()

    def _target(self) -> tuple:
        s = self.settings_dict
        return s["HOST"] or "", str(s["PORT"] or ""), s["NAME"], s["USER"]

    def _connect_timeout(self) -> float:
        return float(self.settings_dict["OPTIONS"].get("connect_timeout") or settings.MODELSYNC_DB_CONNECT_TIMEOUT)

    def get_connection_params(self):
        params = super().get_connection_params()
        statement_ms = int(settings.MODELSYNC_DB_STATEMENT_TIMEOUT * 1000)
        if is_web_process() and statement_ms > 0:
            params["options"] = f"{params.get('options', '')} -c statement_timeout={statement_ms}".strip()
        return params

    def get_new_connection(self, conn_params):
        target = self._target()
        if left := database_down_for(target):
            raise psycopg.OperationalError(f"the database did not answer a moment ago; trying again in {left:.1f} s")
        retry_after = settings.MODELSYNC_DB_RETRY_AFTER
        try:
            connection = super().get_new_connection(conn_params)
        except psycopg.OperationalError:
            database_down(target, retry_after)
            raise
        database_up(target)
        statement_seconds = settings.MODELSYNC_DB_STATEMENT_TIMEOUT
        if is_web_process() and statement_seconds > 0:
            connection.answer_timeout = statement_seconds + 1  # PostgreSQL's own timeout answers first
        connection.on_no_answer = partial(database_down, target, retry_after)
        return connection

    def is_usable(self):
        """Django's health check of a reused connection, bounded by the connect timeout: it is one, in effect."""
        if self.connection is None:
            return False
        with self.connection.answering_within(self._connect_timeout()):
            return super().is_usable()
