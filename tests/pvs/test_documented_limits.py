"""The PVS layer's documented limits, at their exact edges: the inverter power bound, the first varserver
builds (PVS6 61840, PVS5 5408), and forgetting a vanished inverter after 30 days."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from pvs6sup.core.models import DeviceList, InverterReading
from pvs6sup.pvs.access import known_inverters, remember_inverters
from pvs6sup.pvs.devicelist import parse_devicelist
from pvs6sup.pvs.firmware import LEGACY, VARSERVER, FirmwareInfo, choose_path
from pvs6sup.pvs.varserver import devicelist_from_vars

T0 = datetime(2026, 6, 1, 12, 0, tzinfo=timezone.utc)


def _legacy_inverter_kw(value: str) -> float | None:
    device = {
        "SERIAL": "E00000000000000001",
        "DEVICE_TYPE": "Inverter",
        "TYPE": "SOLARBRIDGE",
        "STATE": "working",
        "p_3phsum_kw": value,
        "p_mppt1_kw": value,
    }
    inverter = parse_devicelist(json.dumps({"devices": [device]}).encode()).inverters[0]
    assert inverter.dc_power_kw == inverter.power_kw
    return inverter.power_kw


def _varserver_inverter_kw(value: str) -> float | None:
    names = {"/sys/devices/inverter/0/sn": "E00000000000000001", "/sys/devices/inverter/0/p3phsumKw": value}
    return devicelist_from_vars(names).inverters[0].power_kw


@pytest.mark.parametrize("parse", [_legacy_inverter_kw, _varserver_inverter_kw], ids=["legacy", "varserver"])
@pytest.mark.parametrize(
    ("value", "kept"),
    [("2.0", 2.0), ("2.0001", None), ("-0.05", -0.05), ("-0.0501", None), ("1.999", 1.999), ("-0.049", -0.049)],
)
def test_a_microinverter_reads_between_minus_50_w_and_2_kw_else_unknown(parse, value, kept):
    assert parse(value) == kept


@pytest.mark.parametrize(
    ("model", "build", "path"),
    [
        ("PVS6", 61839, LEGACY),
        ("PVS6", 61840, VARSERVER),
        ("PVS5", 5407, LEGACY),
        ("PVS5", 5408, VARSERVER),
        ("PVS5", 4150, LEGACY),
        ("PVS6", 4150, LEGACY),
    ],
)
def test_the_first_varserver_build_is_61840_on_a_pvs6_and_5408_on_a_pvs5(model, build, path):
    assert choose_path(FirmwareInfo(model, build, f"2025.06, Build {build}")) == path


def _seen(*serials: str, at: datetime | None) -> DeviceList:
    inverters = tuple(InverterReading(s, "working", None, 0.3, 0.3, 100.0, 30.0, at) for s in serials)
    return DeviceList(None, (), inverters)


def test_a_vanished_inverter_is_kept_until_30_days_after_it_was_last_heard_then_forgotten(tmp_path):
    remember_inverters(tmp_path, _seen("E00000000000000001", "E00000000000000002", at=T0), T0)
    almost = T0 + timedelta(days=30) - timedelta(seconds=1)
    remember_inverters(tmp_path, _seen("E00000000000000001", at=almost), almost)
    assert set(known_inverters(tmp_path)) == {"E00000000000000001", "E00000000000000002"}
    assert known_inverters(tmp_path)["E00000000000000002"] == T0

    thirty_days = T0 + timedelta(days=30)
    remember_inverters(tmp_path, _seen("E00000000000000001", at=thirty_days), thirty_days)
    assert set(known_inverters(tmp_path)) == {"E00000000000000001"}
