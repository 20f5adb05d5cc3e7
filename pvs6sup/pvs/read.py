"""One reading from the PVS, whatever its firmware: choose the path (pvs/access.py), fetch, archive the raw
answer if asked, and parse it. The cycle, `status` and `check` call read() and never see the firmware.

The raw bytes are archived before they are judged, so an unusable answer can still be diagnosed.
"""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path

import requests

from pvs6sup.core.gateway import VARSERVER
from pvs6sup.core.models import Reading
from pvs6sup.core.records import replace
from pvs6sup.errors import StorageError, SupervisorError
from pvs6sup.pvs.access import choose_access, fetch_legacy, fetch_varserver, remember_inverters
from pvs6sup.pvs.http import require_ok
from pvs6sup.pvs.parse import reading_from_capture
from pvs6sup.settings.config import PvsSettings
from pvs6sup.store import archive

log = logging.getLogger(__name__)


def read(
    pvs: PvsSettings, session: requests.Session, data_dir: Path, fetched_at: datetime, *, keep_raw: bool
) -> Reading:
    """Fetch the PVS's answer (one request on legacy firmware), archive it if keep_raw, and parse it into a Reading.

    PVSError when the PVS gives no usable answer; the raw answer is archived first all the same.
    """
    access = choose_access(pvs, session, data_dir, fetched_at)  # supervisor/info at most once a day
    if access.path == VARSERVER:
        answer = fetch_varserver(pvs, session, data_dir, access, fetched_at)
    else:
        answer = fetch_legacy(pvs, session, data_dir)  # one request, as ever
    raw_path = _archive(data_dir, fetched_at, answer.body) if keep_raw else None
    require_ok(answer)
    raw = str(raw_path) if raw_path else None
    reading = reading_from_capture(answer.body, fetched_at, pvs.consumption_meter_mode, raw)
    reading = replace(reading, access=access.description)
    if access.path == VARSERVER and keep_raw:
        _remember_inverters(data_dir, reading, fetched_at)
    for warning in reading.devices.warnings:
        log.warning("device list: %s", warning)
    has_consumption_meter = any(m.role == "consumption" for m in reading.devices.meters)
    if has_consumption_meter and reading.site.consumption_mode is None:
        log.info(
            "consumption unknown: the consumption meter's subtype does not say how its CTs are installed "
            "(set CONSUMPTION_METER_MODE=net or gross)"
        )
    return reading


def _archive(data_dir: Path, fetched_at: datetime, body: bytes) -> Path | None:
    """Keep the raw answer; when it cannot be kept (disk full, permissions), the reading is still recorded."""
    try:
        path = archive.store_raw(data_dir, fetched_at, body)
    except StorageError as err:
        log.warning("raw archive: %s; the reading is recorded without its raw answer", err)
        return None
    log.debug("archived %d bytes as %s", len(body), path)
    return path


def _remember_inverters(data_dir: Path, reading: Reading, fetched_at: datetime) -> None:
    """Remember this reading's inverters (new firmware stops listing a dead one); a failure is one line, as a
    duty of the cycle's is, and the reading goes on."""
    try:
        remember_inverters(data_dir, reading.devices, fetched_at)
    except (SupervisorError, OSError) as err:
        log.warning("known inverters: %s", err)
    except Exception as err:  # a bug: said loudly, as one line, while the reading goes on
        log.error("known inverters: internal error %s: %s (a bug: please report it)", type(err).__name__, err)
