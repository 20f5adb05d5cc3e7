"""End to end: main() against a simulated build-61845 PVS6 (login, session cookie, /vars) on loopback."""

import csv
import gzip
from collections.abc import Iterator

import pytest

from pvs6sup.settings.config import WeatherURLs
from pvs6sup.sim.legacy_pvs import SimulatedPVS, SimulatedSite, SiteModel
from tests.support.harness import SITE_ENV, Harness
from tests.support.selfsigned import make_certificate
from tests.support.sim.varserver_pvs import WIFI_KEY, SimulatedNewFirmwarePVS

SERIAL = "ZT000000000000000X0777"  # made up; X0777 is the password


def rows(path):
    with path.open() as handle:
        return list(csv.DictReader(handle))


def wire(harness: Harness, pvs: SimulatedPVS) -> None:
    harness.env.update({"PVS_HOST": pvs.base_url, **SITE_ENV})
    harness.weather_urls = WeatherURLs(open_meteo=pvs.base_url + "/v1/forecast")


@pytest.fixture
def new_pvs(harness: Harness) -> Iterator[SimulatedNewFirmwarePVS]:
    """A build-61845 PVS6 over plain http (its Secure session cookie must still be sent)."""
    with SimulatedNewFirmwarePVS(site=SimulatedSite(SiteModel()), clock=harness.clock, serial=SERIAL) as pvs:
        wire(harness, pvs)
        yield pvs


def test_a_cycle_records_the_same_figures_as_on_legacy_firmware(harness: Harness, new_pvs, tmp_path):
    legacy = Harness(tmp_path / "legacy", clock=harness.clock)
    with SimulatedPVS(site=SimulatedSite(SiteModel()), clock=harness.clock) as old_pvs:
        wire(legacy, old_pvs)
        for _ in range(3):
            assert (legacy.run().code, harness.run().code) == (0, 0)
            harness.clock.advance(minutes=5)
        assert old_pvs.device_list_requests == 3
    assert new_pvs.device_list_requests == 0 and new_pvs.logins == 1
    old_rows, new_rows = rows(legacy.data_dir / "readings.csv"), rows(harness.data_dir / "readings.csv")
    assert len(new_rows) == 3
    for old, new in zip(old_rows, new_rows, strict=True):
        assert old.pop("pvs_comm_errors") != "" and new.pop("pvs_comm_errors") == ""  # no such counter in /vars
        assert old == new
    assert new_rows[0]["inverters_working"] == "11" and float(new_rows[0]["production_kw"]) > 2
    assert rows(legacy.data_dir / "inverters-2026-06.csv") == rows(harness.data_dir / "inverters-2026-06.csv")


def test_one_login_per_cycle_at_most_and_the_session_is_reused_across_cycles(harness: Harness, new_pvs):
    for _ in range(3):
        before = len(new_pvs.vars_requests)
        assert harness.run().code == 0
        assert len(new_pvs.vars_requests) - before == 2
        harness.clock.advance(minutes=5)
    assert new_pvs.logins == 1
    new_pvs.expire_sessions()
    before = len(new_pvs.vars_requests)
    result = harness.run()
    assert (result.code, result.stderr) == (0, "")
    assert new_pvs.logins == 2 and len(new_pvs.vars_requests) - before == 3  # refused, retried, next
    assert len(rows(harness.data_dir / "readings.csv")) == 4


