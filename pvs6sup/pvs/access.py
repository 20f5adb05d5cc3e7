"""How this cycle reads the PVS: the firmware detection (cached a day) and the new firmware's fetch.

Legacy firmware keeps its single DeviceList request per cycle; supervisor/info is read at most once a
day (DATA_DIR/pvs-firmware.json). New firmware is read through pvs_session (login, pinned HTTPS) in
two /vars requests, archived as one document (see varserver.py). Inverters seen before are remembered
in DATA_DIR/pvs-inverters.json so that one the PVS stops listing stays in the record as unknown.
"""

from __future__ import annotations

import contextlib
import json
import logging
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import requests

from pvs6sup.core.gateway import FORGET_INVERTER_AFTER, LEGACY, VARSERVER
from pvs6sup.core.models import DeviceList
from pvs6sup.core.records import FrozenRecord
from pvs6sup.core.values import iso_time
from pvs6sup.errors import PVSError
from pvs6sup.pvs import firmware, http
from pvs6sup.pvs.firmware import FirmwareInfo
from pvs6sup.pvs.login import VarsClient, pin, raise_if_certificate_changed
from pvs6sup.settings.config import PvsSettings
from pvs6sup.store.files import atomic_write
from pvs6sup.store.statefile import load_state

log = logging.getLogger(__name__)

FIRMWARE_FILE = "pvs-firmware.json"
INVERTERS_FILE = "pvs-inverters.json"
RECHECK_AFTER = timedelta(days=1)
DETECT_TIMEOUT_S = 30.0


class Access(FrozenRecord):
    """The path in use for this cycle, where to reach it, and what supervisor/info said."""

    path: str  # LEGACY | VARSERVER
    base_url: str
    info: FirmwareInfo | None

    @property
    def description(self) -> str:
        return firmware.describe(self.path, self.info, urlsplit(self.base_url).scheme)


def varserver_base_url(pvs: PvsSettings) -> str:
    """New firmware is reached over https when PVS_HOST is a bare host; a URL is used as given."""
    if "://" in pvs.host:
        return pvs.base_url
    return "https://" + pvs.base_url.split("://", 1)[1]


def _read_supervisor_info(
    pvs: PvsSettings, session: requests.Session, data_dir: Path
) -> tuple[bool, FirmwareInfo | None]:
    """(answered, info): answered is False when the PVS could not be reached at all."""
    pin_file = pin(session, pvs.base_url, data_dir, pvs.timeout_s)
    timeout = min(pvs.timeout_s, DETECT_TIMEOUT_S)
    try:
        answer = http.get(session, pvs.base_url, firmware.SUPERVISOR_INFO_PATH, timeout)
    except PVSError as err:
        raise_if_certificate_changed(err, pvs.base_url, pin_file)
        log.debug("supervisor/info: %s", err)
        return False, None
    info = firmware.parse_supervisor_info(answer.body) if answer.status_code == 200 else None
    if info is None:
        log.debug("supervisor/info: HTTP %d, no firmware facts; taking the legacy API", answer.status_code)
    return True, info


def choose_access(pvs: PvsSettings, session: requests.Session, data_dir: Path, now: datetime) -> Access:
    """Decide the path: PVS_FIRMWARE, else the cached detection, else supervisor/info now (then cached)."""
    cache_file = data_dir / FIRMWARE_FILE
    cached = _read_cache(cache_file, data_dir)
    info = cached[0] if cached else None
    if pvs.firmware != "auto":
        path = pvs.firmware
    elif cached and now - cached[2] < RECHECK_AFTER:
        path = cached[1]
    else:
        answered, fresh = _read_supervisor_info(pvs, session, data_dir)
        if answered:
            info = fresh
            path = firmware.choose_path(info)
            atomic_write(cache_file, firmware.cache_document(info, path, now))
        else:  # unreachable: keep the last decision and ask again next cycle
            path = cached[1] if cached else LEGACY
    base = varserver_base_url(pvs) if path == VARSERVER else pvs.base_url
    access = Access(path, base, info)
    if pvs.firmware == "auto" and (not cached or cached[1] != path):
        log.info("PVS firmware: %s", access.description)
    return access


def _decode_cache(data: bytes) -> tuple[FirmwareInfo | None, str, datetime]:
    cached = firmware.read_cache_document(data)
    if cached is None:
        raise ValueError("not a firmware detection")
    return cached


def _read_cache(path: Path, data_dir: Path) -> tuple[FirmwareInfo | None, str, datetime] | None:
    return load_state(path, _decode_cache, "PVS firmware cache", "the firmware is detected again", data_dir)


