"""The summary email (SUMMARY_EMAIL=daily|weekly): the period's energy, each inverter's share against the
median as HTML table bars (mail clients do not render SVG) with a plain-text part, active alerts and data
health. Pure: built from daily.csv rows; the caller queues it in the alert email outbox.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta, tzinfo
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from html import escape

from pvs6sup.core.rollup import SITE
from pvs6sup.core.rollup_records import DailyRow
from pvs6sup.report.data import AlertItem, SinkFreshness, median, total

LOW, FAIR = 0.8, 0.95  # share of the median below which a bar is red, amber


def period(mode: str, now: datetime, zone: tzinfo, hour: int, last_sent: date | None) -> tuple[date, date] | None:
    """The (first, last) day a summary is due for now, or None: daily after SUMMARY_HOUR for yesterday;
    weekly on Mondays for the 7 days to Sunday. `last_sent` is the last day of the last summary queued."""
    local = now.astimezone(zone)
    if mode not in ("daily", "weekly") or local.hour < hour:
        return None
    last = local.date() - timedelta(days=1)
    if mode == "weekly" and local.weekday() != 0:
        return None
    if last_sent is not None and last_sent >= last:
        return None
    return (last - timedelta(days=6) if mode == "weekly" else last), last


def compose_summary(
    first: date,
    last: date,
    rows: Sequence[DailyRow],
    alerts: Sequence[AlertItem],
    sinks: Sequence[SinkFreshness],
    *,
    site_name: str,
    sender: str,
    recipients: tuple[str, ...],
    now: datetime,
    zone: tzinfo,
    cycle_minutes: int = 5,
) -> EmailMessage:
    """The summary of the days first..last (daily.csv rows; others are ignored)."""
    mine = [r for r in rows if first <= r.day <= last]
    days = (last - first).days + 1
    span = f"{last:%a %d %b}" if days == 1 else f"{first:%d %b} – {last:%d %b}"
    site = total([r.energy_kwh for r in mine if r.serial == SITE])
    per: dict[str, float | None] = {}
    for serial in sorted({r.serial for r in mine if r.serial != SITE}):
        per[serial] = total([r.energy_kwh for r in mine if r.serial == serial])
    mid = median(list(per.values()))
    active = [a for a in alerts if a.resolved_at is None]
    low = [s for s, kwh in per.items() if mid and kwh is not None and kwh < LOW * mid]
    trouble = len(set(low) | {a.serial for a in active if a.serial}) + sum(1 for a in active if not a.serial)
    energy = "unknown" if site is None else f"{site:.1f} kWh"
    verdict = "all well" if not trouble else f"{trouble} thing{'s' if trouble > 1 else ''} to look at"

    message = EmailMessage()
    message["Subject"] = f"[PVS6] {site_name}, {span}: {energy}, {verdict}"
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    message["Date"] = format_datetime(now)
    message["Message-ID"] = make_msgid(domain="pvs6-supervisor.invalid")

    health = _health(mine, sinks, days, cycle_minutes)
    text = [f"{site_name}, {span}: the site made {energy}.", ""]
    html = [f"<p><b>{escape(site_name)}, {escape(span)}</b>: the site made <b>{escape(energy)}</b>.</p>"]
    if per:
        text.append("Each inverter against the median:")
        top = max([v for v in per.values() if v is not None], default=0.0)
        bars = []
        for serial, kwh in per.items():
            share = kwh / mid if kwh is not None and mid else None
            shown = "no data" if kwh is None else f"{kwh:.2f} kWh" + ("" if share is None else f", {100 * share:.0f} %")
            text.append(f"  {serial}  {_text_bar(kwh, top)}  {shown}")
            bars.append(_html_bar(serial, kwh, top, share, shown))
        html.append('<table cellpadding="2" cellspacing="0" style="border-collapse:collapse;font-size:13px">')
        html += [*bars, "</table>"]
        text.append("")
    text.append("Active alerts:" if active else "No active alert.")
    html.append("<p><b>Active alerts</b></p><ul>" if active else "<p>No active alert.</p>")
    for a in active:
        since = a.raised_at.astimezone(zone).strftime("%d %b %H:%M")
        text.append(f"  - {a.message} (since {since})" + (f"\n    {a.note}" if a.note else ""))
        html.append(
            f"<li>{escape(a.message)} (since {escape(since)})" + (f"<br>{escape(a.note)}" if a.note else "") + "</li>"
        )
    if active:
        html.append("</ul>")
    text += ["", "Data health:", *(f"  - {h}" for h in health), "", "-- pvs6-supervisor"]
    html += ["<p><b>Data health</b></p><ul>", *(f"<li>{escape(h)}</li>" for h in health), "</ul>"]
    message.set_content("\n".join(text))
    message.add_alternative("\n".join(html), subtype="html")
    return message


def _text_bar(kwh: float | None, top: float) -> str:
    width = 0 if kwh is None or top <= 0 else round(20 * kwh / top)
    return ("#" * width).ljust(20, ".")


def _html_bar(serial: str, kwh: float | None, top: float, share: float | None, shown: str) -> str:
    percent = 0 if kwh is None or top <= 0 else max(1, round(100 * kwh / top))
    colour = "#c8c8c8" if share is None else "#a50026" if share < LOW else "#f4a742" if share < FAIR else "#1a9850"
    bar = (
        f'<table width="200" cellpadding="0" cellspacing="0"><tr><td width="{percent}%" '
        f'style="background:{colour};height:12px"></td><td></td></tr></table>'
        if percent
        else ""
    )
    return f"<tr><td>{escape(serial)}</td><td>{bar}</td><td>{escape(shown)}</td></tr>"


def _health(rows: Sequence[DailyRow], sinks: Sequence[SinkFreshness], days: int, cycle_minutes: int) -> list[str]:
    site = [r for r in rows if r.serial == SITE]
    expected = days * 24 * 60 // cycle_minutes
    readings = sum(r.readings for r in site)
    failures = [r.pvs_failures for r in site]
    told = [f"{readings} of {expected} readings recorded (one every {cycle_minutes} minutes)"]
    if None in failures or not site:
        told.append("PVS errors: unknown for some days (rebuilt from the CSVs)")
    else:
        told.append(f"PVS errors: {sum(f or 0 for f in failures)} cycles without an answer")
    gaps = sorted({r.serial for r in rows if r.serial != SITE and r.no_data})
    if gaps:
        told.append(f"inverters with readings missing: {', '.join(gaps)}")
    glitches = sum(r.excluded for r in rows)
    if glitches:
        told.append(f"{glitches} lifetime values excluded as glitches (see daily.csv, excluded_why)")
    for sink in sinks:
        if sink.waiting:
            told.append(f"{sink.name}: {sink.waiting} readings waiting to be delivered")
    return told
