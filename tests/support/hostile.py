"""A raw TCP server on 127.0.0.1 that answers each request with whatever bytes a test scripts."""

from __future__ import annotations

import socket
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

Behaviour = Callable[[socket.socket], None]


def http_answer(status: int, body: bytes, reason: str = "X", headers: str = "") -> bytes:
    head = f"HTTP/1.1 {status} {reason}\r\nContent-Length: {len(body)}\r\nConnection: close\r\n{headers}\r\n"
    return head.encode() + body


def reply(data: bytes) -> Behaviour:
    return lambda conn: conn.sendall(data)


def hang(release: threading.Event) -> Behaviour:
    def behave(conn: socket.socket) -> None:
        release.wait(10)

    return behave


def trickle(release: threading.Event) -> Behaviour:
    def behave(conn: socket.socket) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n")
        while not release.wait(0.05):
            conn.sendall(b" ")

    return behave


def reset(conn: socket.socket) -> None:
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # close sends RST


def close_silently(conn: socket.socket) -> None:
    return None


def cut_short(body: bytes) -> Behaviour:
    """Promise more bytes than are sent, then close."""
    return lambda conn: conn.sendall(f"HTTP/1.1 200 OK\r\nContent-Length: {len(body) * 2}\r\n\r\n".encode() + body)


@dataclass
class HostileServer:
    """Serves `behaviour` to every connection until changed; counts connections."""

    behaviour: Behaviour = close_silently
    connections: int = 0
    release: threading.Event = field(default_factory=threading.Event)
    _sock: socket.socket | None = None

    @property
    def base_url(self) -> str:
        assert self._sock is not None
        return f"http://127.0.0.1:{self._sock.getsockname()[1]}"

    def __enter__(self) -> HostileServer:
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(16)
        threading.Thread(target=self._serve, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        assert self._sock is not None
        self._sock.close()

    def _serve(self) -> None:
        assert self._sock is not None
        while True:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        try:
            if read_request(conn) is not None:
                self.behaviour(conn)
        except OSError:
            pass
        finally:
            time.sleep(0.01)
            conn.close()


def read_request(conn: socket.socket) -> bytes | None:
    """A request's line and headers (5 s at most between chunks), or None if the client hung up first."""
    conn.settimeout(5)
    request = b""
    while b"\r\n\r\n" not in request:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        request += chunk
    return request
