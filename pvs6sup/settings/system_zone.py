"""The system's time zone by its name (/etc/timezone, /etc/localtime), the default of TIMEZONE."""

from __future__ import annotations

import os
from datetime import datetime, timezone, tzinfo
from pathlib import Path

ETC = Path("/etc")  # where the system keeps its zone (tests point it elsewhere)
_UTC_NAMES = {"UTC", "Etc/UTC", "Etc/UCT", "UCT", "Universal", "Zulu", "Etc/Universal", "Etc/Zulu", "GMT", "Etc/GMT"}


def system_zone_name() -> str | None:
    """The system's named zone: /etc/timezone (Debian), else the zoneinfo file /etc/localtime links to."""
    try:
        name = (ETC / "timezone").read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        name = ""
    if not name:
        try:
            target = os.readlink(ETC / "localtime")
        except OSError:
            return None
        name = target.split("zoneinfo/", 1)[1] if "zoneinfo/" in target else ""
    return name or None


def system_timezone() -> tzinfo:
    """The system's named zone, so that DST changes are followed; its current fixed offset only when it
    has no name (a fixed offset is an hour off for half the year)."""
    name = system_zone_name()
    if name in _UTC_NAMES:
        return timezone.utc  # no zoneinfo import (2 ms of a cron run) for the commonest server zone
    if name:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    zone = datetime.now().astimezone().tzinfo
    assert zone is not None
    return zone
