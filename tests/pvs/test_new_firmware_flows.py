"""Detection, login and session handling through main(), with the PVS mocked by `responses`."""

import base64
import gzip
import json
from dataclasses import dataclass, field

import pytest
import requests
import responses

from tests.support.harness import Harness, fixture_bytes

BASE = "http://pvs.test"
SERIAL = "ZT0000000000000X0042"  # made up; its last five characters, X0042, are the password
TOKEN = "tok" + "X000" * 15
FORBIDDEN = b'{"status":403,"error":"Unauthorized","path":""}'
DEVICES = {
    "/sys/devices/meter/0/sn": "PVS6M00X0007c",
    "/sys/devices/meter/0/p3phsumKw": "-0.500000",
    "/sys/devices/meter/0/netLtea3phsumKwh": "100.0",
    "/sys/devices/meter/0/msmtEps": "2026-06-21T19:55:00Z",
    "/sys/devices/meter/1/sn": "PVS6M00X0007p",
    "/sys/devices/meter/1/p3phsumKw": "0.600000",
    "/sys/devices/meter/1/netLtea3phsumKwh": "900.0",
    "/sys/devices/meter/1/msmtEps": "2026-06-21T19:55:00Z",
    "/sys/devices/inverter/0/sn": "E00X00000000042",
    "/sys/devices/inverter/0/p3phsumKw": "0.300000",
    "/sys/devices/inverter/0/ltea3phsumKwh": "450.000000",
    "/sys/devices/inverter/0/msmtEps": "2026-06-21T19:55:00Z",
    "/sys/devices/inverter/1/sn": "E00X00000000043",
    "/sys/devices/inverter/1/p3phsumKw": "0.300000",
    "/sys/devices/inverter/1/ltea3phsumKwh": "450.000000",
    "/sys/devices/inverter/1/msmtEps": "2026-06-21T19:55:00Z",
}
INFO = {
    "/sys/info/model": "PVS6",
    "/sys/info/sw_rev": "2025.09.04.61845",
    "/sys/info/uptime": "5000.5",
    "/sys/livedata/time": "1782072000",  # 2026-06-21T20:00:00Z
    "/sys/livedata/net_en": "100.0",
    "/sys/livedata/site_load_en": "1000.0",
    "/sys/info/wpa_key": "PlantedWifiKeyX000",  # a PVS that answers more than asked must not leak it
}


@dataclass
class FakePVS:
    """Routes every request to the PVS; records what it was asked."""

    supervisor: dict = field(default_factory=lambda: {"MODEL": "PVS6", "BUILD": 61845, "SWVER": "2025.09, Build 61845"})
    valid_tokens: set = field(default_factory=lambda: {TOKEN})
    dead_status: int = 401
    device_list: list = field(default_factory=list)  # (status, body) answers to Command=DeviceList
    sessions_work: bool = True  # False: a login's session is refused at once
    supervisor_down: bool = False
    devices_answers: list = field(default_factory=list)  # (status, body) answers to the devices query, consumed
    calls: list = field(default_factory=list)

    def install(self, mock: responses.RequestsMock) -> None:
        for path in ("/cgi-bin/dl_cgi/supervisor/info", "/auth", "/vars", "/cgi-bin/dl_cgi"):
            mock.add_callback(responses.GET, BASE + path, callback=self.answer)

    def answer(self, request):
        path = request.path_url
        self.calls.append((path, dict(request.headers)))
        if path.startswith("/cgi-bin/dl_cgi/supervisor/info"):
            if self.supervisor_down:
                raise requests.ConnectionError("[Errno 111] Connection refused")
            return 200, {}, json.dumps({"result": "succeed", "supervisor": {**self.supervisor, "SERIAL": SERIAL}})
        if path.startswith("/cgi-bin/dl_cgi?Command=DeviceList"):
            return (
                self.device_list.pop(0)
                if self.device_list
                else (200, {}, fixture_bytes("legacy_build61839_net_loadside/devicelist.json"))
            )
        if path == "/auth?login":
            expected = "Basic " + base64.b64encode(f"ssm_owner:{SERIAL[-5:]}".encode()).decode()
            if request.headers.get("Authorization") != expected:
                return 401, {}, '{"status":401}'
            self.valid_tokens = {TOKEN} if self.sessions_work else set()
            return 200, {"Set-Cookie": f"session={TOKEN}; HttpOnly; Secure"}, json.dumps({"session": TOKEN})
        if path.startswith("/vars?"):
            if request.headers.get("Cookie") not in {f"session={t}" for t in self.valid_tokens}:
                return self.dead_status, {}, '{"status":401,"description":"Unauthorized"}'
            if path.startswith("/vars?match=/sys/devices/"):
                if self.devices_answers:
                    status, body = self.devices_answers.pop(0)
                    if isinstance(body, Exception):
                        raise body
                    return status, {}, body
                return 200, {}, json.dumps(DEVICES)
            return 200, {}, json.dumps(INFO)
        return 404, {}, "{}"

    def paths(self, prefix=""):
        return [p for p, _ in self.calls if p.startswith(prefix)]


