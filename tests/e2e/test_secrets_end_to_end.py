"""Every secret a full setup configures, scanned for in every log, output, file and email of a run.

The setup: a build-61845 PVS6 behind its login (password = last 5 characters of its serial, learnt from
supervisor/info, never configured), Google Sheets with a service-account key, SMTP with STARTTLS and a
password, and an OpenWeatherMap key. The runs: good cycles, a re-login, a failing weather service, a
failing and a working mail server, check --send-test-email, status --json, all at -vv.
Only the files meant to hold a secret may: the PVS session file and the Google token cache (both 0600).
"""

from __future__ import annotations

import gzip
import os
import stat
from pathlib import Path

import pytest
import responses

from pvs6sup.settings.config import OPENWEATHERMAP_URL
from pvs6sup.sim.legacy_pvs import SimulatedSite, SiteModel
from tests.support.google_fake import SHEET_ID, FakeGoogle, private_key_pem, write_key
from tests.support.harness import SITE_ENV, Harness
from tests.support.sim.varserver_pvs import SimulatedNewFirmwarePVS
from tests.support.smtp_server import PASSWORD, USER, make_certificate, start_server

PVS_SERIAL = "ZT000000000000000XQ7K2M"  # made up; its last five characters are the PVS password
OWM_KEY = "owm-9f8e7d6c5b4a3f2e1d0c"
MEANT_FOR_SECRETS = {"pvs-session", "google-token.json"}


def files_under(folder: Path) -> dict[Path, bytes]:
    found = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        data = path.read_bytes()
        found[path] = gzip.decompress(data) if path.suffix == ".gz" else data
    return found


@pytest.fixture
def full_setup(harness: Harness, tmp_path: Path, monkeypatch):
    cert = make_certificate(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert[0]))  # the mailer verifies the test server like any other
    controller, inbox = start_server("starttls", cert, auth=True)
    site = SimulatedSite(SiteModel())
    with (
        SimulatedNewFirmwarePVS(site=site, clock=harness.clock, serial=PVS_SERIAL) as pvs,
        responses.RequestsMock(assert_all_requests_are_fired=False) as mock,
    ):
        google = FakeGoogle(mock).install()
        mock.add_passthru(pvs.base_url)
        mock.get(OPENWEATHERMAP_URL, json={"clouds": {"all": 30}})
        harness.env.update(
            {
                "PVS_HOST": pvs.base_url,
                **SITE_ENV,
                "WEATHER_PROVIDER": "openweathermap",
                "OPENWEATHERMAP_API_KEY": OWM_KEY,
                "GOOGLE_SERVICE_ACCOUNT_FILE": str(write_key(tmp_path / "key.json")),
                "GOOGLE_SHEET_ID": SHEET_ID,
                "SMTP_HOST": "localhost",
                "SMTP_PORT": str(controller.port),
                "SMTP_SECURITY": "starttls",
                "SMTP_USER": USER,
                "SMTP_PASSWORD": PASSWORD,
                "ALERT_EMAIL_TO": "owner@example.invalid",
            }
        )
        yield pvs, google, mock, inbox
    controller.stop()


def test_no_secret_reaches_a_log_an_output_a_file_or_an_email(harness: Harness, full_setup):
    pvs, google, mock, inbox = full_setup
    outputs: list[str] = []

    def run(*argv: str) -> int:
        result = harness.run("-vv", *argv)
        outputs.extend([result.stdout, result.stderr])
        harness.clock.advance(minutes=5)
        return result.code

    assert run("run") == 0
    assert run("run") == 0
    pvs.expire_sessions()  # the PVS forgets the session: a re-login
    assert run("run") == 0
    mock.replace(responses.GET, OPENWEATHERMAP_URL, body=ConnectionError(f"{OPENWEATHERMAP_URL}?appid={OWM_KEY}"))
    assert run("run") == 0
    mock.replace(responses.GET, OPENWEATHERMAP_URL, json={"clouds": {"all": 30}})
    harness.env["SMTP_PASSWORD"] = "wrong-" + PASSWORD  # a refused login at the mail server
    assert run("check", "--send-test-email") == 6  # check: a configured service failed
    harness.env["SMTP_PASSWORD"] = PASSWORD
    code = run("check", "--send-test-email")
    assert code == 0, outputs[-2]
    assert run("status", "--json") == 0
    assert pvs.logins == 2 and google.appends and inbox.messages

    password = PVS_SERIAL[-5:]
    session_tokens = set(pvs.sessions)
    google_tokens = {f"token-{n}" for n in range(1, google.tokens_issued + 1)}
    key_body = private_key_pem().splitlines()[3]  # a line from the middle of the private key
    secrets = {PVS_SERIAL, password, OWM_KEY, PASSWORD, "wrong-" + PASSWORD, key_body, *session_tokens, *google_tokens}
    emails = [message.as_string() for message in inbox.messages]
    for text in outputs + emails:
        for secret in secrets:
            assert secret not in text, f"{secret!r} in an output or email"
    for path, data in files_under(harness.data_dir).items():
        if path.name in MEANT_FOR_SECRETS:
            assert stat.S_IMODE(os.stat(path).st_mode) == 0o600, path
            continue
        for secret in secrets:
            assert secret.encode() not in data, f"{secret!r} in {path.relative_to(harness.data_dir)}"
