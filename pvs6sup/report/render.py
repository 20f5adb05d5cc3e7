"""The HTML report: one self-contained page (inline CSS and SVG; no script, network or font). Pure.

Sections: a one-line verdict, Today (power over the day with cloud cover), the roof (report/roof_map.py), the
array heatmap (one row per inverter in INVERTER_LAYOUT order, one column per day, coloured by the day's energy
against the best sibling), the per-inverter table, the learned normal, each inverter's trend, alerts and
freshness.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from html import escape

from pvs6sup.core.texts import age_text, fixed_text, is_night, short_serials, state_text, when_text
from pvs6sup.report.colours import NO_DATA, colour, key_swatches
from pvs6sup.report.data import AlertItem, DayPoint, ReportData, active_alert_serials, arrange, median, ratios, total
from pvs6sup.report.normal_section import normal_section
from pvs6sup.report.roof_map import roof_section
from pvs6sup.report.trend_section import trend_section

# Energy against the best sibling: red (nothing) through amber to green (as good as the best).
TILE, GAP, LABEL_W, HEAD_H, ROW_GAP = 14, 2, 78, 34, 6  # LABEL_W: a short serial at 11 px
LOW_RATIO = 0.8  # in the table, an inverter below this share of the median is marked

CSS = """
*{box-sizing:border-box}
body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d232a;background:#f3f5f7}
main{max-width:980px;margin:0 auto;padding:12px}
h1{font-size:1.35em;margin:.2em 0}h2{font-size:1.1em;margin:0 0 .5em}
section{background:#fff;border-radius:8px;padding:12px 14px;margin:12px 0;box-shadow:0 1px 2px #0002}
.verdict{font-size:1.1em;padding:10px 14px;border-radius:8px;background:#e7f5ea;border-left:6px solid #1a9850}
.verdict.bad{background:#fdecea;border-left-color:#a50026}
.muted{color:#5b6670;font-size:.88em}
svg{display:block;width:100%;height:auto;max-width:100%}
svg text{font:11px system-ui,sans-serif;fill:#333}
.scroll{overflow-x:auto}
.recent{direction:rtl}.recent svg{direction:ltr}  /* a narrow screen scrolls to show the newest days */
.heat{display:flex;align-items:flex-start}.heat .scroll{flex:0 1 auto;min-width:0}
.heat svg{width:auto;max-width:none;flex:none}  /* tiles at their size; the labels stay while they scroll */
th:first-child,td:first-child{position:sticky;left:0;background:#fff}  /* the serial stays in view */
tr.low td:first-child{background:#fdecea}
table{border-collapse:collapse;width:100%;font-size:.92em}
th,td{padding:4px 8px;text-align:right;border-bottom:1px solid #e3e6ea;white-space:nowrap}
th:first-child,td:first-child{text-align:left}
tr.low td{background:#fdecea}
ul{padding-left:1.2em;margin:.3em 0}
@media (max-width:600px){main{padding:6px}section{padding:10px 8px}th,td{padding:3px 5px}body{font-size:14px}}
.key{display:inline-block;width:12px;height:12px;vertical-align:-1px;margin:0 3px 0 10px;border-radius:2px}
"""


def _num(value: float | None, places: int = 1, unit: str = "") -> str:
    if value is None:
        return "–"
    return fixed_text(value, places) + unit  # never "-0.00"


def _when(moment: datetime | None, data: ReportData) -> str:
    if moment is None:
        return "never"
    local = moment.astimezone(data.zone)
    today = data.generated_at.astimezone(data.zone).date()
    text = local.strftime("%H:%M") if local.date() == today else when_text(moment, data.zone)
    return f"{text} ({age_text((data.generated_at - moment).total_seconds())} ago)"


def render_report(data: ReportData) -> str:
    """The report page as HTML text."""
    generated = data.generated_at.astimezone(data.zone)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(data.site_name)}: solar report</title>",
        f"<style>{CSS}</style></head><body><main>",
        f"<h1>{escape(data.site_name)}</h1>",
        f'<p class="muted">Report of {generated.strftime("%A %d %B %Y, %H:%M %Z")}</p>',
        _verdict(data),
        _today(data),
        roof_section(data),
        _heatmap(data),
        _table(data),
        normal_section(data),
        trend_section(data),
        _alerts(data),
        _freshness(data),
        "</main></body></html>",
    ]
    return "\n".join(parts) + "\n"


def _week(data: ReportData, serial: str) -> float | None:
    return total([data.energy_kwh.get(serial, {}).get(d) for d in data.days[-7:]])


def _verdict(data: ReportData) -> str:
    weeks = {inv.serial: _week(data, inv.serial) for inv in data.inverters}
    mid = median(list(weeks.values()))
    active = [a for a in data.alerts if a.resolved_at is None]
    low = sorted(s for s, kwh in weeks.items() if mid and kwh is not None and kwh < LOW_RATIO * mid)
    count = len(data.inverters)
    if not active and not low:
        today = total([p.production_kw for p in data.today]) is not None
        made = total([inv.today_kwh for inv in data.inverters])
        text = f"All {count} inverters look fine." + (f" Made {made:.1f} kWh today so far." if today and made else "")
        return f'<p class="verdict">{escape(text)}</p>'
    told = [f"{a.message} (since {_when(a.raised_at, data)})" for a in active]
    names = short_serials(weeks)
    told += [
        f"{names[s]} made {weeks[s] or 0:.1f} kWh in 7 days, {100 * (weeks[s] or 0) / mid:.0f} % of the median"
        for s in low
        if mid and not any(a.serial == s for a in active)
    ]
    items = "".join(f"<li>{escape(t)}</li>" for t in told)
    return f'<div class="verdict bad"><b>Needs a look:</b><ul>{items}</ul></div>'


# --- Today ----------------------------------------------------------------------------------------

SERIES = (
    ("production_kw", "production", "#e08a00"),
    ("consumption_kw", "consumption", "#2f6db5"),
    ("net_kw", "grid (+ import)", "#6b6b6b"),
)


def _today(data: ReportData) -> str:
    if not data.today:
        return '<section><h2>Today</h2><p class="muted">No reading recorded today yet.</p></section>'
    width, height, left, right, top, bottom = 480, 220, 30, 14, 10, 22
    start = datetime.combine(data.generated_at.astimezone(data.zone).date(), datetime.min.time(), data.zone)
    values = [v for p in data.today for v in (p.production_kw, p.consumption_kw, p.net_kw) if v is not None]
    high = max([1.0, *values]) * 1.1
    low = min([0.0, *values]) * 1.1
    plot_w, plot_h = width - left - right, height - top - bottom

    def x(moment: datetime) -> float:
        return left + plot_w * (moment - start).total_seconds() / 86400

    def y(kw: float) -> float:
        return top + plot_h * (high - kw) / (high - low)

    svg = [f'<svg viewBox="0 0 {width} {height}" style="max-width:760px" role="img" aria-label="Power over today">']
    cloud = [
        (x(p.at), top + plot_h * (1 - p.cloud_cover_pct / 100)) for p in data.today if p.cloud_cover_pct is not None
    ]
    if cloud:
        points = " ".join(f"{a:.1f},{b:.1f}" for a, b in cloud)
        base = top + plot_h
        svg.append(
            f'<polygon points="{cloud[0][0]:.1f},{base} {points} {cloud[-1][0]:.1f},{base}" '
            'fill="#9fb3c8" fill-opacity="0.2"/>'
        )
    for kw in _ticks(low, high):
        svg.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y(kw):.1f}" y2="{y(kw):.1f}" '
            f'stroke="{"#999" if kw == 0 else "#e3e6ea"}"/>'
        )
        svg.append(f'<text x="{left - 4}" y="{y(kw) + 4:.1f}" text-anchor="end">{kw:g}</text>')
    for hour in range(0, 24, 3):  # 24:00 would stand past the edge
        hx = x(start + timedelta(hours=hour))
        svg.append(f'<text x="{hx:.1f}" y="{height - 6}" text-anchor="middle">{hour:02d}:00</text>')
    for field, _, stroke in SERIES:
        for run in _runs(data.today, field):
            points = " ".join(f"{x(p.at):.1f},{y(v):.1f}" for p, v in run)
            svg.append(
                f'<polyline points="{points}" fill="none" stroke="{stroke}" stroke-width="2" stroke-linejoin="round"/>'
            )
    svg.append(f'<text x="{left}" y="{top + 10}">kW</text></svg>')
    keys = "".join(f'<span class="key" style="background:{c}"></span>{escape(name)}' for _, name, c in SERIES)
    keys += '<span class="key" style="background:#9fb3c8;opacity:.5"></span>cloud cover (0–100 %, background)'
    last = data.today[-1]
    now = (
        f"Now: production {_num(last.production_kw, 2, ' kW')}, consumption {_num(last.consumption_kw, 2, ' kW')}, "
        f"grid {_num(last.net_kw, 2, ' kW')}"
    )
    return f'<section><h2>Today</h2><p>{escape(now)}</p>{"".join(svg)}<p class="muted">{keys}</p></section>'


def _ticks(low: float, high: float) -> list[float]:
    span = high - low
    step = next(s for s in (0.25, 0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500) if span / s <= 6)
    first = int(low // step) * step
    return [round(first + i * step, 2) for i in range(int(span / step) + 2) if low <= first + i * step <= high]


def _runs(points: tuple[DayPoint, ...], field: str) -> list[list[tuple[DayPoint, float]]]:
    """Consecutive known values; a line breaks at an unknown value or a gap of over 20 minutes."""
    runs: list[list[tuple[DayPoint, float]]] = []
    previous: DayPoint | None = None
    for p in points:
        value = getattr(p, field)
        if value is None:
            previous = None
            continue
        if previous is None or (p.at - previous.at) > timedelta(minutes=20):
            runs.append([])
        runs[-1].append((p, value))
        previous = p
    return runs


# --- the array heatmap ----------------------------------------------------------------------------


def heatmap_rows(data: ReportData) -> list[list[str]]:
    """The heatmap's inverters, as the roof's rows."""
    return arrange(list(data.energy_kwh) + [inv.serial for inv in data.inverters], data.layout)


def _heatmap(data: ReportData) -> str:
    roof = heatmap_rows(data)
    serials = [s for row in roof for s in row]
    if not serials:
        return '<section><h2>Array</h2><p class="muted">No inverter seen yet.</p></section>'
    by_day = {d: ratios(data.energy_kwh, d, data.groups) for d in data.days}
    alerted = active_alert_serials(data.alerts)
    step = TILE + GAP
    width = step * len(data.days) + 4
    height = HEAD_H + step * len(serials) + ROW_GAP * (len(roof) - 1) + 4
    names = short_serials(serials)
    # Two pictures of the same rows: the labels stay put while the days scroll under a phone's width.
    labels = [
        f'<svg class="labels" viewBox="0 0 {LABEL_W} {height}" width="{LABEL_W}" height="{height}" '
        f'style="width:{LABEL_W}px;height:{height}px" role="img" aria-label="Inverters">'
    ]
    svg = [
        f'<svg viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'style="width:{width}px;height:{height}px" role="img" aria-label="Array heatmap">',
        '<defs><pattern id="hatch" width="5" height="5" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
        '<rect width="2" height="5" fill="#000" fill-opacity="0.55"/></pattern></defs>',
    ]
    for column, day in enumerate(data.days):
        if column % 7 == (len(data.days) - 1) % 7:
            label = "today" if column == len(data.days) - 1 else day.strftime("%b %d")
            cx = min(max(column * step + TILE / 2, 18), width - 18)
            svg.append(f'<text x="{cx:.0f}" y="{HEAD_H - 8}" text-anchor="middle">{label}</text>')
    y = HEAD_H
    for roof_row in roof:
        for serial in roof_row:
            labels.append(
                f'<text x="{LABEL_W - 6}" y="{y + TILE - 3}" text-anchor="end"><title>{escape(serial)}</title>'
                f"{escape(names[serial])}</text>"
            )
            svg.append(f'<g class="inverter" data-serial="{escape(serial)}">')
            since = alerted.get(serial)
            for column, day in enumerate(data.days):
                ratio = by_day[day].get(serial)
                kwh = data.energy_kwh.get(serial, {}).get(day)
                tx = column * step
                title = f"{serial} {day.isoformat()}: " + (
                    "no data"
                    if kwh is None
                    else f"{kwh:.2f} kWh" + ("" if ratio is None else f", {100 * ratio:.0f} % of the best")
                )
                svg.append(
                    f'<rect x="{tx}" y="{y}" width="{TILE}" height="{TILE}" fill="{colour(ratio)}">'
                    f"<title>{escape(title)}</title></rect>"
                )
                if since is not None and day >= since.astimezone(data.zone).date():
                    svg.append(f'<rect x="{tx}" y="{y}" width="{TILE}" height="{TILE}" fill="url(#hatch)"/>')
            svg.append("</g>")
            y += step
        y += ROW_GAP
    svg.append("</svg>")
    labels.append("</svg>")
    keys = key_swatches()
    keys += f'<span class="key" style="background:{NO_DATA}"></span>no data'
    hatch = "repeating-linear-gradient(45deg,#555 0 2px,#ddd 2px 4px)"
    keys += f'<span class="key" style="background:{hatch}"></span>active alert'
    layout = "rows as INVERTER_LAYOUT" if data.layout else "by serial (set INVERTER_LAYOUT to draw the roof's rows)"
    return (
        f"<section><h2>Array, last {len(data.days)} days</h2>"
        f'<p class="muted">One row per inverter ({layout}), one column per day. Colour: the day\'s energy '
        f"against the best sibling that day.</p>"
        f'<div class="heat">{"".join(labels)}<div class="scroll recent">{"".join(svg)}</div></div>'
        f'<p class="muted">{keys}</p></section>'
    )


# --- table, alerts, freshness ---------------------------------------------------------------------


def _table(data: ReportData) -> str:
    if not data.inverters:
        return ""
    weeks = {inv.serial: _week(data, inv.serial) for inv in data.inverters}
    mid = median(list(weeks.values()))
    order = {s: i for i, s in enumerate(s for row in heatmap_rows(data) for s in row)}
    last = data.today[-1] if data.today else None
    night = last is not None and is_night([last.production_kw])
    rows = []
    for inv in sorted(data.inverters, key=lambda i: order.get(i.serial, len(order))):
        week = weeks[inv.serial]
        ratio = week / mid if week is not None and mid else None
        low = ' class="low"' if ratio is not None and ratio < LOW_RATIO else ""
        cells = (  # the most telling first: on a phone, what is off the screen is the least needed
            escape(inv.serial),
            "–" if ratio is None else f"{100 * ratio:.0f} %",
            _num(inv.today_kwh, 2),
            _num(week, 1),
            escape(state_text(inv.state, night)),
            _num(inv.temperature_c, 0, " °C"),
            escape(_when(inv.reported_at, data)),
        )
        rows.append(f"<tr{low}>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    head = "".join(
        f"<th>{h}</th>" for h in ("Inverter", "vs median", "Today kWh", "7-day kWh", "State", "Temp", "Last report")
    )
    return (
        f'<section><h2>Inverters</h2><div class="scroll"><table><tr>{head}</tr>{"".join(rows)}</table></div></section>'
    )


def _alert_line(alert: AlertItem, data: ReportData) -> str:
    when = f"since {_when(alert.raised_at, data)}"
    if alert.resolved_at is not None:
        start, end = alert.raised_at.astimezone(data.zone), alert.resolved_at.astimezone(data.zone)
        when = f"{start:%b %d %H:%M} – {end:%b %d %H:%M}"
    note = f"<br>{escape(alert.note)}" if alert.note else ""
    return f'<li><b>{escape(alert.message)}</b> <span class="muted">{escape(when)}</span>{note}</li>'


def _alerts(data: ReportData) -> str:
    active = [a for a in data.alerts if a.resolved_at is None]
    recent = sorted((a for a in data.alerts if a.resolved_at is not None), key=lambda a: a.raised_at, reverse=True)
    body = (
        "<h3>Active</h3><ul>" + "".join(_alert_line(a, data) for a in active) + "</ul>"
        if active
        else "<p>No active alert.</p>"
    )
    if recent:
        body += "<h3>Recent</h3><ul>" + "".join(_alert_line(a, data) for a in recent) + "</ul>"
    return f"<section><h2>Alerts</h2>{body}</section>"


_ALARM = ' style="color:#b00;font-weight:bold"'


def _freshness(data: ReportData) -> str:
    rows = [f"<tr><td>Last recorded reading</td><td>{escape(_when(data.last_reading_at, data))}</td><td></td></tr>"]
    for sink in data.sinks:
        waiting = "–" if sink.waiting is None else f"{sink.waiting} waiting" if sink.waiting else "nothing waiting"
        rows.append(
            f"<tr><td>{escape(sink.name)}</td><td>{escape(_when(sink.delivered_at, data))}</td><td>{waiting}</td></tr>"
        )
    if not data.sinks:
        rows.append('<tr><td colspan="3" class="muted">No delivery target is set up (README, "Every sink").</td></tr>')
    rows += [
        f'<tr><td colspan="3"{_ALARM if line.startswith("✗") else ""}>{escape(line)}</td></tr>'
        for line in data.alert_delivery
    ]
    head = "<tr><th></th><th>Newest reading there</th><th>Queue</th></tr>"
    return f'<section><h2>Freshness</h2><div class="scroll"><table>{head}{"".join(rows)}</table></div></section>'


def heatmap_days(today: date, count: int) -> tuple[date, ...]:
    """The heatmap's columns: `count` days ending today, oldest first."""
    return tuple(today - timedelta(days=count - 1 - i) for i in range(count))
