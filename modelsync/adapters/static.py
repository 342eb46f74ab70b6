"""The `static` source: a recorded OpenRouter model list on disk; the quickstart default and last resort.

Its models are OpenRouter's, so they keep requires_api_key=True and are usable (api_key_available) only when the
static source has a key configured: the snapshot lists what exists, not what this deployment can call.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings

from modelsync.adapters.base import SourceConfig
from modelsync.adapters.openrouter import parse_models
from modelsync.exceptions import PayloadError, UpstreamError
from modelsync.sync import jsonio
from modelsync.sync.records import ParseResult

if TYPE_CHECKING:
    from modelsync.sync.http import UpstreamClient

SNAPSHOT = Path(__file__).resolve().parent.parent / "static_catalog" / "openrouter_models.json"


def snapshot_path(config: SourceConfig) -> Path:
    """The source's own file, else MODELSYNC_STATIC_CATALOG_PATH, else the snapshot shipped in the package."""
    configured = config.base_url.removeprefix("file://") or settings.MODELSYNC_STATIC_CATALOG_PATH
    return Path(configured) if configured else SNAPSHOT


def read_snapshot(path: Path) -> object:
    """The decoded file; the same size cap and error kinds as an HTTP upstream."""
    try:
        if path.stat().st_size > settings.MODELSYNC_MAX_RESPONSE_BYTES:
            raise UpstreamError(f"the static catalog {path} is larger than the response cap", kind="too_large")
        data = path.read_bytes()
    except OSError as exc:
        raise UpstreamError(f"cannot read the static catalog {path}: {exc.strerror}", kind="file_error") from None
    try:
        return jsonio.loads(data, items_under="data")  # bytes that are not UTF-8 JSON: not_json, as from HTTP
    except ValueError:
        raise PayloadError(f"the static catalog {path} is not JSON", kind="not_json") from None


class StaticAdapter:
    """Reads a file instead of calling an upstream; the client is accepted for the protocol and not used."""

    kind = "static"

    def __init__(self, config: SourceConfig) -> None:
        self.config = config

    def fetch(self, client: UpstreamClient) -> dict[str, object]:
        return {"models": read_snapshot(snapshot_path(self.config))}

    def parse(self, payloads: dict[str, object]) -> ParseResult:
        return parse_models(payloads.get("models"), self.config)
