"""The PVS request is the same in every environment: brotli importable, a proxy and a ~/.netrc change nothing.

The real CLI runs in a child process (the Accept-Encoding requests sends is decided when urllib3 is imported,
so only a fresh interpreter shows it), with a stand-in `brotli` module on its path, http_proxy pointing at a
recording proxy, and a ~/.netrc holding a login for 127.0.0.1.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from pvs6sup.sim.legacy_pvs import SimulatedPVS, SimulatedSite, SiteModel
from tests.support.harness import ROOT, SITE_ENV


class RecordingPVS(SimulatedPVS):
    """The simulated PVS, keeping the headers of every request it was sent."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.headers_seen: list[dict[str, str]] = []

    def answer_request(self, path: str, headers: dict[str, str]) -> tuple[int, bytes, str, list[tuple[str, str]]]:
        self.headers_seen.append(headers)
        return super().answer_request(path, headers)


def _recording_proxy(hits: list[str]) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            self.send_response(502)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    return server


def _child_env(tmp_path: Path, proxy_port: int, pvs_url: str) -> dict[str, str]:
    stubs = tmp_path / "stubs"
    stubs.mkdir()
    (stubs / "brotli.py").write_text(
        '"""A stand-in with what urllib3 touches on import."""\n'
        "error = Exception\n\n\nclass Decompressor:\n    def process(self, data):\n        return data\n"
    )
    home = tmp_path / "home"
    home.mkdir()
    (home / ".netrc").write_text("machine 127.0.0.1 login owner password hunter2\n")
    (home / ".netrc").chmod(0o600)
    proxies = {"no_proxy", "http_proxy", "https_proxy", "all_proxy"}
    env = {k: v for k, v in os.environ.items() if k.lower() not in proxies}
    env.update(SITE_ENV)
    env.update(
        {
            "PYTHONPATH": str(stubs),
            "HOME": str(home),
            "http_proxy": f"http://127.0.0.1:{proxy_port}",
            "HTTP_PROXY": f"http://127.0.0.1:{proxy_port}",
            "PVS_HOST": pvs_url,
            "DATA_DIR": str(tmp_path / "data"),
            "WEATHER_PROVIDER": "none",
        }
    )
    return env


def test_pvs_request_pins_encoding_and_ignores_proxy_and_netrc(tmp_path: Path) -> None:
    hits: list[str] = []
    proxy = _recording_proxy(hits)
    try:
        with RecordingPVS(site=SimulatedSite(SiteModel())) as pvs:
            env = _child_env(tmp_path, proxy.server_address[1], pvs.base_url)
            # The environment is the hostile one: requests itself would advertise br here.
            probe = "import requests; print(requests.utils.default_headers()['Accept-Encoding'])"
            default = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True)
            assert "br" in default.stdout

            done = subprocess.run(
                [sys.executable, str(ROOT / "pvs6_supervisor.py"), "--env-file", os.devnull, "status"],
                env=env,
                capture_output=True,
                text=True,
                timeout=60,
                cwd=tmp_path,
            )
            assert done.returncode == 0, done.stderr
            assert pvs.headers_seen, "the PVS was never asked"
            for headers in pvs.headers_seen:
                assert headers.get("Accept-Encoding") == "gzip, deflate"
                assert "Authorization" not in headers
            assert hits == []  # the proxy saw nothing
    finally:
        proxy.shutdown()
        proxy.server_close()
