"""The upstream HTTP client: timeouts, a wall-clock deadline, bounded retries, a size cap, no redirects.

Interface used by the adapters: ``UpstreamClient(api_key=...).get_json(url)`` returns decoded JSON or raises
UpstreamError / PayloadError. The key goes only in the Authorization header and never into a message.
"""

from __future__ import annotations

import contextlib
import math
import socket
import threading
import time
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

import requests
import urllib3
from django.conf import settings
from requests.adapters import HTTPAdapter
from urllib3.exceptions import LocationParseError as LocationParseError  # re-exported: modelsync.changes.targets
from urllib3.exceptions import ReadTimeoutError
from urllib3.util import parse_url as parse_url  # the sending client's URL parser, for the webhook target check
from urllib3.util.retry import Retry

from modelsync.exceptions import PayloadError, UpstreamError
from modelsync.sync import jsonio
from modelsync.sync.scrub import OPAQUE, scrub

if TYPE_CHECKING:
    from modelsync.changes.targets import WebhookTarget

RETRY_STATUSES = (429, 500, 502, 503, 504)
CHUNK = 64 * 1024
EXCERPT_BYTES = 512  # read at most this much of an error body, for a short sanitized excerpt


class _CappedRetry(Retry):
    """urllib3's Retry, bounded by time: a Retry-After over MODELSYNC_HTTP_MAX_RETRY_AFTER, or a retry that could
    not finish before the run's deadline, fails now instead of waiting (a 429 with Retry-After: 86400 costs 1 call)."""

    deadline: float = math.inf  # time.monotonic() value; set per client
    attempt_seconds: float = 0.0  # connect + read timeout: what one more attempt may take

    def new(self, **kwargs):
        retry = super().new(**kwargs)
        retry.deadline, retry.attempt_seconds = self.deadline, self.attempt_seconds
        return retry

    def increment(self, method=None, url=None, response=None, error=None, _pool=None, _stacktrace=None):
        header = response.headers.get("Retry-After") if response is not None else None
        wait = self.parse_retry_after(header) if header else None
        where = safe_url(url or "")
        if wait is not None and wait > settings.MODELSYNC_HTTP_MAX_RETRY_AFTER:
            limit = settings.MODELSYNC_HTTP_MAX_RETRY_AFTER
            raise UpstreamError(f"{where} asked to retry after {int(wait)}s, more than the {limit:g}s we wait",
                                kind="rate_limited")  # fmt: skip
        retry = super().increment(method, url, response, error, _pool, _stacktrace)
        pause = wait if wait is not None else retry.get_backoff_time()
        if time.monotonic() + pause + self.attempt_seconds > self.deadline:
            raise UpstreamError(f"{where}: no time left before the run's deadline to retry", kind="deadline")
        return retry


def _retry(deadline: float) -> Retry:
    retry = _CappedRetry(
        total=settings.MODELSYNC_HTTP_RETRIES,
        connect=settings.MODELSYNC_HTTP_RETRIES,
        read=settings.MODELSYNC_HTTP_RETRIES,
        status=settings.MODELSYNC_HTTP_RETRIES,
        redirect=0,
        status_forcelist=RETRY_STATUSES,  # never 401/403: a wrong key does not get better by asking again
        allowed_methods=frozenset({"GET"}),
        backoff_factor=settings.MODELSYNC_HTTP_BACKOFF,
        backoff_jitter=settings.MODELSYNC_HTTP_BACKOFF,
        backoff_max=settings.MODELSYNC_HTTP_MAX_RETRY_AFTER,
        respect_retry_after_header=True,
        raise_on_status=False,
        raise_on_redirect=False,
    )
    retry.deadline = deadline
    retry.attempt_seconds = settings.MODELSYNC_HTTP_CONNECT_TIMEOUT + settings.MODELSYNC_HTTP_READ_TIMEOUT
    return retry


