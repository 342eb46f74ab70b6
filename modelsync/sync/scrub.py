"""The one secret scrubber: what keeps a source's key, or anything shaped like a credential, out of every message,
record and text the sync stores or logs. Pure: no Django, no I/O.

Three uses, each with its own strictness (unchanged from when they lived apart):
- scrub(): a message (error, finding, log line): the key, credential-shaped tokens and URL user info, one line, capped.
- KEY_LIKE: untrusted upstream text (names, descriptions; modelsync.sync.normalize.clean_text): bearer/sk-/key- tokens.
- redact(): records, belt and braces: the source's own key wherever the upstream echoed it.
- redact_url_secrets(): log lines (config.logs): a private feed URL's `?token=` value, and a feed token (`msf_…`)
  wherever it is pasted, so a request line or a URL in a message never carries one.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace

from modelsync.sync.records import ModelRecord

REDACTED = "[redacted]"
MESSAGE_CAP = 300
# Bearer tokens, sk-/key-style keys and credentials in URLs: masked in every message.
TOKEN_LIKE = re.compile(r"(?i)(bearer\s+[^\s\"',]+|\b(?:sk|pk|rk|key|api[_-]?key|token)[-_=:][^\s\"',]+|//[^/\s@]+@)")
OPAQUE = re.compile(r"[A-Za-z0-9_\-+/=]{24,}")  # in an upstream's error body, any long opaque string may be a key
# In upstream text: what every key-like token looks like (normalize gates it on a cheap substring test first).
KEY_LIKE = re.compile(r"(?i)\b(?:bearer\s+\S+|(?:sk|pk|rk|key)-[a-z0-9_\-]{6,})")
# A query's token= value (up to the next parameter), and a feed token (catalog.tokens.FEED_TOKEN_PREFIX) anywhere,
# even glued to other text (a URL-encoded `%3Dmsf_…` has no word boundary before it).
URL_SECRET = re.compile(r"(?i)([?&;]token=)[^&;\s\"'#]*|msf_[A-Za-z0-9_\-]{16,}")


def scrub(text: str, secret: str = "") -> str:
    """A message safe to store and log: the key and anything shaped like a credential replaced, one line, capped."""
    if secret:
        text = text.replace(secret, REDACTED)
    text = TOKEN_LIKE.sub(REDACTED, text)
    return " ".join(text.split())[:MESSAGE_CAP]


def redact_url_secrets(text: str) -> str:
    """`text` with a URL's token= value and any feed token replaced, the rest untouched (a log line stays whole)."""
    return URL_SECRET.sub(lambda found: (found.group(1) or "") + REDACTED, text)


def redact(records: tuple[ModelRecord, ...], secret: str) -> tuple[ModelRecord, ...]:
    """Belt and braces: the source's own key never survives in a record, wherever the upstream echoed it."""
    if not secret:
        return records
    return tuple(_redact_one(record, secret) if secret in repr(record) else record for record in records)


def _redact_one(record: ModelRecord, secret: str) -> ModelRecord:
    text = json.dumps(record.details).replace(secret, REDACTED)
    return replace(record, display_name=record.display_name.replace(secret, REDACTED), details=json.loads(text))
