"""Domain errors of the sync: each carries an error kind that is recorded on the run."""


class SyncError(Exception):
    """A run could not complete; `kind` is recorded as the run's error_kind, the message as plain words."""

    kind = "sync_error"
    status = "failed"

    def __init__(self, message: str, *, kind: str | None = None):
        super().__init__(message)
        if kind:
            self.kind = kind


class UpstreamError(SyncError):
    """The upstream answered badly or not at all (timeout, non-2xx, too large, redirect)."""

    kind = "upstream_error"


class PayloadError(SyncError):
    """The upstream answered 200 with a body that is not the expected shape, or an error inside it."""

    kind = "bad_payload"


class RefusedError(SyncError):
    """A guard refused to apply the plan (empty list, mass deactivation, too many invalid items)."""

    kind = "refused"
    status = "refused"
