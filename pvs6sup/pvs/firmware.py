"""Which API a PVS speaks, decided from its unauthenticated supervisor/info answer. Pure.

PVS6 firmware from build 61840 on (and PVS5 from build 5408 on) refuses the legacy DeviceList with
HTTP 403 and must be read through the authenticated varserver (/vars). A 403 alone is no proof:
old firmware returns transient 403s too, so the decision rests on the model and build only.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from pvs6sup.core.gateway import LEGACY, VARSERVER
from pvs6sup.core.records import FrozenRecord
from pvs6sup.core.values import build_number, integer, iso_time, text

NEW_FIRMWARE_MIN_BUILD = 61840  # PVS6: the first build with /vars and without Command=DeviceList
PVS5_NEW_FIRMWARE_MIN_BUILD = 5408  # PVS5: 2025 builds (5408, 5412) have no BUILD field, only SWVER
SUPERVISOR_INFO_PATH = "/cgi-bin/dl_cgi/supervisor/info"


class FirmwareInfo(FrozenRecord):
    """What supervisor/info says about the PVS. The serial is kept out of repr (its tail is the password)."""

    model: str | None
    build: int | None
    swver: str | None
    serial: str | None = None

    def __repr__(self) -> str:
        return f"FirmwareInfo(model={self.model!r}, build={self.build!r}, swver={self.swver!r})"


def parse_supervisor_info(body: bytes) -> FirmwareInfo | None:
    """The firmware facts in a supervisor/info answer, or None when the body is not one."""
    try:
        document = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    supervisor = document.get("supervisor") if isinstance(document, dict) else None
    if not isinstance(supervisor, dict):
        return None
    info = FirmwareInfo(
        model=text(supervisor.get("MODEL")),
        build=build_number(supervisor.get("BUILD"), supervisor.get("SWVER")),
        swver=text(supervisor.get("SWVER")),
        serial=text(supervisor.get("SERIAL")),
    )
    return info if info.model or info.build is not None else None


def is_pvs5(model: str | None) -> bool:
    return "PVS5" in (model or "").upper()


def choose_path(info: FirmwareInfo | None, override: str = "auto") -> str:
    """LEGACY or VARSERVER: the PVS_FIRMWARE override, else the model and build, else LEGACY."""
    if override in (LEGACY, VARSERVER):
        return override
    if info is None:
        return LEGACY
    if is_pvs5(info.model):
        # A PVS5 on 2025 firmware has no BUILD (ha-esunpower#63); "Build N" in SWVER is all there is.
        # With no build number at all it is taken to be new: old PVS5 firmware always reported one.
        return VARSERVER if info.build is None or info.build >= PVS5_NEW_FIRMWARE_MIN_BUILD else LEGACY
    return VARSERVER if info.build is not None and info.build >= NEW_FIRMWARE_MIN_BUILD else LEGACY


def cache_document(info: FirmwareInfo | None, path: str, checked_at: datetime) -> bytes:
    """The detection cache file's bytes: never the serial."""
    facts = {"model": info.model, "build": info.build, "swver": info.swver} if info else None
    document = {"checked_at": checked_at.isoformat(), "path": path, "supervisor": facts}
    return (json.dumps(document, indent=1) + "\n").encode()


def read_cache_document(data: bytes) -> tuple[FirmwareInfo | None, str, datetime] | None:
    """(info, path, checked_at) from the cache file's bytes, or None if it is unusable."""
    try:
        document: Any = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    if not isinstance(document, dict):
        return None
    checked_at = iso_time(document.get("checked_at"))
    path = document.get("path")
    if checked_at is None or path not in (LEGACY, VARSERVER):
        return None
    facts = document.get("supervisor")
    info = None
    if isinstance(facts, dict):
        info = FirmwareInfo(text(facts.get("model")), integer(facts.get("build")), text(facts.get("swver")))
    return info, path, checked_at


def describe(path: str, info: FirmwareInfo | None, scheme: str) -> str:
    """One line for status: the path in use and why."""
    model = (info.model if info else None) or "PVS"
    build = f"build {info.build}" if info and info.build is not None else "build unknown"
    how = "varserver (/vars, logged in)" if path == VARSERVER else "legacy DeviceList"
    return f"{how} over {scheme} ({model}, {build})"
