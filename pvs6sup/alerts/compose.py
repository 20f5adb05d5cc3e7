"""The alert email: subject, plain text, and an HTML part with bar charts in plain HTML/CSS. Pure."""

from __future__ import annotations

from datetime import datetime, timezone, tzinfo
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from html import escape

from pvs6sup.alerts import detectors
from pvs6sup.alerts.incidents import Event
from pvs6sup.core.models import Reading
from pvs6sup.core.rows import local_timestamp
from pvs6sup.core.values import mask_serial

TITLES = {
    detectors.OFFLINE: "Inverter {name} down",
    detectors.UNDERPERFORMING: "Inverter {name} underperforming",
    detectors.PVS_UNREACHABLE: "PVS not answering",
    detectors.NO_PRODUCTION: "No solar production",
    detectors.DELIVERY_BACKLOG: "Delivery behind",
}
ADVICE = {
    detectors.OFFLINE: "Check the inverter's breaker and the PVS's device list (status command). If it stays "
    "down in full sun, the microinverter likely needs replacing under warranty.",
    detectors.UNDERPERFORMING: "Look for new shade, dirt or damage on that panel; if nothing explains it, the "
    "microinverter may be failing.",
    detectors.PVS_UNREACHABLE: "Check the PVS's power and the cable between the Pi and the PVS's LAN1 port; "
    "a PVS that stopped answering often needs a power cycle.",
    detectors.NO_PRODUCTION: "Check the solar breaker in the main panel and the PVS; snow or a grid outage "
    "also stop production.",
    detectors.DELIVERY_BACKLOG: "Run `pvs6_supervisor.py check` to test each delivery target's settings, and "
    "`pvs6_supervisor.py status` to see each queue; the readings are kept and delivered once it works.",
}


def title(event: Event) -> str:
    return TITLES.get(event.kind, event.kind).format(name=mask_serial(event.serial))


def subject(event: Event) -> str:
    """'[PVS6] Inverter E00…1392 down: 0 W vs 287 W median', 'Resolved: …', 'Still: …'."""
    what = title(event)
    if event.event == "resolved":
        return f"[PVS6] Resolved: {what}"
    prefix = "Still: " if event.event == "reminder" else ""
    return f"[PVS6] {prefix}{what}" + (f": {event.detail}" if event.detail else "")


def _bars(reading: Reading | None, serial: str | None) -> tuple[list[str], str]:
    """Text lines and an HTML table: one bar per inverter, the affected one in red."""
    if reading is None or not reading.devices.inverters:
        return [], ""
    peak = max((inv.power_kw or 0.0 for inv in reading.devices.inverters), default=0.0) or 1.0
    lines, rows = [], []
    for inv in reading.devices.inverters:
        watts = "?" if inv.power_kw is None else f"{inv.power_kw * 1000:.0f} W"
        share = max(0.0, min(1.0, (inv.power_kw or 0.0) / peak))
        mark = " <--" if inv.serial == serial else ""
        lines.append(f"  {mask_serial(inv.serial):<9} {inv.state or '?':<8} {watts:>7} {'#' * round(share * 30)}{mark}")
        colour = "#d9534f" if inv.serial == serial else "#5b9bd5"
        rows.append(
            f"<tr><td style='font-family:monospace;padding-right:8px'>{escape(mask_serial(inv.serial))}</td>"
            f"<td style='padding-right:8px'>{escape(inv.state or '?')}</td>"
            f"<td style='text-align:right;padding-right:8px'>{escape(watts)}</td>"
            f"<td style='width:300px'><div style='background:{colour};height:12px;width:{share * 100:.0f}%'></div>"
            f"</td></tr>"
        )
    return lines, "<table style='border-collapse:collapse;font-size:13px'>" + "".join(rows) + "</table>"


