"""The adapter protocol, the source config adapters read, and HttpAdapter (the registry: modelsync.adapters)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from modelsync.sync.records import ParseResult

if TYPE_CHECKING:
    from modelsync.sync.http import UpstreamClient


@dataclass(frozen=True, slots=True)
class SourceConfig:
    """What an adapter needs to know about its source; the key is read from the environment by name."""

    name: str
    kind: str
    base_url: str
    api_key: str = ""  # resolved from Source.api_key_env at call time; never logged or stored
    recommended_patterns: tuple[str, ...] = ()

    @property
    def has_api_key(self) -> bool:
        return bool(self.api_key)

    @property
    def memo_key(self) -> tuple:
        """The source, its parser, and what that parser reads besides an item (build_records' memo); never the key
        itself. Not the base URL: a list read from another address is still the source's next list."""
        return (self.name, self.kind, self.has_api_key, self.recommended_patterns)

    def __repr__(self) -> str:  # keep the key out of tracebacks and logs
        return f"SourceConfig(name={self.name!r}, kind={self.kind!r}, base_url={self.base_url!r})"


class SourceAdapter(Protocol):
    """fetch() does the I/O and returns raw payloads; parse() is pure and turns them into records."""

    kind: str

    def __init__(self, config: SourceConfig) -> None: ...

    def fetch(self, client: UpstreamClient) -> dict[str, object]:
        """Call the upstream; raise UpstreamError/PayloadError; return the decoded payloads by endpoint."""
        ...

    def parse(self, payloads: dict[str, object]) -> ParseResult:
        """Pure: payloads -> records and findings. Raises PayloadError only when the whole shape is wrong."""
        ...


class HttpAdapter:
    """An adapter whose fetch() is one GET per entry of `endpoints` (payload name -> path under base_url).

    `listings` names the payloads whose item list (payload name -> key of the list) its parser builds item by item
    from the item alone: those items arrive undecoded, for build_records' memo.
    """

    kind: str
    endpoints: dict[str, str]
    listings: dict[str, str] = {}

    def __init__(self, config: SourceConfig) -> None:
        self.config = config

    def fetch(self, client: UpstreamClient) -> dict[str, object]:
        base = self.config.base_url.rstrip("/")
        return {
            name: client.get_json(f"{base}{path}", items_under=self.listings.get(name))
            for name, path in self.endpoints.items()
        }
