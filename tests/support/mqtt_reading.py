"""Readings for the MQTT tests: the simulated site, with a recognisable fake PVS serial."""

from __future__ import annotations

import json
from datetime import datetime, timezone

from pvs6sup.core.models import Reading
from pvs6sup.core.records import replace
from pvs6sup.pvs.parse import reading_from_capture
from pvs6sup.sim.legacy_pvs import SimulatedSite, SiteModel

PVS_SERIAL = "ZT000000000000000XQ7K9"  # made up; its last five characters would be the new firmware's password
NOON = datetime(2026, 6, 21, 19, 5, tzinfo=timezone.utc)  # 12:05 in California


def site(inverters: int = 12) -> SimulatedSite:
    return SimulatedSite(SiteModel(inverter_count=inverters))


def reading_at(simulated: SimulatedSite, when: datetime, *, drop: int = 0) -> Reading:
    """The simulated site's reading at `when` with the fake PVS serial; `drop` leaves out the last inverters."""
    document = simulated.device_list(when)
    devices = document["devices"]
    for device in devices:
        if device.get("DEVICE_TYPE") == "PVS":
            device["SERIAL"] = PVS_SERIAL
    if drop:
        inverters = [d for d in devices if d.get("DEVICE_TYPE") == "Inverter"]
        document["devices"] = [d for d in devices if d not in inverters[-drop:]]
    reading = reading_from_capture(json.dumps(document).encode(), when)
    return replace(reading, cloud_cover_pct=simulated.cloud_cover_pct(when))