@pytest.fixture
def pvs(harness: Harness):
    fake = FakePVS()
    # The fake PVS's clock stands still at 20:00 while the cycles advance: the clock check is not under test.
    harness.env.update({"PVS_HOST": BASE, "WEATHER_PROVIDER": "none", "TIMEZONE": "UTC", "MAX_CLOCK_SKEW": "0"})
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        fake.install(mock)
        yield fake


def readings(harness):
    path = harness.data_dir / "readings.csv"
    return path.read_text().splitlines()[1:] if path.exists() else []


def test_build_61845_is_detected_and_read_through_vars_after_one_login(harness, pvs):
    result = harness.run("run")
    assert (result.code, result.stderr) == (0, "")
    assert pvs.paths("/cgi-bin/dl_cgi?") == []  # DeviceList is never asked of new firmware
    assert pvs.paths("/auth") == ["/auth?login"]
    assert len(pvs.paths("/vars")) == 2
    login_headers = dict(pvs.calls)["/auth?login"]
    assert login_headers["Authorization"] == "Basic " + base64.b64encode(b"ssm_owner:X0042").decode()
    [row] = readings(harness)
    assert row.split(",")[1:4] == ["0.6", "0.1", "-0.5"]  # production, consumption, grid


def test_the_session_is_reused_by_later_cycles_and_detection_is_not_repeated(harness, pvs):
    for _ in range(3):
        assert harness.run("run").code == 0
        harness.clock.advance(minutes=5)
    assert pvs.paths("/auth") == ["/auth?login"]
    assert len(pvs.paths("/cgi-bin/dl_cgi/supervisor/info")) == 1
    assert len(readings(harness)) == 3
    session_file = harness.data_dir / "pvs-session"
    assert session_file.read_text().strip() == TOKEN
    assert session_file.stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize("dead_status", [401, 403, 500])
def test_an_expired_session_logs_in_again_once_and_retries(harness, pvs, dead_status):
    assert harness.run("run").code == 0
    pvs.valid_tokens = set()  # the PVS forgot the session
    pvs.dead_status = dead_status
    harness.clock.advance(minutes=5)
    result = harness.run("run")
    assert (result.code, result.stderr) == (0, "")
    assert pvs.paths("/auth") == ["/auth?login", "/auth?login"]
    second_cycle = pvs.paths("/vars")[2:]
    assert len(second_cycle) == 3  # the refused one, its retry, the next query: at most 3
    assert len(readings(harness)) == 2


def test_a_session_refused_right_after_login_fails_the_cycle_without_a_second_login(harness, pvs):
    pvs.sessions_work = False
    result = harness.run("run")
    assert result.code == 1 and result.stderr.count("\n") == 1
    assert "refused /vars with HTTP 401" in result.stderr
    assert pvs.paths("/auth") == ["/auth?login"]
    assert readings(harness) == []


def test_a_wrong_password_exits_1_with_one_line_naming_what_to_check_and_never_the_password(harness, pvs):
    harness.env["PVS_PASSWORD"] = "WRONG1"
    result = harness.run("run")
    assert result.code == 1
    assert result.stderr.count("\n") == 1
    assert "authentication failed" in result.stderr and "PVS_SERIAL" in result.stderr
    assert "PVS_PASSWORD" in result.stderr and "WRONG1" not in result.stderr
    assert not (harness.data_dir / "pvs-session").exists()
    log = (harness.data_dir / "logs" / "pvs6-supervisor.log").read_text()
    assert "WRONG1" not in log and "X0042" not in log


def test_pvs_serial_gives_the_password_without_reading_the_serial(harness, pvs):
    harness.env["PVS_SERIAL"] = SERIAL.lower()
    harness.env["PVS_FIRMWARE"] = "varserver"
    assert harness.run("run").code == 0
    assert pvs.paths("/cgi-bin/dl_cgi/supervisor/info") == []  # forced path, known password
    assert pvs.paths("/auth") == ["/auth?login"]


