"""A rich alert state for the encoder tests: every field away from its default somewhere, awkward floats,
naive and aware datetimes, None where allowed, int keys, and both site and inverter incidents."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from pvs6sup.alerts.detectors import DetectorState, InverterTrack
from pvs6sup.alerts.faces import Face
from pvs6sup.alerts.incidents import Incident
from pvs6sup.alerts.normal import Gauge
from pvs6sup.alerts.state import AlertState

T0 = datetime(2026, 6, 14, 19, 35, 7, 123456, tzinfo=timezone.utc)


def rich_state() -> AlertState:
    inverters = {
        "E00000000000000000": InverterTrack(),  # every field at its default: written as {}
        "E00000000000000001": InverterTrack(
            group=2,
            last_seen=T0,
            measured_at=T0 - timedelta(minutes=5),
            offline_streak=3,
            first_day="2026-06-01",
            woke_day="2026-06-14",
            late_today=7,
            wake_hour=6.123456789,
            missing_streak=1,
            day="2026-06-14",
            siblings=["E00000000000000003", "E00000000000000002"],  # not the order its face gives: written
            alike=True,
            gauge=Gauge([-0.123456, 0.0, 0.1 + 0.2], 8.0000049, 0.5, T0 - timedelta(days=2), 1.0 / 3.0, 2.000004),
            today=["2026-06-14", 0.1 + 0.2, 0.0],
            clues=[53.9, 54.1, 12.0, 0.67, 0.95, 12.0, 0.25] + [0.0] * 15,
        ),
        "E00000000000000002": InverterTrack(
            wake_hour=1e-9,  # differs from the default, rounds to 0.0: still written
            measured_at=datetime(2026, 6, 14, 12, 0, tzinfo=timezone(timedelta(hours=-7))),
        ),
        "E00000000000000003": InverterTrack(last_seen=datetime(2026, 1, 2, 3, 4, 5), gauge=Gauge(fast=0.1 + 0.2)),
    }
    detector = DetectorState(
        last_reading_at=T0,
        failed_cycles=4,
        no_production_streak=2,
        peak_production_kw=7.1234567,
        site_peak_kw=6.54321987,
        faces_day="2026-06-14",
        closed=[["E00000000000000001", "2026-06-13", 1.25, 1.5]],
        faces=[Face(("E00000000000000001", "E00000000000000002", "E00000000000000003"), 12.0833333), Face((), None)],
        inverters=inverters,
        inverters_still_since=T0 - timedelta(minutes=25),  # meters_still_since stays None
    )
    incidents = {
        "inverter:E00000000000000001": Incident(
            kind="inverter_offline",
            serial="E00000000000000001",
            message="Inverter ...0001 produces nothing",
            detail="0 W vs 287 W median",
            raised_at=T0 - timedelta(hours=2),
            notified_at=T0,
            clean_streak=1,
            cause="microinverter",
            evidence="Its panel still gives 54 V (its siblings' 54 V) but it makes nothing: most likely the "
            "microinverter.",
            lost_kwh=1.0 / 3.0,
        ),
        "pvs_unreachable": Incident(
            kind="pvs_unreachable",
            serial=None,
            message="The PVS has not answered for 1 hour — «ünïcode»",
            detail="",
            raised_at=T0 - timedelta(days=3),
            notified_at=T0 - timedelta(days=1),
        ),
    }
    return AlertState(detector, incidents)