def safe_url(url: str) -> str:
    """scheme://host:port/path: no credentials, query string or fragment in a message."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


class UpstreamClient:
    """One per run: the deadline covers every call the run makes; the key goes only in the Authorization header."""

    def __init__(self, *, api_key: str = "") -> None:
        self._api_key = api_key
        self._deadline = time.monotonic() + settings.MODELSYNC_HTTP_DEADLINE
        self._session = requests.Session()
        self._session.trust_env = False  # no proxies or .netrc credentials picked up from the environment
        for prefix in ("http://", "https://"):
            self._session.mount(prefix, HTTPAdapter(max_retries=_retry(self._deadline)))

    def __repr__(self) -> str:  # never the key, in a traceback or a log line
        return "UpstreamClient()"

    def get_json(self, url: str, *, items_under: str | None = None) -> object:
        """GET `url` and decode its JSON (see jsonio.loads for `items_under`); UpstreamError for transport/HTTP
        problems, PayloadError for a bad body."""
        body = self._get(url)
        try:
            return jsonio.loads(body, items_under=items_under)
        except ValueError:
            raise PayloadError(f"GET {safe_url(url)} did not return JSON", kind="not_json") from None
        except PayloadError as exc:  # JSON past a parser's limit: which endpoint answered it
            raise PayloadError(f"GET {safe_url(url)}: {exc}", kind=exc.kind) from None

    def _headers(self) -> dict[str, str]:
        headers = {"Accept": "application/json", "Accept-Encoding": "gzip, deflate"}
        if self._api_key:
            headers["Authorization"] = f"Bearer {self._api_key}"
        return headers

    def _timeout(self, where: str) -> tuple[float, float]:
        left = self._deadline - time.monotonic()
        if left <= 0:
            raise UpstreamError(f"GET {where}: the run's deadline passed before the call", kind="deadline")
        return (min(settings.MODELSYNC_HTTP_CONNECT_TIMEOUT, left), min(settings.MODELSYNC_HTTP_READ_TIMEOUT, left))

    def _get(self, url: str) -> bytes:
        where = safe_url(url)
        try:
            response = self._session.get(url, headers=self._headers(), timeout=self._timeout(where),
                                         allow_redirects=False, stream=True, verify=True)  # fmt: skip
        except requests.RequestException as exc:
            raise _transport_error(where, exc) from None
        with response:
            self._check_status(where, response)
            return self._read_capped(where, response)

    def _check_status(self, where: str, response: requests.Response) -> None:
        code = response.status_code
        if 300 <= code < 400:  # the Location is not followed: the redirect target receives nothing, not even the key
            raise UpstreamError(f"GET {where} answered a redirect ({code}); redirects are not followed",
                                kind="redirect")  # fmt: skip
        if code in (401, 403):
            raise UpstreamError(f"GET {where} refused the API key (HTTP {code})", kind="unauthorized")
        if not 200 <= code < 300:
            excerpt = self._excerpt(response)
            raise UpstreamError(f"GET {where} answered HTTP {code}" + (f": {excerpt}" if excerpt else ""),
                                kind=f"http_{code}")  # fmt: skip

    def _excerpt(self, response: requests.Response) -> str:
        """A short, sanitized start of an error body: enough to tell a proxy's message, never a key."""
        try:
            head = response.raw.read(EXCERPT_BYTES, decode_content=True) or b""
        except (urllib3.exceptions.HTTPError, OSError, ValueError):
            return ""
        text = scrub(head.decode("utf-8", "replace"), self._api_key)
        return OPAQUE.sub("[redacted]", "".join(c for c in text if c.isprintable()))[:120]

    def _read_capped(self, where: str, response: requests.Response) -> bytes:
        """Read the (decoded) body in chunks, stopping at the size cap and at the deadline (a slow drip)."""
        cap = settings.MODELSYNC_MAX_RESPONSE_BYTES
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > cap and "Content-Encoding" not in response.headers:
            raise UpstreamError(f"GET {where} is {declared} bytes, over the {cap}-byte cap", kind="too_large")
        chunks, size = [], 0
        watchdog = _cut_at_deadline(response, self._deadline - time.monotonic())
        try:
            for chunk in response.iter_content(CHUNK):  # decoded bytes: a gzip bomb counts in full
                size += len(chunk)
                if size > cap:
                    raise UpstreamError(f"GET {where} is over the {cap}-byte cap", kind="too_large")
                chunks.append(chunk)
        except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as exc:
            if time.monotonic() >= self._deadline:
                raise UpstreamError(
                    f"GET {where} was still sending when the deadline passed", kind="deadline"
                ) from None
            raise UpstreamError(f"GET {where} broke off: {type(exc).__name__}", kind="connection_error") from None
        finally:
            watchdog.cancel()
        if time.monotonic() >= self._deadline:  # the watchdog cut the socket: what arrived is a truncated body
            raise UpstreamError(f"GET {where} was still sending when the deadline passed", kind="deadline")
        return b"".join(chunks)


