"""New firmware's varserver (/vars, fmt=obj): the queries, the archive document, and parsing. Pure.

The archive of one cycle is one JSON document holding the /vars answers (scrubbed of Wi-Fi secrets)
and the inverters known before the fetch, so that parsing it later gives the same records:

    {"format": "pvs6-supervisor/varserver-1", "fetched_at": "...", "known_inverters": {...},
     "answers": [{"query": "match=/sys/devices/&fmt=obj", "status": 200, "body": {...}}, ...]}

Parsing yields the same DeviceList/MeterReading/InverterReading/SupervisorStatus records as the legacy
DeviceList, so everything downstream (site figures, CSV, alerts) is shared.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from typing import Any

from pvs6sup.core.models import ERROR, WORKING, DeviceList, InverterReading, MeterReading, SupervisorStatus
from pvs6sup.core.site import GROSS_LINESIDE, NET_LOADSIDE
from pvs6sup.core.values import build_number, iso_time, mask_serial, number, text
from pvs6sup.errors import PVSAnswerError
from pvs6sup.pvs.devicelist import (
    DC_VOLTAGE_V,
    INVERTER_KW,
    LIFETIME_KWH,
    METER_KW,
    TEMPERATURE_C,
    admit_serial,
    decode_json,
    json_type,
    meter_role,
)

ARCHIVE_FORMAT = "pvs6-supervisor/varserver-1"

# Two requests a cycle. One match on /sys/devices/ brings inverters and meters (and storage, ignored)
# and is never empty while anything is installed: a match that finds nothing answers 400, which a
# separate meter query would do on a site without meters. Named variables bring the rest. Never
# match=/ : the whole namespace holds /sys/info/wpa_key. No cache= id: a named cache lives in the
# PVS's FastCGI process (lost on its restart), keeps handles of the variables that existed when it
# was filled (it would not pick up inverters re-discovered later), and one query every 5 minutes is
# not the frequent polling the vendor recommends caching for.
DEVICES_QUERY = "match=/sys/devices/&fmt=obj"
INFO_NAMES = ("/sys/info/model", "/sys/info/sw_rev", "/sys/info/uptime", "/sys/livedata/time")
LIVEDATA_NAMES = ("/sys/livedata/net_en", "/sys/livedata/site_load_en")
INFO_QUERY = "name=" + ",".join(INFO_NAMES + LIVEDATA_NAMES) + "&fmt=obj"
QUERIES = (DEVICES_QUERY, INFO_QUERY)

# An inverter reports about every 5 minutes (msmtEps lands on :00/:05). Three missed reports in a
# row (15 minutes) is past any processing lag, so it is then "error", as the legacy PVS says of an
# inverter it no longer hears (normal at night). Measured against the PVS's own clock when it sent
# one (/sys/livedata/time), so a wrong clock on the Pi cannot make every inverter look dead.
STALE_AFTER = timedelta(minutes=15)

_SECRET_NAME = re.compile(r"wpa|psk|passw|secret|token|session|ssid|serialnum|(^|[/_])key$", re.IGNORECASE)
_SECRET_TEXT = re.compile(
    r'"([^"]*(?:wpa|psk|passw|secret|token|session|ssid|serialnum)[^"]*)"\s*:\s*"[^"]*"', re.IGNORECASE
)
_NEW_NAMING = re.compile(r"^/sys/devices/(meter|inverter)/(\d+)/(\w+)$")
_OLD_NAMING = re.compile(r"^/sys/devices/(\d+)/(meter|inverter)/data$")


def is_secret_name(name: str) -> bool:
    """A variable that must never be archived or logged (Wi-Fi key and name, serial, session)."""
    return bool(_SECRET_NAME.search(name))


def scrub(body: Any) -> Any:
    """Drop secret-looking variables from a decoded /vars body (object or list format)."""
    if isinstance(body, dict):
        if isinstance(body.get("values"), list):
            kept = [v for v in body["values"] if not (isinstance(v, dict) and is_secret_name(str(v.get("name"))))]
            return {**body, "values": kept, "count": len(kept)}
        return {k: v for k, v in body.items() if not is_secret_name(k)}
    return body


def scrub_text(textual: str) -> str:
    """The same for a body that is not valid JSON: blank any "secret-name": "value" pair."""
    return _SECRET_TEXT.sub(lambda m: f'"{m.group(1)}": "[removed]"', textual)


def archive_entry(query: str, status: int, body: bytes) -> dict[str, Any]:
    """One answer as archived: the decoded body when it is JSON, else its (scrubbed) text and what is wrong."""
    try:
        return {"query": query, "status": status, "body": scrub(decode_json(body))}
    except PVSAnswerError as err:
        text = scrub_text(body.decode("utf-8", "replace"))
        return {"query": query, "status": status, "body_text": text, "problem": str(err)}


def archive_document(
    fetched_at: datetime,
    entries: list[dict[str, Any]],
    known_inverters: Mapping[str, datetime | None],
    firmware: Mapping[str, Any] | None = None,
) -> bytes:
    """This cycle's archive bytes."""
    document = {
        "format": ARCHIVE_FORMAT,
        "fetched_at": fetched_at.astimezone(timezone.utc).isoformat(),
        "firmware": dict(firmware or {}),
        "known_inverters": {s: (t.isoformat() if t else None) for s, t in sorted(known_inverters.items())},
        "answers": entries,
    }
    return json.dumps(document, indent=1, ensure_ascii=False).encode("utf-8")