def _trend(history: list[tuple[float, float | None]], zone: tzinfo) -> tuple[str, str]:
    """The affected inverter's recent output: a text line and a row of HTML columns."""
    if not history:
        return "", ""
    peak = max((kw or 0.0 for _, kw in history), default=0.0) or 1.0
    first = datetime.fromtimestamp(history[0][0], timezone.utc)
    last = datetime.fromtimestamp(history[-1][0], timezone.utc)
    span = f"{local_timestamp(first, zone)} to {local_timestamp(last, zone)}"
    text = "Recent output (W): " + " ".join("?" if kw is None else f"{kw * 1000:.0f}" for _, kw in history)
    columns = "".join(
        f"<div title='{'?' if kw is None else f'{kw * 1000:.0f} W'}' style='display:inline-block;width:8px;"
        f"margin-right:1px;background:#d9534f;height:{max(1, round((kw or 0.0) / peak * 60))}px'></div>"
        for _, kw in history
    )
    html = (
        f"<p>Recent output of this inverter ({escape(span)}, peak {peak * 1000:.0f} W):</p>"
        f"<div style='height:62px;border-bottom:1px solid #999;display:flex;align-items:flex-end'>{columns}</div>"
    )
    return f"{text}\n  ({span})", html


def compose(
    event: Event,
    sender: str,
    recipients: tuple[str, ...],
    zone: tzinfo,
    reading: Reading | None = None,
    history: list[tuple[float, float | None]] | None = None,
) -> EmailMessage:
    """The whole email for one event."""
    message = EmailMessage()
    message["Subject"] = subject(event)
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    message["Date"] = format_datetime(event.time)
    message["Message-ID"] = make_msgid(domain="pvs6-supervisor.invalid")
    when = local_timestamp(event.time, zone)
    advice = "" if event.event == "resolved" else ADVICE.get(event.kind, "")
    bar_lines, bar_html = _bars(reading, event.serial)
    trend_text, trend_html = _trend(history or [], zone)

    text = [event.message, "", f"At {when}.", ""]
    if advice:
        text += [advice, ""]
    if bar_lines:
        text += ["Every inverter now:", *bar_lines, ""]
    if trend_text:
        text += [trend_text, ""]
    text.append("-- pvs6-supervisor")
    message.set_content("\n".join(text))

    html = [f"<p><b>{escape(event.message)}</b></p>", f"<p>At {escape(when)}.</p>"]
    if advice:
        html.append(f"<p>{escape(advice)}</p>")
    if bar_html:
        html += ["<p>Every inverter now:</p>", bar_html]
    if trend_html:
        html.append(trend_html)
    html.append("<p style='color:#777'>-- pvs6-supervisor</p>")
    message.add_alternative("<html><body>" + "".join(html) + "</body></html>", subtype="html")
    return message


def compose_digest(
    events: list[Event],
    sender: str,
    recipients: tuple[str, ...],
    zone: tzinfo,
    reading: Reading | None = None,
) -> EmailMessage:
    """One email for several events of the same cycle (a tripped breaker takes down a whole string)."""
    first = compose(events[0], sender, recipients, zone, reading)
    names = "; ".join(subject(e).removeprefix("[PVS6] ") for e in events)
    digest = EmailMessage()
    for header in ("From", "To", "Date", "Message-ID"):
        digest[header] = first[header]
    digest["Subject"] = f"[PVS6] {len(events)} alerts: {names if len(names) <= 120 else names[:119] + '…'}"
    when = local_timestamp(events[0].time, zone)
    bar_lines, bar_html = _bars(reading, None)
    text = [f"At {when}:", ""]
    text += [f"- {subject(e).removeprefix('[PVS6] ')}\n  {e.message}" for e in events]
    if bar_lines:
        text += ["", "Every inverter now:", *bar_lines]
    text += ["", "-- pvs6-supervisor"]
    digest.set_content("\n".join(text))
    items = "".join(
        f"<li><b>{escape(subject(e).removeprefix('[PVS6] '))}</b><br>{escape(e.message)}</li>" for e in events
    )
    html = f"<p>At {escape(when)}:</p><ul>{items}</ul>"
    if bar_html:
        html += "<p>Every inverter now:</p>" + bar_html
    digest.add_alternative(
        f"<html><body>{html}<p style='color:#777'>-- pvs6-supervisor</p></body></html>", subtype="html"
    )
    return digest


def trial_message(sender: str, recipients: tuple[str, ...], now: datetime) -> EmailMessage:
    """The email `check --send-test-email` sends."""
    message = EmailMessage()
    message["Subject"] = "[PVS6] Test email from pvs6-supervisor"
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    message["Date"] = format_datetime(now)
    message.set_content("This is a test. Alerts from pvs6-supervisor will reach this address.\n")
    return message
