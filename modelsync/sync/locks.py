"""One sync per source at a time, with a lock a killed worker cannot leave behind.

PostgreSQL: a session advisory lock, released when the connection closes, so a SIGKILLed worker frees it at once.
Other databases: a SyncLease row with an expiry (MODELSYNC_LOCK_LEASE), taken by one atomic statement.
"""

from __future__ import annotations

import contextlib
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone

from modelsync.models import SyncLease

ADVISORY_NAMESPACE = 0x6D73  # "ms": keeps our advisory keys apart from other users of the database
# Advisory locks are re-entrant within one session, so a nested run in this process is refused here first.
_held_here: set[int] = set()
_held_guard = threading.Lock()


@contextmanager
def source_lock(source_id: int) -> Iterator[bool]:
    """Yields True when this caller holds the source's lock, False when another run (any process) does."""
    with _held_guard:
        if source_id in _held_here:
            nested = True
        else:
            nested = False
            _held_here.add(source_id)
    if nested:
        yield False
        return
    try:
        lock = _advisory_lock if connection.vendor == "postgresql" else _lease_lock
        with lock(source_id) as acquired:
            yield acquired
    finally:
        with _held_guard:
            _held_here.discard(source_id)


@contextmanager
def _advisory_lock(source_id: int) -> Iterator[bool]:
    """A session lock (not a transaction lock): it spans the run's several transactions and dies with the session."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [ADVISORY_NAMESPACE, source_id])
        acquired = cursor.fetchone()[0]
    try:
        yield acquired
    finally:
        if acquired:
            # If the connection broke, the server already dropped the lock with the session: nothing to undo.
            with contextlib.suppress(DatabaseError), connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [ADVISORY_NAMESPACE, source_id])


@contextmanager
def _lease_lock(source_id: int) -> Iterator[bool]:
    holder = uuid.uuid4().hex
    acquired = _lease_acquire(source_id, holder)
    try:
        yield acquired
    finally:
        if acquired:
            SyncLease.objects.filter(source_id=source_id, holder=holder).delete()


def _lease_acquire(source_id: int, holder: str) -> bool:
    """Atomic either way: a conditional UPDATE of an expired lease, or the INSERT the primary key lets one win."""
    now = timezone.now()
    expires = now + timedelta(seconds=settings.MODELSYNC_LOCK_LEASE)
    # Take an expired lease over in one conditional UPDATE; otherwise try to be the first to INSERT.
    expired = SyncLease.objects.filter(source_id=source_id, expires_at__lt=now)
    if expired.update(holder=holder, expires_at=expires):
        return True
    try:
        with transaction.atomic():
            SyncLease.objects.create(source_id=source_id, holder=holder, expires_at=expires)
        return True
    except IntegrityError:
        return False