def test_a_transient_403_on_legacy_firmware_is_a_refusal_not_a_switch_to_new_firmware(harness, pvs):
    pvs.supervisor = {"MODEL": "PVS6", "BUILD": 61839, "SWVER": "2025.06, Build 61839"}
    pvs.device_list = [(403, {}, FORBIDDEN)]
    result = harness.run("run")
    assert result.code == 1 and "HTTP 403" in result.stderr
    assert pvs.paths("/auth") == [] and pvs.paths("/vars") == []
    harness.clock.advance(minutes=5)
    assert harness.run("run").code == 0  # the next cycle checks the firmware again, still legacy
    assert len(pvs.paths("/cgi-bin/dl_cgi/supervisor/info")) == 2
    assert pvs.paths("/auth") == []
    harness.clock.advance(minutes=5)
    assert harness.run("run").code == 0
    assert len(pvs.paths("/cgi-bin/dl_cgi/supervisor/info")) == 2  # cached again
    assert len(pvs.paths("/cgi-bin/dl_cgi?Command=DeviceList")) == 3  # one request per cycle


def test_legacy_firmware_makes_one_request_per_cycle_and_checks_the_firmware_once_a_day(harness, pvs):
    pvs.supervisor = {"MODEL": "PVS6", "BUILD": 61839, "SWVER": "2025.06, Build 61839"}
    for _ in range(4):
        assert harness.run("run").code == 0
        harness.clock.advance(hours=8)
    assert len(pvs.paths("/cgi-bin/dl_cgi?Command=DeviceList")) == 4
    assert len(pvs.paths("/cgi-bin/dl_cgi/supervisor/info")) == 2  # at 0 h and at 24 h


def test_a_pvs5_without_build_takes_the_varserver_path(harness, pvs):
    pvs.supervisor = {"MODEL": "PVS5", "SWVER": "2025.11, Build 5412", "FWVER": "0.0.0"}
    assert harness.run("run").code == 0
    assert pvs.paths("/auth") == ["/auth?login"]
    status = harness.run("status")
    assert "Access       varserver (/vars, logged in) over http (PVS5, build 5412)" in status.stdout


def test_the_wifi_key_is_never_asked_for_and_never_archived(harness, pvs):
    assert harness.run("run").code == 0
    for path in pvs.paths("/vars"):
        assert "match=/&" not in path + "&" and "wpa_key" not in path and "ssid" not in path
    [raw] = (harness.data_dir / "raw").rglob("*.json.gz")
    archived = gzip.decompress(raw.read_bytes())
    assert b"PlantedWifiKeyX000" not in archived and b"wpa_key" not in archived
    assert TOKEN.encode() not in archived and b"X0042" not in archived


def test_an_unreachable_supervisor_info_falls_back_to_the_cached_decision(harness, pvs):
    assert harness.run("run").code == 0
    harness.clock.advance(days=2)
    pvs.supervisor_down = True
    assert harness.run("run").code == 0
    assert len(pvs.paths("/cgi-bin/dl_cgi/supervisor/info")) == 2
    assert len(pvs.paths("/vars")) == 4 and pvs.paths("/cgi-bin/dl_cgi?") == []
    harness.clock.advance(minutes=5)
    assert harness.run("run").code == 0
    assert len(pvs.paths("/cgi-bin/dl_cgi/supervisor/info")) == 3  # asked again while it stays down


NAN_DEVICES = json.dumps({k: ("nan" if k.endswith(("Kw", "Kwh")) else v) for k, v in DEVICES.items()})


@pytest.mark.parametrize(
    "answers, code, message",
    [
        ([(500, "<html>500</html>")] * 2, 1, "HTTP 500"),
        ([(200, json.dumps(DEVICES)[:200])], 1, "truncated"),
        ([(200, "[1, 2]")], 1, "JSON list"),
        ([(200, b'{"/sys/devices/inverter/0/sn": "\xff"}')], 1, "not UTF-8"),
        ([(200, "")] * 2, 1, "empty"),
        ([(200, requests.ReadTimeout())], 1, "did not answer"),
        ([(200, requests.ConnectionError("Connection reset by peer"))], 1, "connection reset"),
        ([(200, NAN_DEVICES)], 0, ""),
    ],
    ids=["500 twice", "truncated", "a list", "not UTF-8", "empty twice", "timeout", "reset", "nan values"],
)
def test_a_hostile_vars_answer_is_one_clear_line_and_the_next_cycle_works(harness, pvs, answers, code, message):
    pvs.devices_answers = list(answers)
    result = harness.run("run")
    assert result.code == code, result.stderr
    assert "Traceback" not in result.stderr
    if message:
        assert message in result.stderr and result.stderr.count("\n") == 1, result.stderr
        assert readings(harness) == []
    else:
        [row] = readings(harness)
        assert row.split(",")[1:4] == ["", "", ""]  # production, consumption, grid: unknown, not 0
    harness.clock.advance(minutes=5)
    after = harness.run("run")
    assert (after.code, after.stderr) == (0, "")
    assert len(readings(harness)) == (2 if code == 0 else 1)