def test_no_secret_reaches_the_disk_except_the_private_session_file(harness: Harness, new_pvs):
    for _ in range(2):
        assert harness.run("-vv").code == 0
        harness.clock.advance(minutes=5)
    assert harness.run("status").code == 0
    [token] = new_pvs.sessions
    secrets = {"password": b"X0777", "serial": SERIAL.encode(), "cookie": token.encode(), "wifi": WIFI_KEY.encode()}
    session_file = harness.data_dir / "pvs-session"
    assert session_file.read_text().strip() == token
    assert session_file.stat().st_mode & 0o777 == 0o600
    scanned = 0
    for path in harness.data_dir.rglob("*"):
        if not path.is_file() or path == session_file:
            continue
        data = path.read_bytes()
        data = gzip.decompress(data) if path.suffix == ".gz" else data
        scanned += 1
        for name, secret in secrets.items():
            assert secret not in data, f"{name} in {path}"
    assert scanned >= 6  # raw archives, both CSVs, the log, the firmware and inverter state
    assert not any("match=/&" in p + "&" for p in new_pvs.vars_requests)


def test_an_inverter_that_vanishes_from_vars_stays_in_the_record_as_not_reporting(harness: Harness, new_pvs):
    assert harness.run().code == 0
    vanished = new_pvs.site.model.inverter_serial(3)
    new_pvs.absent = {3}
    harness.clock.advance(minutes=5)
    assert harness.run().code == 0
    [_, reading] = rows(harness.data_dir / "readings.csv")
    assert (reading["inverters_total"], reading["inverters_working"]) == ("12", "10")
    [first, gone] = [r for r in rows(harness.data_dir / "inverters-2026-06.csv") if r["serial"] == vanished]
    assert first["state"] == "working" and first["timestamp"] != gone["timestamp"]
    assert (gone["state"], gone["power_kw"], gone["lifetime_kwh"]) == ("", "", "")
    assert gone["reported_at"] == first["reported_at"]  # when it was last heard


def test_status_shows_the_model_the_build_and_the_path(harness: Harness, new_pvs):
    result = harness.run("status")
    assert result.code == 0, result.stderr
    assert "Access       varserver (/vars, logged in) over http (PVS6, build 61845)" in result.stdout
    assert "firmware 2025.09.04.61845" in result.stdout and "11 of 12 working" in result.stdout


def test_legacy_status_shows_the_legacy_path(harness: Harness, simulated):
    result = harness.run("status")
    assert "Access       legacy DeviceList over http (PVS6, build 61839)" in result.stdout


def test_https_pins_the_certificate_on_first_use_and_refuses_a_changed_one(harness: Harness, tmp_path):
    context, fingerprint = make_certificate(tmp_path, "first")
    other, _ = make_certificate(tmp_path, "second")
    pvs = SimulatedNewFirmwarePVS(
        site=SimulatedSite(SiteModel()), clock=harness.clock, serial=SERIAL, ssl_context=context
    )
    with pvs:
        harness.env.update({"PVS_HOST": pvs.base_url, **SITE_ENV, "WEATHER_PROVIDER": "none"})
        assert pvs.base_url.startswith("https://")
        result = harness.run()
        assert (result.code, result.stderr) == (0, "")
        pin_file = harness.data_dir / "pvs-certificate.sha256"
        assert pin_file.read_text().splitlines()[0] == fingerprint
        harness.clock.advance(minutes=5)
        assert harness.run().code == 0 and pvs.logins == 1

    impostor = SimulatedNewFirmwarePVS(
        site=SimulatedSite(SiteModel()), clock=harness.clock, serial=SERIAL, ssl_context=other
    )
    with impostor:
        harness.env["PVS_HOST"] = impostor.base_url
        (harness.data_dir / "pvs-firmware.json").unlink()  # the new port is asked for supervisor/info first
        harness.clock.advance(minutes=5)
        result = harness.run()
        assert result.code == 1 and result.stderr.count("\n") == 1
        assert "different HTTPS certificate" in result.stderr and str(pin_file) in result.stderr
        assert impostor.requests == []  # refused during the handshake: not even the password was sent
        assert len(rows(harness.data_dir / "readings.csv")) == 2
        assert len(list((harness.data_dir / "raw").rglob("*.json.gz"))) == 2

        pin_file.unlink()  # how to re-pin, as the message says
        assert harness.run().code == 0
        assert len(rows(harness.data_dir / "readings.csv")) == 3
