"""A push endpoint on 127.0.0.1 that records what it got: a stand-in for ntfy, a webhook or a healthcheck.

`status` is what it answers (500 to fail); every request is recorded as (method, path, headers, body), failed
ones too, so a test can tell a retry from a first try.
"""

from __future__ import annotations

import http.server
import json
import threading
import time
from typing import Any


class Hit:
    def __init__(self, method: str, path: str, headers: dict[str, str], body: bytes, status: int) -> None:
        self.method, self.path, self.headers, self.body, self.status = method, path, headers, body, status

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")

    def __repr__(self) -> str:
        return f"Hit({self.method} {self.path} -> {self.status}: {self.body[:80]!r})"


class PushReceiver:
    def __init__(self) -> None:
        self.hits: list[Hit] = []
        self.status = 200
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                status = receiver.status
                receiver.hits.append(Hit(self.command, self.path, dict(self.headers), body, status))
                payload = b'{"id":"x"}'
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = _answer  # noqa: N815 (http.server's names)

            def log_message(self, *args: object) -> None:
                return

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_port
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def delivered(self) -> list[Hit]:
        return [hit for hit in self.hits if hit.status < 300]

    def wait_for(self, count: int, timeout_s: float = 10.0) -> list[Hit]:
        """The hits, once at least `count` arrived (a thread left behind by a deadline may still be sending)."""
        end = time.monotonic() + timeout_s
        while len(self.hits) < count and time.monotonic() < end:
            time.sleep(0.01)
        return list(self.hits)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
