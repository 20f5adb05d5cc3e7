"""The cycle's alert events as one push message written for a phone: a short title, and a body of a few lines
with the inverter's short serial, what was seen and the one-line advice; and the summary's few figures. One
message per cycle per channel (Apprise throttles some services to one request every few seconds). Pure.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, tzinfo

from pvs6sup.alerts.incidents import Event
from pvs6sup.core.texts import clock_text, duration_text

MAX_TITLE_CHARS = 100  # ntfy, Pushover and Telegram all show about this much before cutting
MAX_BODY_CHARS = 1000  # Pushover keeps 1024 characters; the others more
_PREFIX = {"raised": "", "reminder": "Still: ", "resolved": "Resolved: "}


def _title(event: Event) -> str:
    from pvs6sup.alerts import compose  # its titles and advice; the email package comes with it

    return _PREFIX.get(event.event, "") + compose.title(event)


def _advice(event: Event) -> str:
    from pvs6sup.alerts import compose

    return compose.ADVICE.get(event.kind, "")


def _tag(site_name: str) -> str:
    return f"PVS6 {site_name}: " if site_name else "PVS6: "


def _when(event: Event, zone: tzinfo) -> str:
    """'since 09:25', 'since 09:25 (3 hours)', 'after 2 hours'."""
    if event.event == "resolved" and event.raised_at is not None:
        return f"back after {duration_text((event.time - event.raised_at).total_seconds())}"
    if event.event == "reminder" and event.raised_at is not None:
        lasted = duration_text((event.time - event.raised_at).total_seconds())
        return f"since {clock_text(event.raised_at, zone)} ({lasted})"
    return f"at {clock_text(event.time, zone)}"


def _line(event: Event, zone: tzinfo) -> str:
    """One event as one line: 'Inverter E00…1392 down: 0 W vs 287 W median, at 09:25'."""
    detail = f": {event.detail}" if event.detail and event.event != "resolved" else ""
    return f"{_title(event)}{detail}, {_when(event, zone)}"


def message(events: Sequence[Event], zone: tzinfo, site_name: str = "") -> tuple[str, str]:
    """(title, body) for the cycle's events (at least one)."""
    if len(events) == 1:
        [event] = events
        title = _tag(site_name) + _title(event)
        lines = [
            f"{event.detail}, {_when(event, zone)}."
            if event.detail and event.event != "resolved"
            else f"{_when(event, zone).capitalize()}."
        ]
        if event.event != "resolved" and (advice := _advice(event)):
            lines.append(advice)
    else:
        raised = sum(1 for e in events if e.event != "resolved")
        resolved = len(events) - raised
        named = ((raised, "alert" if raised == 1 else "alerts"), (resolved, "resolved"))
        counts = [f"{n} {what}" for n, what in named if n]
        title = _tag(site_name) + ", ".join(counts)
        lines = ["• " + _line(event, zone) for event in events]
        advices = sorted({_advice(e) for e in events if e.event != "resolved"} - {""})
        if len(advices) == 1:
            lines.append(advices[0])
    return _cut(title, MAX_TITLE_CHARS), _cut("\n".join(lines), MAX_BODY_CHARS)


def summary_message(
    first: date, last: date, site_kwh: float | None, inverters: int, alerts: Sequence[str], site_name: str = ""
) -> tuple[str, str]:
    """(title, body) of the summary for a phone, beside the summary email: the period's energy (unknown: said so,
    not 0), how many inverters made some, and the alerts of the period, a line each."""
    period = first.isoformat() if first == last else f"{first.isoformat()} to {last.isoformat()}"
    made = f"{site_kwh:.1f} kWh" if site_kwh is not None else "energy unknown"
    title = f"{_tag(site_name)}summary {period}: {made}"
    lines = [f"{made} from {inverters} inverter{'s' if inverters != 1 else ''}."]
    lines += ["• " + alert for alert in alerts] if alerts else ["No alert."]
    lines.append("The summary email has the details.")
    return _cut(title, MAX_TITLE_CHARS), _cut("\n".join(lines), MAX_BODY_CHARS)


def test_message(site_name: str, channel: str) -> tuple[str, str]:
    """The message `check --send-test-notification` sends."""
    return _tag(site_name) + "test notification", f"pvs6-supervisor can reach you through {channel}."


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