def is_archive(document: Any) -> bool:
    return isinstance(document, dict) and str(document.get("format", "")).startswith("pvs6-supervisor/varserver")


def is_vars_dump(document: Any) -> bool:
    """A bare /vars fmt=obj body (e.g. a capture saved by hand): every key a variable name."""
    return isinstance(document, dict) and bool(document) and all(str(k).startswith("/") for k in document)


def devicelist_from_archive(document: Mapping[str, Any]) -> DeviceList:
    """Records from an archive document; PVSAnswerError if it holds no usable device answer."""
    if document.get("format") != ARCHIVE_FORMAT:
        raise PVSAnswerError(f"unknown capture format {str(document.get('format'))[:40]!r}")
    answers = document.get("answers")
    if not isinstance(answers, list):
        raise PVSAnswerError("the varserver capture has no 'answers' list")
    namespace: dict[str, Any] = {}
    devices_answered = False
    for answer in answers:
        if not isinstance(answer, dict):
            continue
        body = answer.get("body")
        status = answer.get("status")
        is_devices = str(answer.get("query", "")).startswith("match=/sys/devices")
        if status == 200 and isinstance(body, dict):
            namespace.update(_flat(body))
            devices_answered = devices_answered or is_devices
        elif status == 400 and is_devices:
            devices_answered = True  # a match that finds nothing answers 400: no device present now
    if not devices_answered:
        raise PVSAnswerError(_devices_problem(answers))
    known_raw = document.get("known_inverters")
    known = {str(s): iso_time(t) for s, t in known_raw.items()} if isinstance(known_raw, dict) else {}
    return devicelist_from_vars(namespace, known, iso_time(document.get("fetched_at")))


def _devices_problem(answers: list[Any]) -> str:
    """Name what was wrong with the devices query's answer, for the one line on stderr."""
    for answer in answers:
        if isinstance(answer, dict) and str(answer.get("query", "")).startswith("match=/sys/devices"):
            if answer.get("problem"):
                return f"/vars (devices): {answer['problem']}"
            if "body_text" in answer:
                return "/vars (devices): the answer is not JSON"
            if answer.get("status") != 200:
                return f"/vars (devices): HTTP {answer.get('status')}"
            return f"/vars (devices): the answer is a JSON {json_type(answer.get('body'))}, not an object"
    return "the PVS's /vars answer holds no device variables"


def _flat(body: dict[str, Any]) -> dict[str, Any]:
    if isinstance(body.get("values"), list):  # list format: {"values": [{"name", "value"}], "count"}
        return {str(v["name"]): v.get("value") for v in body["values"] if isinstance(v, dict) and "name" in v}
    return body


def _devices(namespace: Mapping[str, Any], kind: str) -> list[dict[str, Any]]:
    """Per-device parameter dicts of one kind, by index, from either naming scheme."""
    found: dict[int, dict[str, Any]] = {}
    for name, value in namespace.items():
        match = _NEW_NAMING.match(name)
        if match and match.group(1) == kind:
            found.setdefault(int(match.group(2)), {})[match.group(3)] = value
            continue
        match = _OLD_NAMING.match(name)
        if match and match.group(2) == kind and isinstance(value, dict):
            found.setdefault(int(match.group(1)), {}).update(value)
    return [found[i] for i in sorted(found)]


def devicelist_from_vars(
    namespace: Mapping[str, Any],
    known_inverters: Mapping[str, datetime | None] | None = None,
    fetched_at: datetime | None = None,
) -> DeviceList:
    """Build records from the varserver variables of one moment.

    Inverters in `known_inverters` that the PVS no longer lists are kept, with state and values
    unknown and the time they were last heard, so that a vanished inverter never drops silently out
    of the record.
    """
    warnings: list[str] = []
    pvs_time = _epoch(namespace.get("/sys/livedata/time"))
    reference = pvs_time or fetched_at

    meters: list[MeterReading] = []
    inverters: list[InverterReading] = []
    seen: set[str] = set()
    for index, params in enumerate(_devices(namespace, "meter")):
        serial = admit_serial("meter", text(params.get("sn")), index, seen, warnings)
        if serial is None:
            continue
        meter = _meter(params, serial, namespace)
        if meter is None:
            warnings.append(f"meter {mask_serial(serial)}: cannot tell production from consumption")
        else:
            meters.append(meter)
    for index, params in enumerate(_devices(namespace, "inverter")):
        serial = admit_serial("inverter", text(params.get("sn")), index, seen, warnings)
        if serial is None:
            continue
        inverters.append(_inverter(params, serial, reference))
    for serial, last_heard in sorted((known_inverters or {}).items()):
        if serial not in seen:
            inverters.append(InverterReading(serial, None, None, None, None, None, None, last_heard))

    supervisor = _supervisor(namespace, pvs_time, meters)
    if supervisor is None and not meters and not inverters:
        raise PVSAnswerError("the PVS's /vars answer holds no supervisor, meter or inverter")
    return DeviceList(supervisor, tuple(meters), tuple(inverters), tuple(warnings))