def fetch_legacy(pvs: PvsSettings, session: requests.Session, data_dir: Path) -> http.Answer:
    """The one DeviceList request of legacy firmware (over a pinned certificate if PVS_HOST says https).

    A 403 is no proof of new firmware (old firmware has transient ones), but a reason to read
    supervisor/info again next cycle rather than a day later.
    """
    pin_file = pin(session, pvs.base_url, data_dir, pvs.timeout_s)
    try:
        answer = http.fetch_device_list(session, pvs.base_url, pvs.timeout_s)
    except PVSError as err:
        raise_if_certificate_changed(err, pvs.base_url, pin_file)
        raise
    if answer.status_code == 403 and pvs.firmware == "auto":
        with contextlib.suppress(OSError):
            (data_dir / FIRMWARE_FILE).unlink()
            log.debug("DeviceList answered 403: the firmware will be checked again next cycle")
    return answer


def _password(
    pvs: PvsSettings, session: requests.Session, data_dir: Path, info: FirmwareInfo | None
) -> tuple[str, str]:
    """The login password and where it came from: PVS_PASSWORD, PVS_SERIAL, or the PVS's serial.

    The serial is never stored, so unless this cycle's detection just read it, supervisor/info is asked.
    """
    if pvs.password:
        return pvs.password, "PVS_PASSWORD"
    if pvs.serial:
        return pvs.serial[-5:].upper(), "PVS_SERIAL"
    if info is None or not info.serial:
        _, info = _read_supervisor_info(pvs, session, data_dir)
    if info is None or not info.serial or len(info.serial) < 5:
        raise PVSError(
            "cannot log in to the PVS: its serial could not be read from supervisor/info; set PVS_SERIAL "
            "(printed on the PVS's label, or shown by the SunStrong app)"
        )
    return info.serial[-5:].upper(), "the serial the PVS reported"


def fetch_varserver(
    pvs: PvsSettings, session: requests.Session, data_dir: Path, access: Access, fetched_at: datetime
) -> http.Answer:
    """This cycle's /vars answers as one archive document, in an Answer judged like a DeviceList one.

    Its status is the device query's (a 400, "nothing matched", counts as success); the login and its
    cookie are never part of it, and Wi-Fi secrets are scrubbed from it.
    """
    from pvs6sup.pvs import varserver  # new firmware only

    pin_file = pin(session, access.base_url, data_dir, pvs.timeout_s)
    client = VarsClient(
        session,
        access.base_url,
        data_dir,
        pvs.timeout_s,
        lambda: _password(pvs, session, data_dir, access.info),
        pin_file,
    )
    entries = []
    status = 200
    truncated = False
    for query in varserver.QUERIES:
        answer = client.get("/vars?" + query)
        entries.append(varserver.archive_entry(query, answer.status_code, answer.body))
        truncated = truncated or answer.truncated
        if query == varserver.DEVICES_QUERY and answer.status_code not in (200, 400):
            status = answer.status_code
            break  # no point asking for the rest
        if query != varserver.DEVICES_QUERY and answer.status_code != 200:
            log.info("/vars %s: HTTP %d; PVS model, firmware and uptime left blank", query, answer.status_code)
    facts = {"model": access.info.model, "build": access.info.build, "swver": access.info.swver} if access.info else {}
    body = varserver.archive_document(fetched_at, entries, known_inverters(data_dir), facts)
    return http.Answer("/vars?" + varserver.DEVICES_QUERY, status, body, truncated)


def decode_known_inverters(data: bytes) -> dict[str, datetime | None]:
    """The known-inverters file's document; ValueError/TypeError when it is not one."""
    document = json.loads(data)
    if not isinstance(document, dict) or not all(v is None or isinstance(v, str) for v in document.values()):
        raise TypeError("not an object of serials and times")
    return {str(serial): iso_time(heard) for serial, heard in document.items()}


def known_inverters(data_dir: Path) -> dict[str, datetime | None]:
    """Serial -> when last heard, for every inverter seen in the last FORGET_INVERTER_AFTER."""
    fresh = "the inverters are learnt again from this reading"
    known = load_state(data_dir / INVERTERS_FILE, decode_known_inverters, "known-inverters file", fresh, data_dir)
    return known or {}


def remember_inverters(data_dir: Path, devices: DeviceList, now: datetime) -> None:
    """Add this reading's inverters to the known list; forget those unheard for FORGET_INVERTER_AFTER."""
    known = known_inverters(data_dir)
    updated = dict(known)
    for inverter in devices.inverters:
        if inverter.measured_at is not None or inverter.serial not in updated:
            updated[inverter.serial] = inverter.measured_at or updated.get(inverter.serial)
    updated = {s: t for s, t in updated.items() if t is None or now - t < FORGET_INVERTER_AFTER}
    if updated != known:
        document = {s: (t.isoformat() if t else None) for s, t in sorted(updated.items())}
        atomic_write(data_dir / INVERTERS_FILE, (json.dumps(document, indent=1) + "\n").encode())
