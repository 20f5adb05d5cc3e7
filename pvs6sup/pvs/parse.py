"""Turn one capture (live or archived, whatever firmware produced it) into a Reading. Pure."""

from __future__ import annotations

from datetime import datetime

from pvs6sup.core.models import DeviceList, Reading
from pvs6sup.core.site import derive_site
from pvs6sup.pvs.devicelist import decode_json, devicelist_from_json


def parse_capture(body: bytes) -> DeviceList:
    """The device list in a capture's bytes; PVSAnswerError if it holds none.

    Recognises a legacy DeviceList answer, this program's varserver archive (new firmware), and a
    bare /vars fmt=obj body.
    """
    document = decode_json(body)
    if isinstance(document, dict) and isinstance(document.get("devices"), list):
        return devicelist_from_json(document)  # legacy firmware: the varserver parser is not even imported
    from pvs6sup.pvs import varserver

    if varserver.is_archive(document):
        return varserver.devicelist_from_archive(document)
    if varserver.is_vars_dump(document):
        return varserver.devicelist_from_vars(document)
    return devicelist_from_json(document)


def reading_from_capture(body: bytes, fetched_at: datetime, mode: str = "auto", raw_path: str | None = None) -> Reading:
    """Parse a capture and derive the site figures: the one path shared by the cycle and a replay."""
    devices = parse_capture(body)
    return Reading(fetched_at=fetched_at, devices=devices, site=derive_site(devices, mode), raw_path=raw_path)
