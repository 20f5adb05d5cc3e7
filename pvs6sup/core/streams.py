"""The watchdog ping's report, stream by stream: the reading recorded, how fresh the inverters' and the meters'
own reports are (a stream can freeze on the PVS while the others flow), and each sink's backlog. Pure."""

from __future__ import annotations

from collections.abc import Sequence

from pvs6sup.core.models import Reading
from pvs6sup.core.texts import age_text


def stream_lines(reading: Reading, backlogs: Sequence[tuple[str, float]] | None, any_sink: bool) -> list[str]:
    """'reading recorded 2026-06-21 16:25 UTC: 11/12 inverters working', 'inverters: 12 reporting, newest 1 min
    old, oldest 3 min', 'meters: production 1 min old, consumption 1 min old', 'sinks: PVOutput 3 h waiting'."""
    at = reading.fetched_at
    lines = [
        f"reading recorded {at:%Y-%m-%d %H:%M} UTC: {reading.inverters_working}/{reading.inverters_total} "
        "inverters working"
    ]
    ages = [(at - inv.measured_at).total_seconds() for inv in reading.devices.inverters if inv.measured_at]
    unknown = len(reading.devices.inverters) - len(ages)
    if ages:
        lines.append(
            f"inverters: {len(ages)} reporting, newest {age_text(min(ages))} old, oldest {age_text(max(ages))}"
            + (f", {unknown} without a time" if unknown else "")
        )
    elif reading.devices.inverters:
        lines.append("inverters: no report time")
    meters = [
        f"{meter.role or 'meter'} "
        + (f"{age_text((at - meter.measured_at).total_seconds())} old" if meter.measured_at else "?")
        for meter in reading.devices.meters
    ]
    lines.append("meters: " + (", ".join(meters) if meters else "none"))
    if backlogs is None:
        lines.append("sinks: unknown (delivery failed this cycle)")
    elif backlogs:
        lines.append("sinks: " + ", ".join(f"{title} {age_text(age_s)} waiting" for title, age_s in backlogs))
    elif any_sink:
        lines.append("sinks: all delivered")
    return lines
