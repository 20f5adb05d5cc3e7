"""Parse a DeviceList answer (legacy Command=DeviceList, or dl_cgi/devices/list) into typed records. Pure."""

from __future__ import annotations

import json
import re
from typing import Any

from pvs6sup.core.models import DeviceList, InverterReading, MeterReading, SupervisorStatus
from pvs6sup.core.values import build_number, integer, mask_serial, number, parse_pvs_time, remembered, text
from pvs6sup.errors import PVSAnswerError

# Plausibility bounds: a value outside them is a glitch, recorded as unknown rather than believed.
INVERTER_KW = (-0.05, 2.0)  # a microinverter draws a few watts at night at most
METER_KW = (-500.0, 500.0)
LIFETIME_KWH = (-1e8, 1e8)
TEMPERATURE_C = (-60.0, 150.0)
DC_VOLTAGE_V = (0.0, 120.0)  # a 60- to 104-cell panel's MPPT voltage

_HEADER_LINE = re.compile(rb"^(HTTP/\d|[A-Za-z][A-Za-z0-9-]*:\s|\s*$)")


def _strip_leaked_headers(body: bytes) -> bytes:
    """Drop CGI header lines the PVS sometimes leaks before the JSON (seen in the field)."""
    start = body.find(b"{")
    if start > 0 and all(_HEADER_LINE.match(line) for line in body[:start].splitlines()):
        return body[start:]
    return body


def decode_json(body: bytes) -> Any:
    """Decode a PVS answer to JSON, tolerating leaked CGI headers; PVSAnswerError names what is wrong."""
    if not body.strip():
        raise PVSAnswerError("the PVS answered with an empty body")
    body = _strip_leaked_headers(body)
    try:
        textual = body.decode("utf-8")
    except UnicodeDecodeError as err:
        raise PVSAnswerError(f"the PVS answer is not UTF-8 text (byte {err.start})") from err
    try:
        return json.loads(textual)
    except RecursionError as err:
        raise PVSAnswerError("the PVS answer is JSON nested too deeply to be a device list") from err
    except json.JSONDecodeError as err:
        cut_short = err.pos >= len(textual.rstrip()) or err.msg.startswith("Unterminated")
        where = "truncated" if cut_short else f"invalid at line {err.lineno}"
        raise PVSAnswerError(f"the PVS answer is not valid JSON ({where}: {err.msg})") from err


def parse_devicelist(body: bytes) -> DeviceList:
    """Parse the raw bytes of a DeviceList answer; PVSAnswerError if it holds no usable device list."""
    return devicelist_from_json(decode_json(body))


def devicelist_from_json(document: Any) -> DeviceList:
    """Build records from a decoded DeviceList document."""
    if not isinstance(document, dict):
        raise PVSAnswerError(f"the PVS answer is a JSON {json_type(document)}, not a device list")
    devices = document.get("devices")
    if not isinstance(devices, list):
        result = document.get("result")
        hint = f" (result: {str(result)[:40]!r})" if result is not None else ""
        raise PVSAnswerError(f"the PVS answer has no 'devices' list{hint}")
    if not devices:
        raise PVSAnswerError("the PVS answered with an empty device list")

    warnings: list[str] = []
    supervisor: SupervisorStatus | None = None
    meters: list[MeterReading] = []
    inverters: list[InverterReading] = []
    seen: set[str] = set()

    for index, device in enumerate(devices):
        if not isinstance(device, dict):
            warnings.append(f"device #{index} is not an object; ignored")
            continue
        kind = _kind(device)
        if kind == "pvs":
            if supervisor is None:
                supervisor = _supervisor(device)
            continue
        if kind != "inverter" and kind != "meter":
            continue
        serial = text(device.get("SERIAL"))
        if serial is None or serial in seen or serial.lower() in _PLACEHOLDERS:  # rare: admit_serial says why
            serial = admit_serial(kind, serial, index, seen, warnings)
            if serial is None:
                continue
        seen.add(serial)
        if kind == "inverter":
            inverters.append(_inverter(device, serial))
            continue
        meter = _meter(device, serial)
        if meter is None:
            warnings.append(f"meter {mask_serial(serial)}: cannot tell production from consumption")
        else:
            meters.append(meter)

    if supervisor is None and not meters and not inverters:
        raise PVSAnswerError("the PVS device list holds no supervisor, meter or inverter")
    return DeviceList(supervisor, tuple(meters), tuple(inverters), tuple(warnings))


_PLACEHOLDERS = frozenset(("", "n/a", "na", "none", "null"))


