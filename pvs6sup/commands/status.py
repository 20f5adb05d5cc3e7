"""Human and JSON renderings of a reading for the status command and the demo. Pure."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, tzinfo
from typing import Any

from pvs6sup.core.models import Reading
from pvs6sup.core.records import as_dict
from pvs6sup.core.rows import cell, local_timestamp
from pvs6sup.core.texts import age_text, fixed_text, is_night, state_text
from pvs6sup.core.values import mask_pvs_serial
from pvs6sup.settings.sinks import SHEETS
from pvs6sup.sinks.deliver import QueueStatus

RECENT_S = 15 * 60  # cron runs every 5 minutes: three runs in a row without a reading are worth a look


FIRST_RUN_HINT = "run it once: .venv/bin/python pvs6_supervisor.py run, then add the line from crontab.example"


def last_recorded_text(newest: datetime | None, now: datetime) -> str:
    """How long since the newest row of readings.csv, for status and check."""
    if newest is None:
        return f"Last recorded reading: none yet; {FIRST_RUN_HINT}"
    return f"Last recorded reading: {age_text((now - newest).total_seconds())} ago"


def _kw(value: float | None) -> str:
    return f"{fixed_text(value, 3)} kW" if value is not None else "unknown"


def _grid(value: float | None) -> str:
    if value is None:
        return "unknown"
    shown = round(value, 3)
    direction = "importing" if shown > 0 else "exporting" if shown < 0 else "balanced"
    return f"{fixed_text(value, 3)} kW ({direction})"


def status_text(reading: Reading, zone: tzinfo) -> str:
    """The status screen: the site, then one line per inverter."""
    site = reading.site
    night = is_night(inv.power_kw for inv in reading.devices.inverters)
    pvs = reading.devices.supervisor
    now_at_pvs = (pvs.pvs_time if pvs and pvs.pvs_time else None) or reading.fetched_at
    lines = [f"Read at      {local_timestamp(reading.fetched_at, zone)}"]
    if pvs is not None:
        lines.append(
            f"PVS          {pvs.model or '?'} {mask_pvs_serial(pvs.serial)}, firmware {pvs.firmware or '?'}, "
            f"up {age_text(pvs.uptime_s)}"
        )
    if reading.access:
        lines.append(f"Access       {reading.access}")
    source = " (sum of inverters)" if site.production_source == "inverters" else ""
    lines += [
        f"Production   {_kw(site.production_kw)}{source}",
        f"Consumption  {_kw(site.consumption_kw)}",
        f"Grid         {_grid(site.net_kw)}",
        f"Inverters    {reading.inverters_working} of {reading.inverters_total} working"
        + (" (night: the PVS calls them 'error' until sunrise)" if night and not reading.inverters_working else ""),
    ]
    if reading.cloud_cover_pct is not None:
        lines.append(f"Cloud cover  {reading.cloud_cover_pct:g} %")
    lines.append("")
    header = ("serial", "state", "kW", "lifetime kWh", "°C", "last report")
    rows = [
        (
            inv.serial,
            state_text(inv.state, night),
            cell(inv.power_kw) or "-",
            cell(inv.lifetime_kwh) or "-",
            cell(inv.temperature_c) or "-",
            age_text((now_at_pvs - inv.measured_at).total_seconds()) + " ago" if inv.measured_at else "never",
        )
        for inv in reading.devices.inverters
    ]
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    right = {2, 3, 4}
    for row in [header, *rows]:
        lines.append(
            "  ".join(
                str(v).rjust(w) if i in right else str(v).ljust(w)
                for i, (v, w) in enumerate(zip(row, widths, strict=True))
            ).rstrip()
        )
    return "\n".join(lines)


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


def status_json(reading: Reading) -> str:
    """The reading as JSON (the PVS serial masked), for scripts: status --json."""
    document = _jsonable(as_dict(reading))
    document["inverters_total"] = reading.inverters_total
    document["inverters_working"] = reading.inverters_working
    supervisor = document["devices"].get("supervisor")
    if supervisor:
        supervisor["serial"] = mask_pvs_serial(supervisor["serial"])
    return json.dumps(document, indent=2, ensure_ascii=False)


def queue_lines(queues: Sequence[QueueStatus]) -> list[str]:
    """'PVOutput queue  3 waiting, the oldest for 15 min' per sink (Google Sheets has its own line)."""
    lines = []
    for queue in queues:
        if queue.name == SHEETS:
            continue
        waiting = f"{queue.pending} waiting, the oldest for {age_text(queue.oldest_age_s)}"
        lines.append(f"{queue.title} queue  {waiting if queue.pending else 'empty (all delivered)'}")
    return lines


def queues_json(queues: Sequence[QueueStatus]) -> dict[str, Any]:
    """Each sink's queue for `status --json` (and, as before, the Sheets queue under sheets_queue)."""
    document: dict[str, Any] = {
        "queues": {q.name: {"pending": q.pending, "oldest_age_s": q.oldest_age_s} for q in queues}
    }
    for queue in queues:
        if queue.name == SHEETS:
            document["sheets_queue"] = {"rows": queue.pending, "oldest_age_s": queue.oldest_age_s}
    return document
