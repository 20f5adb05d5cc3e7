"""Parsing the varserver (/vars fmt=obj) into the legacy path's records, and its archive document. Pure."""

import json
from datetime import datetime, timedelta, timezone

import pytest

from pvs6sup.core.site import derive_site
from pvs6sup.errors import PVSAnswerError
from pvs6sup.pvs import varserver
from pvs6sup.pvs.parse import parse_capture, reading_from_capture
from tests.support.harness import SHARED_CAPTURES

NOW = datetime(2026, 6, 21, 20, 0, tzinfo=timezone.utc)


def iso(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def namespace(*, heard=None, meter_order="cp", gross=False, inverters=3):
    """A small made-up site, values as strings like the PVS's."""
    heard = heard or {}
    names = {
        "/sys/info/model": "PVS6",
        "/sys/info/sw_rev": "2025.09.04.61845",
        "/sys/info/uptime": "31371.70",
        "/sys/livedata/time": str(int(NOW.timestamp())),
        "/sys/livedata/net_en": "9000.000000" if not gross else "-11000.000000",
        "/sys/livedata/site_load_en": "29000.000000" if not gross else "9000.000000",
    }
    meters = {
        "p": {"sn": "PVS6M00X0009p", "prodMdlNm": "PVS6M0400p", "p3phsumKw": "2.500000", "netLtea3phsumKwh": "20000.0"},
        "c": {
            "sn": "PVS6M00X0009c",
            "prodMdlNm": "PVS6M0400c",
            "p3phsumKw": "-1.200000",
            "netLtea3phsumKwh": "9000.1",
            "posLtea3phsumKwh": "30000.5",
            "negLtea3phsumKwh": "21000.4",
        },
    }
    if gross:
        meters["c"]["p3phsumKw"] = "1.300000"
    for index, suffix in enumerate(meter_order):
        for key, value in meters[suffix].items():
            names[f"/sys/devices/meter/{index}/{key}"] = value
        names[f"/sys/devices/meter/{index}/msmtEps"] = iso(NOW)
    for index in range(inverters):
        prefix = f"/sys/devices/inverter/{index}/"
        names.update(
            {
                prefix + "sn": f"E00X0000000000{index + 1}",
                prefix + "prodMdlNm": "AC_Module_Type_E",
                prefix + "p3phsumKw": "0.300000",
                prefix + "pMppt1Kw": "0.312000",
                prefix + "vMppt1V": "54.700000",
                prefix + "ltea3phsumKwh": f"{2000 + index}.5",
                prefix + "tHtsnkDegc": "45",
                prefix + "msmtEps": iso(heard.get(index, NOW - timedelta(minutes=5))),
            }
        )
    return names


def test_records_match_the_legacy_shape_with_string_numbers():
    devices = varserver.devicelist_from_vars(namespace())
    first = devices.inverters[0]
    assert (first.serial, first.state, first.power_kw, first.dc_power_kw, first.lifetime_kwh, first.temperature_c) == (
        "E00X00000000001",
        "working",
        0.3,
        0.312,
        2000.5,
        45,
    )
    assert first.measured_at == NOW - timedelta(minutes=5)
    assert first.dc_voltage_v == 54.7  # its panel's MPPT voltage: what tells a failed bypass diode
    pvs = devices.supervisor
    assert (pvs.model, pvs.firmware, pvs.build, pvs.uptime_s, pvs.pvs_time) == (
        "PVS6",
        "2025.09.04.61845",
        61845,
        31371.7,
        NOW,
    )
    assert pvs.serial is None and pvs.comm_errors is None


@pytest.mark.parametrize("order", ["cp", "pc"])
def test_meters_are_classified_by_their_p_or_c_suffix_not_their_index(order):
    devices = varserver.devicelist_from_vars(namespace(meter_order=order))
    roles = {m.role: m for m in devices.meters}
    assert roles["production"].serial.endswith("p") and roles["production"].power_kw == 2.5
    assert roles["consumption"].serial.endswith("c") and roles["consumption"].power_kw == -1.2
    assert (roles["consumption"].import_lifetime_kwh, roles["consumption"].export_lifetime_kwh) == (30000.5, 21000.4)


def test_a_load_side_meter_is_recognised_from_livedata_and_gives_net_figures():
    devices = varserver.devicelist_from_vars(namespace())
    site = derive_site(devices)
    assert site.consumption_mode == "net"
    assert (site.production_kw, site.net_kw, site.consumption_kw) == (2.5, -1.2, 1.3)


def test_a_line_side_meter_is_recognised_from_livedata_and_gives_gross_figures():
    site = derive_site(varserver.devicelist_from_vars(namespace(gross=True)))
    assert site.consumption_mode == "gross"
    assert (site.consumption_kw, site.net_kw) == (1.3, -1.2)


def test_without_livedata_energies_the_meter_mode_falls_back_to_the_sign_rule():
    names = {k: v for k, v in namespace().items() if not k.endswith("_en")}
    consumption = next(m for m in varserver.devicelist_from_vars(names).meters if m.role == "consumption")
    assert consumption.subtype is None
    assert derive_site(varserver.devicelist_from_vars(names)).consumption_mode == "net"  # it exports


@pytest.mark.parametrize(
    "age, state",
    [
        (timedelta(0), "working"),
        (timedelta(minutes=15), "working"),
        (timedelta(minutes=16), "error"),
        (timedelta(hours=14), "error"),
        (timedelta(minutes=-3), "working"),
    ],
)
def test_inverter_state_comes_from_how_fresh_its_last_measurement_is(age, state):
    devices = varserver.devicelist_from_vars(namespace(heard={0: NOW - age}))
    assert devices.inverters[0].state == state


def test_freshness_is_judged_by_the_pvs_clock_not_the_fetch_time():
    names = namespace()
    devices = varserver.devicelist_from_vars(names, fetched_at=NOW + timedelta(hours=3))  # the Pi's clock is off
    assert all(inv.state == "working" for inv in devices.inverters)
    del names["/sys/livedata/time"]
    late = varserver.devicelist_from_vars(names, fetched_at=NOW + timedelta(hours=3))
    assert all(inv.state == "error" for inv in late.inverters)
    assert all(inv.state is None for inv in varserver.devicelist_from_vars(names).inverters)  # no clock at all


def test_an_inverter_that_vanished_from_vars_stays_in_the_record_as_unknown():
    last = NOW - timedelta(hours=1)
    known = {"E00X00000000001": NOW, "E00X00000000099": last}
    devices = varserver.devicelist_from_vars(namespace(), known)
    assert [inv.serial for inv in devices.inverters][-1] == "E00X00000000099"
    gone = devices.inverters[-1]
    assert (gone.state, gone.power_kw, gone.lifetime_kwh, gone.temperature_c, gone.measured_at) == (
        None,
        None,
        None,
        None,
        last,
    )
    assert len(devices.inverters) == 4


def test_wifi_secrets_are_scrubbed_from_objects_lists_and_broken_text():
    body = {"/sys/info/wpa_key": "K", "/sys/info/ssid": "S", "/sys/info/serialnum": "ZT", "/sys/info/model": "PVS6"}
    assert varserver.scrub(body) == {"/sys/info/model": "PVS6"}
    listed = {"values": [{"name": "/sys/info/wpa_key", "value": "K"}, {"name": "/sys/info/uptime", "value": "1"}]}
    assert varserver.scrub(listed) == {"values": [{"name": "/sys/info/uptime", "value": "1"}], "count": 1}
    entry = varserver.archive_entry("q", 200, b'{"/sys/info/wpa_key": "SECRETKEY", "/sys/x": "1"')  # cut short
    assert "SECRETKEY" not in json.dumps(entry) and '"/sys/x": "1"' in entry["body_text"]


def test_the_queries_never_ask_for_the_whole_namespace():
    for query in varserver.QUERIES:
        assert "match=/&" not in query + "&" and "/sys/info/wpa_key" not in query and "ssid" not in query
    assert len(varserver.QUERIES) <= 3


def archive(names, known=None, status=200):
    devices = {k: v for k, v in names.items() if k.startswith("/sys/devices/")}
    info = {k: v for k, v in names.items() if not k.startswith("/sys/devices/")}
    entries = [
        varserver.archive_entry(varserver.DEVICES_QUERY, status, json.dumps(devices).encode()),
        varserver.archive_entry(varserver.INFO_QUERY, 200, json.dumps(info).encode()),
    ]
    return varserver.archive_document(NOW, entries, known or {})


def test_the_archive_reads_back_through_parse_capture_into_the_same_records():
    names = namespace()
    body = archive(names, {"E00X00000000077": NOW - timedelta(days=1)})
    assert json.loads(body)["format"] == varserver.ARCHIVE_FORMAT
    from_archive = parse_capture(body)
    direct = varserver.devicelist_from_vars(names, {"E00X00000000077": NOW - timedelta(days=1)}, NOW)
    assert from_archive == direct
    reading = reading_from_capture(body, NOW)
    assert reading.inverters_total == 4 and reading.inverters_working == 3


def test_an_archive_whose_device_query_matched_nothing_keeps_the_known_inverters():
    body = varserver.archive_document(
        NOW,
        [
            varserver.archive_entry(varserver.DEVICES_QUERY, 400, b'{"status":400}'),
            varserver.archive_entry(varserver.INFO_QUERY, 200, b'{"/sys/info/model": "PVS6"}'),
        ],
        {"E00X00000000001": NOW - timedelta(hours=10)},
    )
    devices = parse_capture(body)
    assert [(i.serial, i.state) for i in devices.inverters] == [("E00X00000000001", None)]


@pytest.mark.parametrize(
    "document, message",
    [
        ({"format": "pvs6-supervisor/varserver-9", "answers": []}, "unknown capture format"),
        ({"format": varserver.ARCHIVE_FORMAT}, "no 'answers' list"),
        (
            {
                "format": varserver.ARCHIVE_FORMAT,
                "answers": [{"query": varserver.DEVICES_QUERY, "status": 200, "body_text": "<html>"}],
            },
            "the answer is not JSON",
        ),
    ],
)
def test_an_unusable_archive_is_a_clear_answer_error(document, message):
    with pytest.raises(PVSAnswerError, match=message):
        parse_capture(json.dumps(document).encode())


def test_parse_capture_still_reads_a_legacy_device_list():
    from tests.support.harness import fixture_bytes

    assert len(parse_capture(fixture_bytes("legacy_build61839_net_loadside/devicelist.json")).inverters) == 4


def shared(fragment):
    matches = sorted(SHARED_CAPTURES.glob(f"vars_{fragment}*")) if SHARED_CAPTURES.is_dir() else []
    if not matches:
        pytest.skip(f"no shared capture vars_{fragment}*")
    return matches[0].read_bytes()


def test_the_real_61845_full_dump_parses_like_a_device_list():
    body = shared("match-slash_fmt-obj")
    devices = parse_capture(body)
    # The author made most inverter serials identical: the first of each is kept, with a warning.
    assert [inv.serial for inv in devices.inverters] == ["E00123456789", "E00121950014152"]
    assert sum("listed twice" in w for w in devices.warnings) == 10
    assert all(inv.state == "working" for inv in devices.inverters)  # msmtEps 15:50 vs PVS time 15:58
    site = derive_site(devices)
    assert site.consumption_mode == "net"  # net_en matches meter c's lifetime, site_load_en does not
    assert (site.production_kw, site.net_kw) == (1.971925, -1.835679)
    assert site.consumption_kw == round(1.971925 - 1.835679, 4)
    assert devices.supervisor.build == 61845 and devices.supervisor.serial is None


def test_the_real_single_inverter_answer_parses_without_a_clock():
    [inverter] = parse_capture(shared("match-devices-inverter-20")).inverters
    assert (inverter.model, inverter.power_kw, inverter.lifetime_kwh, inverter.temperature_c) == (
        "AC_Module_Type_G",
        0.2303,
        2330.158203,
        45,
    )
    assert inverter.state is None  # no PVS time and no fetch time: freshness cannot be judged


def test_the_older_meter_data_naming_with_numeric_values_is_read_too():
    devices = parse_capture(shared("match-meter-data"))
    roles = {m.role: m for m in devices.meters}
    assert roles["production"].power_kw == pytest.approx(0.0158712063)
    assert roles["consumption"].export_lifetime_kwh == 13600.36