def admit_serial(kind: str, serial: str | None, index: int, seen: set[str], warnings: list[str]) -> str | None:
    """The serial if it is new (and now seen); None, with a warning, if it is missing, a placeholder or repeated.

    Malformed records with an empty serial or "n/a" ("ghost inverters") appear in the field: they are no device.
    """
    if serial is None or serial.strip().lower() in _PLACEHOLDERS:
        warnings.append(f"a {kind} without a serial (#{index}); ignored")
        return None
    if serial in seen:
        warnings.append(f"{kind} {mask_serial(serial)} listed twice; the first entry kept")
        return None
    seen.add(serial)
    return serial


def json_type(value: Any) -> str:
    """A JSON value's kind as JSON calls it: object, list, string, number, boolean, null."""
    names = {dict: "object", list: "list", str: "string", int: "number", float: "number", bool: "boolean"}
    names[type(None)] = "null"
    return names.get(type(value), type(value).__name__)


_kinds: dict[tuple[str, str], str | None] = {}  # (DEVICE_TYPE, TYPE) as sent -> kind: a few pairs per site


def _kind(device: dict[str, Any]) -> str | None:
    device_type, type_ = device.get("DEVICE_TYPE"), device.get("TYPE")
    if device_type.__class__ is str and type_.__class__ is str:
        found = _kinds.get((device_type, type_), "")  # "": not asked yet (None is an answer)
        return remembered(_kinds, (device_type, type_), lambda _: _kind_of(device)) if found == "" else found
    return _kind_of(device)


def _kind_of(device: dict[str, Any]) -> str | None:
    device_type = (text(device.get("DEVICE_TYPE")) or "").lower()
    type_ = (text(device.get("TYPE")) or "").upper()
    if device_type == "pvs":
        return "pvs"
    if device_type == "power meter" or "METER" in type_:
        return "meter"
    if device_type == "inverter" or type_ == "SOLARBRIDGE":
        return "inverter"
    return None


def meter_role(type_: str | None, *names: str | None) -> str | None:
    """'production' or 'consumption' from TYPE (…-METER-P/-C) or the p/c suffix of a model or serial."""
    upper = (type_ or "").upper()
    if upper.endswith("-P"):
        return "production"
    if upper.endswith("-C"):
        return "consumption"
    for name in names:
        if name and name[-1] in "pP":
            return "production"
        if name and name[-1] in "cC":
            return "consumption"
    return None


def _supervisor(device: dict[str, Any]) -> SupervisorStatus:
    return SupervisorStatus(
        serial=text(device.get("SERIAL")),
        model=text(device.get("MODEL")),
        firmware=text(device.get("SWVER")),
        build=build_number(device.get("BUILD"), device.get("SWVER")),
        uptime_s=number(device.get("dl_uptime"), 0),
        comm_errors=integer(device.get("dl_comm_err")),
        untransmitted=integer(device.get("dl_untransmitted")),
        pvs_time=parse_pvs_time(device.get("CURTIME")),
        measured_at=parse_pvs_time(device.get("DATATIME")),
    )


def _meter(device: dict[str, Any], serial: str) -> MeterReading | None:
    model = text(device.get("MODEL"))
    role = meter_role(text(device.get("TYPE")), serial, model)
    if role is None:
        return None
    subtype = text(device.get("subtype")) or text(
        device.get("consumption_subtype_enum" if role == "consumption" else "production_subtype_enum")
    )
    return MeterReading(
        serial=serial,
        role=role,
        subtype=subtype,
        power_kw=number(device.get("p_3phsum_kw"), *METER_KW),
        net_lifetime_kwh=number(device.get("net_ltea_3phsum_kwh"), *LIFETIME_KWH),
        import_lifetime_kwh=number(device.get("pos_ltea_3phsum_kwh"), 0, LIFETIME_KWH[1]),
        export_lifetime_kwh=number(device.get("neg_ltea_3phsum_kwh"), 0, LIFETIME_KWH[1]),
        measured_at=parse_pvs_time(device.get("DATATIME")),
    )


_LOW_KW, _HIGH_KW = INVERTER_KW  # the bounds as plain names: a replay parses millions of these fields
_LOW_C, _HIGH_C = TEMPERATURE_C
_LOW_V, _HIGH_V = DC_VOLTAGE_V
_HIGH_KWH = LIFETIME_KWH[1]


def _inverter(device: dict[str, Any], serial: str) -> InverterReading:
    get = device.get
    state = text(get("STATE"))
    return InverterReading(
        serial,
        state.lower() if state else None,
        text(get("MODEL")),
        number(get("p_3phsum_kw"), _LOW_KW, _HIGH_KW),
        number(get("p_mppt1_kw", get("p_mpptsum_kw")), _LOW_KW, _HIGH_KW),
        number(get("ltea_3phsum_kwh"), 0, _HIGH_KWH),
        number(get("t_htsnk_degc"), _LOW_C, _HIGH_C),
        parse_pvs_time(get("DATATIME")),
        number(get("v_mppt1_v"), _LOW_V, _HIGH_V),
    )
