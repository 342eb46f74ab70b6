"""Who may start a sync and read the sync history: one rule, read by admin and the API alike.

Both are Django permissions, granted in admin under Users/Groups: "Can start a sync" (modelsync.run_sync) starts
syncs, and reading the runs needs that or "Can view sync run". Either needs an active staff user, as admin does;
superusers hold every permission.
"""

from __future__ import annotations

from rest_framework.permissions import BasePermission

RUN_SYNC = "modelsync.run_sync"
# Whoever may start a sync lands on its run page, so they may read the runs too.
READ_RUNS = ("modelsync.view_syncrun", "modelsync.change_syncrun", RUN_SYNC)


def _staff(user) -> bool:
    return bool(user and user.is_active and user.is_staff)


def can_start_sync(user) -> bool:
    return _staff(user) and user.has_perm(RUN_SYNC)


def can_read_sync_runs(user) -> bool:
    return _staff(user) and any(user.has_perm(permission) for permission in READ_RUNS)


class StartsSyncs(BasePermission):
    """The API's side of can_start_sync()."""

    message = "Starting a sync needs a staff user with the 'Can start a sync' permission (modelsync.run_sync)."

    def has_permission(self, request, view) -> bool:
        return can_start_sync(request.user)


class ReadsSyncRuns(BasePermission):
    """The API's side of can_read_sync_runs()."""

    message = (
        "Reading the sync history needs a staff user with the 'Can start a sync' or 'Can view sync run' permission."
    )

    def has_permission(self, request, view) -> bool:
        return can_read_sync_runs(request.user)
