"""Issue #23, item 6: credentials in a URL setting, and secrets a server echoes back (plain, in the basic-auth
header's base64, or cut in the middle by a quote), reach no warning, log line or `check` output (main() against
real servers on 127.0.0.1)."""

from __future__ import annotations

import base64
import json
import re
import socket

from pvs6sup.core.secrets import basic_auth, scrub, shown_url
from tests.support.harness import Harness
from tests.support.hostile import HostileServer, http_answer, read_request

URL_PASSWORD = "Zq9UrlPassw0rdQ"
INFLUX_PASSWORD = "Xk7InfluxPassw0rdW"
API_KEY = "Pv3ApiKey0123456789abcdef"


class Echo(HostileServer):
    """Answers 401 with a JSON error quoting the Authorization header it got and the password inside it, the
    password placed where the program cuts a quote (200 characters)."""

    def _handle(self, conn: socket.socket) -> None:  # type: ignore[override]
        try:
            request = read_request(conn)
            if request is None:
                return
            found = re.search(rb"Authorization: Basic (\S+)", request)
            encoded = found.group(1).decode() if found else ""
            plain = base64.b64decode(encoded).decode() if encoded else ""
            error = f"auth {encoded} for {plain} refused; ".ljust(190, ".") + plain  # the cut falls inside it
            conn.sendall(http_answer(401, json.dumps({"error": error}).encode()))
        finally:
            conn.close()


def test_secrets_are_masked_in_every_form_and_cut():
    assert shown_url(f"http://me:{URL_PASSWORD}@h:1/") == "http://me:***@h:1/"
    secrets = [INFLUX_PASSWORD, basic_auth("pvs6", INFLUX_PASSWORD)]
    assert scrub(f"x {INFLUX_PASSWORD[:7]}", secrets) == "x ***"
    assert scrub(f"{basic_auth('pvs6', INFLUX_PASSWORD)[:9]}…", secrets) == "***…"


def test_no_secret_of_a_url_or_an_echo_reaches_a_log_or_check(harness: Harness, simulated, tmp_path):
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()  # nothing listens there: PVOutput gets no answer and its warning names the URL
    with Echo() as influx:
        host = influx.base_url.removeprefix("http://")
        harness.env.update(
            {
                "WEATHER_PROVIDER": "none",
                "INFLUX_URL": f"http://urluser:{URL_PASSWORD}@{host}",
                "INFLUX_DATABASE": "pvs6",
                "INFLUX_USERNAME": "pvs6",
                "INFLUX_PASSWORD": INFLUX_PASSWORD,
                "PVOUTPUT_API_KEY": API_KEY,
                "PVOUTPUT_SYSTEM_ID": "12345",
                "PVOUTPUT_URL": f"http://pv:{URL_PASSWORD}@127.0.0.1:{port}",
            }
        )
        outputs = []
        for _ in range(2):
            result = harness.run()
            assert result.code == 0, result.stderr
            outputs += [result.stdout, result.stderr]
            harness.clock.advance(minutes=5)
        check = harness.run("check")
        outputs += [check.stdout, check.stderr]
        assert influx.connections >= 2
    log = (harness.data_dir / "logs" / "pvs6-supervisor.log").read_text()
    outputs.append(log)
    everything = "\n".join(outputs)
    assert "InfluxDB refused INFLUX_USERNAME/INFLUX_PASSWORD (401 auth *** for pvs6:***" in everything
    assert "no answer from http://pv:***@127.0.0.1" in everything
    encoded = basic_auth("pvs6", INFLUX_PASSWORD)
    for secret in (URL_PASSWORD, INFLUX_PASSWORD, API_KEY, encoded, basic_auth("urluser", URL_PASSWORD)):
        leaks = [line for line in everything.splitlines() if secret[:5] in line]
        assert not leaks, leaks
