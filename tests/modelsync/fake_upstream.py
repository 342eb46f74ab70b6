"""A loopback HTTP server standing in for an upstream, fed with real captures; each test sets its behaviour.

Threaded (one thread per request, daemon), optionally TLS, and it stops itself when the `with` block ends or, at the
latest, after `lifetime` seconds, so a failing test never leaves a server behind.
"""

from __future__ import annotations

import contextlib
import json
import ssl
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

Responder = Callable[[BaseHTTPRequestHandler], None]


def send(handler: BaseHTTPRequestHandler, status: int, body: bytes, content_type="application/json", **headers) -> None:
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(body)))
    for name, value in headers.items():
        handler.send_header(name.replace("_", "-"), value)
    handler.end_headers()
    handler.wfile.write(body)


def slow_drip(body: bytes, *, declare_length: bool = False) -> Responder:
    """A 200 that sends `body` a byte every 50 ms: a read timeout never fires, only the run's deadline can stop it."""

    def drip(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        if declare_length:
            handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the client hangs up at its deadline
            for byte in body:
                handler.wfile.write(bytes([byte]))
                handler.wfile.flush()
                time.sleep(0.05)

    return drip


class FakeUpstream:
    """Routes GET paths to responders; counts requests and remembers the headers it was sent."""

    def __init__(self) -> None:
        self.routes: dict[str, Responder] = {}
        self.hits: Counter[str] = Counter()
        self.headers: list[dict[str, str]] = []
        upstream = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                path = self.path.split("?", 1)[0]
                upstream.hits[path] += 1
                upstream.headers.append(dict(self.headers))
                responder = upstream.routes.get(path)
                if responder is None:
                    send(self, 404, b'{"detail": "Not Found"}')
                else:
                    responder(self)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True

    @property
    def url(self) -> str:
        scheme = "https" if isinstance(self.server.socket, ssl.SSLSocket) else "http"
        return f"{scheme}://127.0.0.1:{self.server.server_address[1]}"

    def json(self, path: str, body: bytes, status: int = 200, **headers) -> None:
        self.routes[path] = lambda handler: send(handler, status, body, **headers)


@contextmanager
def fake_upstream(*, tls_files: tuple[str, str] | None = None, lifetime: float = 120.0) -> Iterator[FakeUpstream]:
    """Serve on 127.0.0.1 (HTTPS with `tls_files` = (cert, key)) until the block ends or `lifetime` passes."""
    upstream = FakeUpstream()
    if tls_files:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(*tls_files)
        upstream.server.socket = context.wrap_socket(upstream.server.socket, server_side=True)
    thread = threading.Thread(target=upstream.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    stopper = threading.Timer(lifetime, upstream.server.shutdown)
    stopper.daemon = True
    stopper.start()
    try:
        yield upstream
    finally:
        stopper.cancel()
        upstream.server.shutdown()
        upstream.server.server_close()


LITELLM_PATHS = {"model_info": "/model/info", "v1_models": "/v1/models", "model_group_info": "/model_group/info"}


@contextmanager
def litellm_proxy(folder: str = "", **kwargs) -> Iterator[FakeUpstream]:
    """A loopback LiteLLM proxy answering with the real captures (1.109.1 unless `folder` names another set)."""
    from tests.modelsync.payloads import litellm_payloads

    with fake_upstream(**kwargs) as upstream:
        for name, body in litellm_payloads(folder).items():
            upstream.json(LITELLM_PATHS[name], json.dumps(body).encode())
        yield upstream


def self_signed_cert(folder) -> tuple[str, str]:
    """A throwaway certificate for 127.0.0.1 that no trust store knows (openssl CLI)."""
    cert, key = str(folder / "cert.pem"), str(folder / "key.pem")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "1",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    return cert, key


class RecordsAdapter:
    """An adapter-level fake: returns the ModelRecords a test put in `RecordsAdapter.listing` (no HTTP at all)."""

    kind = "fake"
    listing: tuple = ()
    invalid: tuple = ()  # Findings to report alongside the records

    def __init__(self, config) -> None:
        self.config = config

    def fetch(self, client) -> dict[str, object]:
        return {"records": type(self).listing, "findings": type(self).invalid}

    def parse(self, payloads: dict[str, object]):
        from modelsync.sync.records import ParseResult

        return ParseResult(records=tuple(payloads["records"]), findings=tuple(payloads["findings"]))
