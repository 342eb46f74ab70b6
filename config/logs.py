"""The log filter that keeps private feed URL tokens out of every log line: Django's (LOGGING's console handler),
runserver's and gunicorn's access and error logs (config.gunicorn). Imports no Django: gunicorn loads it first."""

from __future__ import annotations

import logging

from modelsync.sync.scrub import redact_url_secrets

# What every LogRecord has; anything else on a record came in through `extra=` (Django's request, status_code).
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


class RedactUrlSecrets(logging.Filter):
    """Rewrites a record whose message or extras carry a feed token, so no handler or formatter sees it.

    The message is rendered once and kept (args dropped); an extra whose text carries a token (Django's `request`,
    whose repr holds the full path and query) is replaced by that text, redacted. Records are never dropped.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record: logging reports it itself, with the arguments it has
            return True
        redacted = redact_url_secrets(message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        for name, value in list(vars(record).items()):
            if name in _STANDARD or isinstance(value, int | float | bool | type(None)):
                continue
            text = str(value)
            if (clean := redact_url_secrets(text)) != text:
                setattr(record, name, clean)
        return True