def _transport_error(where: str, exc: requests.RequestException) -> UpstreamError:
    """The run's error for a call that got no usable answer; the exception text (which may hold a URL) is dropped."""
    if isinstance(exc, requests.exceptions.RetryError):
        return UpstreamError(f"GET {where} kept failing after retries", kind="retries_exhausted")
    if isinstance(exc, requests.exceptions.Timeout):
        return UpstreamError(f"GET {where} timed out", kind="timeout")
    if isinstance(exc, requests.exceptions.SSLError):
        return UpstreamError(f"GET {where}: the TLS certificate could not be verified", kind="tls_error")
    if isinstance(exc, requests.exceptions.ConnectionError):
        # Retries exhausted on read timeouts surface as a ConnectionError wrapping urllib3's ReadTimeoutError.
        timed_out = isinstance(getattr(exc.args[0] if exc.args else None, "reason", None), ReadTimeoutError)
        kind, what = ("timeout", "timed out") if timed_out else ("connection_error", "could not connect")
        return UpstreamError(f"GET {where} {what}", kind=kind)
    return UpstreamError(f"GET {where} failed: {type(exc).__name__}", kind="connection_error")


def _cut_at_deadline(response: requests.Response, seconds: float) -> threading.Timer:
    """A read timeout restarts with every byte, so a slow drip needs a wall clock: shut the socket at the deadline."""

    def cut() -> None:
        sock = _socket_of(response)
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    timer = threading.Timer(max(seconds, 0.0), cut)
    timer.daemon = True
    timer.start()
    return timer


def _socket_of(response: requests.Response) -> socket.socket | None:
    """The socket under a streamed response: on the pooled connection, or (once http.client took it) on its file."""
    sock = getattr(getattr(response.raw, "_connection", None), "sock", None)
    if sock is None:
        file = getattr(getattr(response.raw, "_fp", None), "fp", None)
        sock = getattr(getattr(file, "raw", None), "_sock", None)
    return sock


# --- Webhook deliveries: one POST to the address modelsync.changes.targets checked --------------------------------


def pinned_post(target: WebhookTarget, body: bytes, headers: dict[str, str], *, timeout: float) -> tuple[int, str]:
    """POST `body` once to the checked address of `target`: no redirects, no retries, one timeout. (status, "") or
    (0, why) when no answer came."""
    pool = _connection_pool(target, timeout)
    try:
        response = pool.urlopen("POST", target.request_uri, body=body, headers=headers, redirect=False,
                                assert_same_host=False, preload_content=False)  # fmt: skip
        response.drain_conn()
        response.release_conn()
    except urllib3.exceptions.HTTPError as exc:
        return 0, f"{type(exc).__name__}: could not POST to the endpoint"
    finally:
        pool.close()
    return response.status, ""


def _connection_pool(target: WebhookTarget, timeout: float) -> urllib3.HTTPConnectionPool:
    """A pool to the checked address; for https the certificate must name the URL's host, sent as the server name."""
    options = {"port": target.port, "retries": False, "timeout": timeout, "maxsize": 1}
    if target.scheme == "https":
        return urllib3.HTTPSConnectionPool(target.address, server_hostname=target.tls_name,
                                           assert_hostname=target.tls_name, **options)  # fmt: skip
    return urllib3.HTTPConnectionPool(target.address, **options)
