import json

import pytest

from pvs6sup.errors import PVSAnswerError
from pvs6sup.pvs.devicelist import parse_devicelist
from tests.support.harness import fixture_bytes


def test_net_loadside_fixture_parses_every_device_with_string_numbers():
    devices = parse_devicelist(fixture_bytes("legacy_build61839_net_loadside/devicelist.json"))
    assert devices.supervisor is not None
    assert devices.supervisor.build == 61839
    assert devices.supervisor.uptime_s == 86400
    assert devices.supervisor.comm_errors == 17
    assert [m.role for m in devices.meters] == ["production", "consumption"]
    consumption = devices.meters[1]
    assert consumption.subtype == "NET_CONSUMPTION_LOADSIDE"
    assert consumption.power_kw == -0.4012
    assert consumption.import_lifetime_kwh == 32951.2099
    assert consumption.export_lifetime_kwh == 34156.86
    assert [inv.serial for inv in devices.inverters] == [
        "E00X00000000001",
        "E00X00000000002",
        "E00X00000000003",
        "E00X00000000004",
    ]
    first = devices.inverters[0]
    assert (first.state, first.power_kw, first.lifetime_kwh, first.temperature_c) == ("working", 0.3011, 2696.2471, 41)
    assert first.dc_voltage_v == 55.1


def test_inverter_in_error_without_metrics_is_unknown_not_zero():
    dead = parse_devicelist(fixture_bytes("legacy_build61839_net_loadside/devicelist.json")).inverters[3]
    assert dead.state == "error"
    assert dead.power_kw is None
    assert dead.lifetime_kwh is None
    assert dead.temperature_c is None
    assert dead.measured_at is None
    assert dead.dc_voltage_v is None


def test_2019_meters_without_subtype_still_classify_by_type_and_suffix():
    devices = parse_devicelist(fixture_bytes("legacy_build4150_no_subtype/devicelist.json"))
    assert [(m.role, m.subtype) for m in devices.meters] == [("production", None), ("consumption", None)]
    assert devices.inverters[0].dc_power_kw == 0.6  # from p_mpptsum_kw on old builds


def test_meter_role_falls_back_to_serial_suffix_when_type_is_missing():
    document = json.loads(fixture_bytes("legacy_build61839_net_loadside/devicelist.json"))
    for device in document["devices"]:
        device.pop("TYPE", None)
    devices = parse_devicelist(json.dumps(document).encode())
    assert [m.role for m in devices.meters] == ["production", "consumption"]


def test_http_headers_leaked_into_the_body_are_skipped():
    headers = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n"
    body = headers + fixture_bytes("legacy_build61839_net_loadside/devicelist.json")
    assert len(parse_devicelist(body).inverters) == 4


def test_duplicate_serials_keep_the_first_and_warn():
    document = json.loads(fixture_bytes("legacy_build61839_net_loadside/devicelist.json"))
    twin = dict(document["devices"][3], p_3phsum_kw="0.9")
    document["devices"].append(twin)
    devices = parse_devicelist(json.dumps(document).encode())
    assert len(devices.inverters) == 4
    assert devices.inverters[0].power_kw == 0.3011
    assert any("listed twice" in w for w in devices.warnings)


def test_absurd_values_are_recorded_as_unknown():
    document = json.loads(fixture_bytes("legacy_build61839_net_loadside/devicelist.json"))
    document["devices"][3]["p_3phsum_kw"] = "1e9"
    document["devices"][4]["t_htsnk_degc"] = "nan"
    devices = parse_devicelist(json.dumps(document).encode())
    assert devices.inverters[0].power_kw is None
    assert devices.inverters[1].temperature_c is None


def test_other_device_types_are_ignored():
    document = json.loads(fixture_bytes("legacy_build61839_net_loadside/devicelist.json"))
    document["devices"].append({"DEVICE_TYPE": "Energy Storage System", "SERIAL": "X_Y", "operational_ac_kW": 5})
    devices = parse_devicelist(json.dumps(document).encode())
    assert len(devices.meters) == 2 and len(devices.inverters) == 4


@pytest.mark.parametrize(
    "body, message",
    [
        (b"", "empty body"),
        (b'{"devices": [{"SERIAL"', "truncated"),
        (b"<html><body>502 Bad Gateway</body></html>", "not valid JSON"),
        (b"\xff\xfe{}", "not UTF-8"),
        (b"[]", "JSON list"),
        (b"null", "JSON null"),
        (b'{"devices": {}}', "no 'devices' list"),
        (b'{"status":403,"error":"Unauthorized","path":""}', "no 'devices' list"),
        (b'{"devices": [], "result": "succeed"}', "empty device list"),
        (b'{"devices": [1, "x", null]}', "holds no supervisor, meter or inverter"),
        (b"[" * 100000 + b"]" * 100000, "nested too deeply"),
    ],
)
def test_unusable_answers_raise_one_clear_error(body, message):
    with pytest.raises(PVSAnswerError, match=message):
        parse_devicelist(body)
