"""The alert email: subject, plain text, and an HTML part with bar charts in plain HTML/CSS. Pure."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timezone, tzinfo
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from html import escape

from pvs6sup.alerts import detectors
from pvs6sup.alerts.diagnosis import energy_text
from pvs6sup.alerts.incidents import Event
from pvs6sup.core.models import Reading
from pvs6sup.core.texts import (
    clock_text,
    duration_text,
    is_night,
    short_serial,
    short_serials,
    state_text,
    watts_text,
    when_text,
)

Trend = tuple[float, float | None, float | None]  # (epoch s, this inverter's kW, its siblings' median kW)
TITLES = {
    detectors.OFFLINE: "Inverter {name} down",
    detectors.UNDERPERFORMING: "Inverter {name} underperforming",
    detectors.PVS_UNREACHABLE: "PVS not answering",
    detectors.NO_PRODUCTION: "No solar production",
    detectors.DELIVERY_BACKLOG: "Delivery behind",
    detectors.INVERTERS_STALLED: "PVS not hearing the inverters",
    detectors.METERS_STALLED: "PVS meters frozen",
}
RESTART = (
    "Restart the PVS: switch off the breaker that feeds it in the main panel (often labelled PVS or solar "
    "monitoring) for 30 seconds, then back on. It starts in about 10 minutes and these readings should move "
    "again within the hour; this alert then resolves on its own. "
)
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
    detectors.INVERTERS_STALLED: RESTART + "Only the readings stand still: the panels most likely keep "
    "producing. If it stalls again, ask your installer to check the PVS's link to the inverters and its firmware.",
    detectors.METERS_STALLED: RESTART + "The inverters' own figures are fine; production, consumption and grid "
    "figures are stale until then. If it stalls again, ask your installer to check the meters' wiring in the PVS.",
}


def title(event: Event) -> str:
    return TITLES.get(event.kind, event.kind).format(name=short_serial(event.serial))


def _tag(site_name: str) -> str:
    """The subject's start, with the site's name (as the summary email's) so that two sites share one inbox."""
    return f"[PVS6] {site_name}:" if site_name else "[PVS6]"


def subject(event: Event, site_name: str = "") -> str:
    """'[PVS6] home: Inverter E00…1392 down: 0 W vs 287 W median', 'Resolved: …', 'Still: …'."""
    what = title(event)
    if event.event == "resolved":
        return f"{_tag(site_name)} Resolved: {what}"
    prefix = "Still: " if event.event == "reminder" else ""
    return f"{_tag(site_name)} {prefix}{what}" + (f": {event.detail}" if event.detail else "")


def _bars(reading: Reading | None, serial: str | None, zone: tzinfo) -> tuple[list[str], str]:
    """Text lines and an HTML table: one bar per inverter, the affected one's row highlighted."""
    if reading is None or not reading.devices.inverters:
        return [], ""
    when = when_text(reading.fetched_at, zone)
    names = short_serials(inv.serial for inv in reading.devices.inverters)
    peak = max((inv.power_kw or 0.0 for inv in reading.devices.inverters), default=0.0)
    lines, rows = [f"Every inverter at {when}:"], []
    night = is_night(inv.power_kw for inv in reading.devices.inverters)
    for inv in reading.devices.inverters:
        watts = watts_text(inv.power_kw)
        share = max(0.0, min(1.0, (inv.power_kw or 0.0) / peak)) if peak > 0 else 0.0
        mine = inv.serial == serial
        mark = " <-- this one" if mine else ""
        state = state_text(inv.state, night)
        lines.append(f"  {names[inv.serial]:<9} {state:<8} {watts:>7} {'#' * round(share * 30)}{mark}")
        colour = "#d9534f" if mine else "#5b9bd5"
        row_style = " style='background:#fdecea;font-weight:bold'" if mine else ""
        rows.append(
            f"<tr{row_style}><td style='font-family:monospace;padding:2px 8px 2px 4px;white-space:nowrap'>"
            f"{escape(names[inv.serial])}{' ◀' if mine else ''}</td>"
            f"<td style='padding-right:8px;white-space:nowrap'>{escape(state)}</td>"
            f"<td style='text-align:right;padding-right:8px;white-space:nowrap'>{escape(watts)}</td>"
            f"<td style='width:60%'><div style='background:{colour};height:12px;width:{share * 100:.0f}%'></div>"
            f"</td></tr>"
        )
    table = "<table style='border-collapse:collapse;font-size:13px;width:100%;max-width:560px'>" + "".join(rows)
    return lines, f"<p>Every inverter at {escape(when)}:</p>{table}</table>"


def _trend(history: Sequence[Trend], zone: tzinfo) -> tuple[str, str]:
    """The affected inverter's recent output beside its siblings' (their median): text and HTML columns."""
    if not history:
        return "", ""
    own = [row[1] for row in history]
    siblings = [row[2] if len(row) > 2 else None for row in history]  # an older caller: no reference
    peak = max((kw or 0.0 for kw in (*own, *siblings)), default=0.0)
    first = datetime.fromtimestamp(history[0][0], timezone.utc)
    last = datetime.fromtimestamp(history[-1][0], timezone.utc)
    same_day = first.astimezone(zone).date() == last.astimezone(zone).date()
    end = clock_text(last, zone) if same_day else when_text(last, zone)
    span = f"{when_text(first, zone)} to {end}"
    own_peak = max((kw or 0.0 for kw in own), default=0.0)
    sibling_peak = max((kw or 0.0 for kw in siblings), default=0.0)
    summary = f"its best {watts_text(own_peak)}" if own_peak > 0 else "it made nothing"
    if any(kw is not None for kw in siblings):
        summary += f"; its siblings' median reached {watts_text(sibling_peak)}"
    text = f"Recent output, {span} ({summary}):\n  this one (W): " + " ".join(
        "?" if kw is None else f"{kw * 1000:.0f}" for kw in own
    )
    if any(kw is not None for kw in siblings):
        text += "\n  siblings' median (W): " + " ".join("?" if kw is None else f"{kw * 1000:.0f}" for kw in siblings)

    def bar(kw: float | None, colour: str) -> str:
        height = max(1, round((kw or 0.0) / peak * 60)) if peak > 0 else 1
        return f"<div style='width:3px;background:{colour};height:{height}px'></div>"

    columns = "".join(
        f"<div title='{escape(clock_text(datetime.fromtimestamp(row[0], timezone.utc), zone))}: this one "
        f"{watts_text(mine)}, siblings {watts_text(theirs)}' style='display:flex;align-items:flex-end;gap:0;"
        f"margin-right:1px;flex:1 1 0;min-width:2px;max-width:8px'>{bar(theirs, '#b8c4d0')}{bar(mine, '#d9534f')}</div>"
        for row, mine, theirs in zip(history, own, siblings, strict=True)
    )
    keys = (
        "<span style='display:inline-block;width:10px;height:10px;background:#d9534f'></span> this one "
        "<span style='display:inline-block;width:10px;height:10px;background:#b8c4d0;margin-left:8px'></span> "
        "its siblings' median"
    )
    html = (
        f"<p>Recent output, {escape(span)} ({escape(summary)}):</p>"
        f"<div style='height:62px;max-width:560px;border-bottom:1px solid #999;display:flex;align-items:flex-end'>"
        f"{columns}</div><p style='font-size:12px;color:#555'>{keys}</p>"
    )
    return text, html


def findings(event: Event, price: float | None = None) -> list[str]:
    """The likely cause with its figures, and the energy lost (in money too with a price per kWh): a line each."""
    lines = [event.evidence] if event.evidence else []  # its sentences say "most likely", or that it is unknown
    if event.lost_kwh is not None:
        since = event.raised_at or event.time
        lines.append(energy_text(event.lost_kwh, (event.time - since).total_seconds() / 86400, price))
    return lines


def compose(
    event: Event,
    sender: str,
    recipients: tuple[str, ...],
    zone: tzinfo,
    reading: Reading | None = None,
    history: Sequence[Trend] | None = None,
    site_name: str = "",
    price: float | None = None,
) -> EmailMessage:
    """The whole email for one event: the message and detail as the detector gave them, in a person's words
    around them (local times, durations), the likely cause and the energy lost (in money with `price` per kWh),
    the affected inverter marked in the table and the trend."""
    message = EmailMessage()
    message["Subject"] = subject(event, site_name)
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    message["Date"] = format_datetime(event.time)
    message["Message-ID"] = make_msgid(domain="pvs6-supervisor.invalid")
    when = _when_line(event, zone)
    advice = "" if event.event == "resolved" else ADVICE.get(event.kind, "")
    bar_lines, bar_html = _bars(reading, event.serial, zone)
    trend_text, trend_html = _trend(history or [], zone)
    where = f" at {site_name}" if site_name else ""

    found = findings(event, price)
    text = [event.message, "", f"{when}{where}.", ""]
    if found:
        text += [*found, ""]
    if advice:
        text += [advice, ""]
    if bar_lines:
        text += [*bar_lines, ""]
    if trend_text:
        text += [trend_text, ""]
    text.append("-- pvs6-supervisor")
    message.set_content("\n".join(text))

    html = [
        "<html><head><meta name='viewport' content='width=device-width, initial-scale=1'></head>",
        "<body style='font:14px/1.45 system-ui,sans-serif;color:#1d232a;max-width:640px;margin:0;padding:8px'>",
        f"<p><b>{escape(event.message)}</b></p>",
        f"<p>{escape(when + where)}.</p>",
    ]
    html += [f"<p>{escape(line)}</p>" for line in found]
    if advice:
        html.append(f"<p>{escape(advice)}</p>")
    if bar_html:
        html.append(bar_html)
    if trend_html:
        html.append(trend_html)
    html.append("<p style='color:#777'>-- pvs6-supervisor</p></body></html>")
    message.add_alternative("".join(html), subtype="html")
    return message


def _when_line(event: Event, zone: tzinfo) -> str:
    """'Raised Sun 21 Jun, 09:25'; a reminder or a resolution also says when it began and how long ago."""
    if event.event == "raised" or event.raised_at is None:
        return f"Raised {when_text(event.time, zone)}"
    lasted = duration_text((event.time - event.raised_at).total_seconds())
    if event.event == "resolved":
        raised = when_text(event.raised_at, zone)
        return f"Resolved {when_text(event.time, zone)}, {lasted} after it was raised ({raised})"
    return f"Raised {when_text(event.raised_at, zone)}, {lasted} ago; still so at {when_text(event.time, zone)}"


def compose_digest(
    events: list[Event],
    sender: str,
    recipients: tuple[str, ...],
    zone: tzinfo,
    reading: Reading | None = None,
    site_name: str = "",
    price: float | None = None,
) -> EmailMessage:
    """One email for several events of the same cycle (a tripped breaker takes down a whole string)."""
    first = compose(events[0], sender, recipients, zone, reading, site_name=site_name)
    tag = _tag(site_name) + " "
    names = "; ".join(subject(e).removeprefix("[PVS6] ") for e in events)
    digest = EmailMessage()
    for header in ("From", "To", "Date", "Message-ID"):
        digest[header] = first[header]
    digest["Subject"] = f"{tag}{len(events)} alerts: {names if len(names) <= 120 else names[:119] + '…'}"
    when = when_text(events[0].time, zone)
    bar_lines, bar_html = _bars(reading, None, zone)
    text = [f"{when}:", ""]
    text += [
        f"- {subject(e).removeprefix('[PVS6] ')}\n  " + "\n  ".join([e.message, *findings(e, price)]) for e in events
    ]
    if bar_lines:
        text += ["", *bar_lines]
    text += ["", "-- pvs6-supervisor"]
    digest.set_content("\n".join(text))
    items = "".join(
        f"<li><b>{escape(subject(e).removeprefix('[PVS6] '))}</b><br>"
        + "<br>".join(escape(line) for line in [e.message, *findings(e, price)])
        + "</li>"
        for e in events
    )
    html = f"<p>{escape(when)}:</p><ul>{items}</ul>"
    if bar_html:
        html += bar_html
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
