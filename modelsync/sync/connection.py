"""'Test connection' for a source: is the upstream reachable, and does it accept the key? Never shows the key."""

from __future__ import annotations

from dataclasses import dataclass

from modelsync.adapters.static import snapshot_path
from modelsync.exceptions import SyncError
from modelsync.models import Source
from modelsync.sync.http import UpstreamClient
from modelsync.sync.pipeline import source_config

# kind -> [(what the check proves, path, send the key?)]; LiteLLM's /health would make paid calls: readiness only.
CHECKS = {
    Source.Kind.LITELLM: [("proxy is up", "/health/readiness", False), ("key can list models", "/v1/models", True)],
    Source.Kind.OPENROUTER: [("models list answers", "/models", False), ("key is valid", "/key", True)],
    Source.Kind.OPENAI: [("models list answers", "/models", True)],
    Source.Kind.OLLAMA: [("server answers", "/api/tags", False)],
}


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


def source_test_connection(*, source: Source) -> list[Check]:
    """Run the kind's checks in order; a key check is skipped (and says so) when no key is configured."""
    config = source_config(source)
    if source.kind == Source.Kind.STATIC:
        path = snapshot_path(config)
        return [Check("catalog file is readable", path.is_file(), str(path))]
    checks = []
    for name, path, needs_key in CHECKS[source.kind]:
        if needs_key and not config.api_key:
            variable = source.api_key_env or "no variable named"
            checks.append(Check(name, False, f"no key: {variable} is not set in the environment"))
            continue
        client = UpstreamClient(api_key=config.api_key if needs_key else "")
        try:
            client.get_json(f"{source.base_url.rstrip('/')}{path}")
            checks.append(Check(name, True, "OK"))
        except SyncError as exc:  # messages are already free of keys and credentials (modelsync.sync.http)
            checks.append(Check(name, False, f"{exc.kind}: {exc}"))
    return checks
