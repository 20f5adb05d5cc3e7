"""A TCP proxy on 127.0.0.1 in front of a real peer, for outages and lost answers.

- `down`: every new connection is closed at once (the peer looks unreachable); open ones are cut.
- `lose_answers = n`: the next n answers are swallowed: the request reaches the peer (which applies it), the
  answer never reaches the client, and the connection is closed (an ambiguous failure).
Byte-level, so it serves HTTP (PVOutput, InfluxDB) and MQTT alike.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from dataclasses import dataclass, field


@dataclass
class FlakyProxy:
    upstream: tuple[str, int]
    down: bool = False
    lose_answers: int = 0
    lost: int = 0  # answers swallowed so far
    lock: threading.Lock = field(default_factory=threading.Lock)
    open_sockets: list[socket.socket] = field(default_factory=list)

    def start(self) -> FlakyProxy:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()
        return self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def set_down(self, down: bool) -> None:
        self.down = down
        if down:
            with self.lock:
                for sock in self.open_sockets:
                    _close(sock)
                self.open_sockets.clear()

    def stop(self) -> None:
        self.set_down(True)
        _close(self.server)

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            if self.down:
                _close(client)
                continue
            try:
                upstream = socket.create_connection(self.upstream, timeout=10)
            except OSError:
                _close(client)
                continue
            with self.lock:
                self.open_sockets += [client, upstream]
            threading.Thread(target=self._pump, args=(client, upstream, False), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client, True), daemon=True).start()

    def _pump(self, source: socket.socket, target: socket.socket, answers: bool) -> None:
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                if answers:
                    with self.lock:
                        swallow = self.lose_answers > 0
                        if swallow:
                            self.lose_answers -= 1
                            self.lost += 1
                    if swallow:
                        break
                target.sendall(data)
        except OSError:
            pass
        finally:
            _close(source)
            _close(target)


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()
