"""The parser on every real DeviceList capture in ../shared/pvs-captures (skipped when it is absent)."""

import json

import pytest

from pvs6sup.core.site import derive_site
from pvs6sup.pvs.devicelist import parse_devicelist
from tests.support.harness import SHARED_CAPTURES

CAPTURES = sorted(SHARED_CAPTURES.glob("devicelist_*.json")) if SHARED_CAPTURES.is_dir() else []
pytestmark = pytest.mark.skipif(not CAPTURES, reason="../shared/pvs-captures is not beside the project")


def meters_by_suffix(document):
    meters = [d for d in document["devices"] if d.get("DEVICE_TYPE") == "Power Meter"]
    return {d["SERIAL"][-1]: d for d in meters}


@pytest.mark.parametrize("path", CAPTURES, ids=lambda p: p.name[11:60])
def test_every_capture_parses_with_every_inverter_and_the_meter_figures(path):
    body = path.read_bytes()
    document = json.loads(body)
    devices = parse_devicelist(body)
    expected_serials = [d["SERIAL"] for d in document["devices"] if d.get("DEVICE_TYPE") == "Inverter"]
    assert [inv.serial for inv in devices.inverters] == expected_serials
    site = derive_site(devices)
    meters = meters_by_suffix(document)
    assert site.production_kw == float(meters["p"]["p_3phsum_kw"])
    meter_c = float(meters["c"]["p_3phsum_kw"])
    subtype = meters["c"].get("subtype")
    if subtype == "GROSS_CONSUMPTION_LINESIDE":
        assert site.consumption_kw == meter_c
        assert site.net_kw == pytest.approx(meter_c - site.production_kw)
    elif subtype == "NET_CONSUMPTION_LOADSIDE" or float(meters["c"]["net_ltea_3phsum_kwh"]) < 0:
        assert site.net_kw == meter_c
        assert site.consumption_kw == pytest.approx(site.production_kw + meter_c)
    else:
        assert site.consumption_kw is None and site.net_kw is None
    raw_inverters = [d for d in document["devices"] if d.get("DEVICE_TYPE") == "Inverter"]
    for inverter, raw in zip(devices.inverters, raw_inverters, strict=True):
        assert inverter.state == raw["STATE"].lower()
        assert inverter.power_kw == (float(raw["p_3phsum_kw"]) if "p_3phsum_kw" in raw else None)


def capture(fragment):
    matches = [p for p in CAPTURES if fragment in p.name]
    if not matches:
        pytest.skip(f"no capture named *{fragment}*")
    return parse_devicelist(matches[0].read_bytes())


def test_thirty_inverter_capture_all_working_and_exporting():
    devices = capture("30inverters")
    assert len(devices.inverters) == 30
    assert all(inv.state == "working" and inv.power_kw is not None for inv in devices.inverters)
    assert derive_site(devices).net_kw < 0


def test_inverter_in_error_with_no_metrics_capture_gives_unknowns():
    inverter = capture("error_inverter-no-metrics").inverters[0]
    assert inverter.state == "error"
    assert (inverter.power_kw, inverter.lifetime_kwh, inverter.measured_at) == (None, None, None)


def test_2019_capture_meters_have_no_subtype_and_net_is_inferred_from_export():
    devices = capture("build4150")
    assert all(m.subtype is None for m in devices.meters)
    assert derive_site(devices).consumption_mode == "net"


def test_gross_lineside_capture_at_dusk_has_twenty_inverters_in_error():
    devices = capture("20inverters")
    assert len(devices.inverters) == 20
    assert all(inv.state == "error" for inv in devices.inverters)
    assert derive_site(devices).consumption_mode == "gross"


def test_ess_capture_ignores_storage_devices():
    devices = capture("ess-12inverters")
    assert len(devices.inverters) == 12
    assert {m.role for m in devices.meters} == {"production", "consumption"}