def _epoch(value: Any) -> datetime | None:
    seconds = number(value, 0, 1e11)
    return datetime.fromtimestamp(seconds, timezone.utc) if seconds else None


def _supervisor(
    namespace: Mapping[str, Any], pvs_time: datetime | None, meters: list[MeterReading]
) -> SupervisorStatus | None:
    model = text(namespace.get("/sys/info/model"))
    sw_rev = text(namespace.get("/sys/info/sw_rev"))
    uptime = number(namespace.get("/sys/info/uptime"), 0)
    if model is None and sw_rev is None and uptime is None and pvs_time is None:
        return None
    measured = [m.measured_at for m in meters if m.measured_at is not None]
    return SupervisorStatus(
        serial=None,  # never asked for: its last five characters are the password
        model=model,
        firmware=sw_rev,
        build=_sw_rev_build(sw_rev),
        uptime_s=uptime,
        comm_errors=None,  # the varserver has no such counter
        untransmitted=None,
        pvs_time=pvs_time,
        measured_at=max(measured) if measured else None,
    )


def _sw_rev_build(sw_rev: str | None) -> int | None:
    """61845 from "2025.09.04.61845" (or from "…, Build 61845")."""
    if sw_rev is None:
        return None
    last = sw_rev.rsplit(".", 1)[-1]
    return int(last) if last.isdigit() and "." in sw_rev else build_number(None, sw_rev)


def consumption_subtype(meter_net_lifetime_kwh: float | None, namespace: Mapping[str, Any]) -> str | None:
    """The consumption meter's CT installation, which the varserver does not state, from livedata.

    The PVS's own livedata knows it: its net_en (grid) equals the meter's net lifetime on a load-side
    install, its site_load_en (house) on a line-side one. The two differ by the lifetime production,
    so the far closer one tells; when they are not far apart (a brand-new site) it stays unknown.
    """
    net_en = number(namespace.get("/sys/livedata/net_en"))
    load_en = number(namespace.get("/sys/livedata/site_load_en"))
    if meter_net_lifetime_kwh is None or net_en is None or load_en is None:
        return None
    to_net, to_load = abs(meter_net_lifetime_kwh - net_en), abs(meter_net_lifetime_kwh - load_en)
    if to_net * 10 < to_load:
        return NET_LOADSIDE
    if to_load * 10 < to_net:
        return GROSS_LINESIDE
    return None


def _meter(params: Mapping[str, Any], serial: str, namespace: Mapping[str, Any]) -> MeterReading | None:
    model = text(params.get("prodMdlNm"))
    role = meter_role(None, serial, model)  # by the p/c suffix: the index order is not fixed
    if role is None:
        return None
    net_lifetime = number(params.get("netLtea3phsumKwh"), *LIFETIME_KWH)
    return MeterReading(
        serial=serial,
        role=role,
        subtype=consumption_subtype(net_lifetime, namespace) if role == "consumption" else None,
        power_kw=number(params.get("p3phsumKw"), *METER_KW),
        net_lifetime_kwh=net_lifetime,
        import_lifetime_kwh=number(params.get("posLtea3phsumKwh"), 0, LIFETIME_KWH[1]),
        export_lifetime_kwh=number(params.get("negLtea3phsumKwh"), 0, LIFETIME_KWH[1]),
        measured_at=iso_time(params.get("msmtEps")),
    )


def inverter_state(measured_at: datetime | None, reference: datetime | None) -> str | None:
    """'working' when heard within STALE_AFTER of the reference time, else 'error'; None if unknown."""
    if measured_at is None or reference is None:
        return None
    return WORKING if reference - measured_at <= STALE_AFTER else ERROR


def _inverter(params: Mapping[str, Any], serial: str, reference: datetime | None) -> InverterReading:
    measured_at = iso_time(params.get("msmtEps"))
    return InverterReading(
        serial=serial,
        state=inverter_state(measured_at, reference),
        model=text(params.get("prodMdlNm")),
        power_kw=number(params.get("p3phsumKw"), *INVERTER_KW),
        dc_power_kw=number(params.get("pMppt1Kw"), *INVERTER_KW),
        lifetime_kwh=number(params.get("ltea3phsumKwh"), 0, LIFETIME_KWH[1]),
        temperature_c=number(params.get("tHtsnkDegc"), *TEMPERATURE_C),
        measured_at=measured_at,
        dc_voltage_v=number(params.get("vMppt1V"), *DC_VOLTAGE_V),
    )
