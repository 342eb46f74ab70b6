"""A loopback TCP proxy that can pass, refuse, blackhole or cut connections: PostgreSQL or Redis failing on demand.

Tests point DATABASE_URL or CELERY_BROKER_URL (or a settings override) at `proxy.port` instead of the real service
and switch the mode while the code under test runs:

- ``pass``: bytes flow both ways to the real service;
- ``refuse``: a new connection is reset at once (ECONNREFUSED-like: the client sees the peer close or reset);
- ``blackhole``: a new connection is accepted and never answered (a database that hangs), and bytes on open
  connections stop flowing both ways;
- ``cut()``: every open connection is closed now (a network cut or a server restart).

One thread accepts; two threads pump each connection. Everything stops with `close()` (or the context manager).
"""

from __future__ import annotations

import contextlib
import select
import socket
import struct
import threading
from typing import Literal

Mode = Literal["pass", "refuse", "blackhole"]
_CHUNK = 65536
_POLL = 0.05  # seconds: how quickly a pump notices a mode change or close()


class FaultProxy:
    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.mode: Mode = "pass"
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(_POLL)
        self.port = self._listener.getsockname()[1]
        self._sockets: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self._thread = threading.Thread(target=self._accept_loop, name=f"faultproxy:{self.port}", daemon=True)
        self._thread.start()

    def url_for(self, url: str) -> str:
        """`url` (postgres://… or redis://…) with its host and port replaced by this proxy's."""
        from urllib.parse import urlsplit, urlunsplit

        parts = urlsplit(url)
        auth = parts.netloc.rpartition("@")[0]
        return urlunsplit(parts._replace(netloc=f"{auth + '@' if auth else ''}127.0.0.1:{self.port}"))

    def set_mode(self, mode: Mode) -> None:
        self.mode = mode

    def cut(self) -> None:
        """Close every open connection, as a network cut would."""
        with self._lock:
            sockets, self._sockets = self._sockets, set()
        for sock in sockets:
            _reset(sock)

    def close(self) -> None:
        self._closed.set()
        self._thread.join(timeout=2)
        self._listener.close()
        self.cut()

    def __enter__(self) -> FaultProxy:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _accept_loop(self) -> None:
        while not self._closed.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            if self.mode == "refuse":
                _reset(client)
                continue
            self._track(client)
            threading.Thread(target=self._connect_and_pump, args=(client,), daemon=True).start()

    def _connect_and_pump(self, client: socket.socket) -> None:
        while self.mode == "blackhole" and not self._closed.is_set():
            self._closed.wait(_POLL)  # accepted, never answered
        try:
            upstream = socket.create_connection(self.target, timeout=5)
        except OSError:
            _reset(client)
            return
        self._track(upstream)
        for source, sink in ((client, upstream), (upstream, client)):
            threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while not self._closed.is_set():
                if self.mode == "blackhole":
                    self._closed.wait(_POLL)
                    continue
                readable, _, _ = select.select([source], [], [], _POLL)
                if not readable:
                    continue
                data = source.recv(_CHUNK)
                if not data:
                    break
                while self.mode == "blackhole" and not self._closed.is_set():
                    self._closed.wait(_POLL)  # switched while this pump waited: bytes read after it stop here too
                sink.sendall(data)
        except (OSError, ValueError):
            pass
        _reset(source)
        _reset(sink)

    def _track(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.add(sock)


def _reset(sock: socket.socket) -> None:
    """Close with RST rather than FIN, as a refused or cut connection looks to the client."""
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    with contextlib.suppress(OSError):
        sock.close()
