"""The evidence page: one self-contained HTML page about one inverter that a person can email to an installer
(inline CSS and SVG; no script, network or font). Pure.

It says the serial, model, firmware and site, when the problem began, its likely cause with the figures behind
it, the energy lost, a daily chart against its siblings, a summary to copy, and the raw captures that show it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timezone, tzinfo
from html import escape

from pvs6sup.alerts.normal import median
from pvs6sup.core.texts import when_text
from pvs6sup.report.evidence import NORMAL, SIBLINGS, DayFigures, Evidence
from pvs6sup.report.render import CSS

WIDE, NARROW, H, LEFT, RIGHT, TOP, BOTTOM = 720, 380, 300, 46, 12, 16, 40  # NARROW: a phone's chart, text readable
OWN, EXPECTED, SIBS, BAND = "#a50026", "#2b6cb0", "#6b7680", "#e3e6ea"

EXTRA_CSS = """
dl.facts{display:grid;grid-template-columns:minmax(7em,max-content) 1fr;gap:4px 14px;margin:0}
dl.facts dt{color:#5b6670}dl.facts dd{margin:0;overflow-wrap:anywhere}
pre.copy{white-space:pre-wrap;overflow-wrap:anywhere;background:#f6f8fa;border:1px solid #e3e6ea;border-radius:6px;
padding:10px;font-size:.88em;margin:0}
.chart svg text{font-size:13px}.chart .narrow{display:none}
@media (max-width:600px){.chart .wide{display:none}.chart .narrow{display:block}}
.legend span{white-space:nowrap;margin-right:12px}
.line{display:inline-block;width:18px;height:0;border-top:3px solid;vertical-align:middle;margin-right:4px}
code{overflow-wrap:anywhere}
@media (max-width:600px){dl.facts{grid-template-columns:1fr}dl.facts dd{margin-bottom:6px}}
"""


def _kwh(value: float | None) -> str:
    """'0.04 kWh', '3.21 kWh', '42.5 kWh'."""
    if value is None:
        return "unknown"
    return f"{value:.2f} kWh" if value < 10 else f"{value:.1f} kWh"


def _pct(value: float | None) -> str:
    return "unknown" if value is None else f"{value * 100:.0f} %"


def began_text(ev: Evidence) -> str:
    if ev.began_at is None:
        return "not known (no alert has been raised for it)"
    said = _moment(ev.began_at)
    if ev.raised_at is not None and ev.raised_at != ev.began_at:
        said += f"; the alert was raised {when_text(ev.raised_at, _zone(ev))}"
    if ev.resolved_at is not None:
        said += f"; resolved {when_text(ev.resolved_at, _zone(ev))}"
    return said


def _moment(moment: datetime) -> str:
    """'Fri 19 Jun 2026, 09:00' in the moment's own zone (the site's)."""
    day, _, clock = when_text(moment, moment.tzinfo or timezone.utc).partition(", ")
    return f"{day} {moment.year}, {clock}"


def _zone(ev: Evidence) -> tzinfo:
    return ev.generated_at.tzinfo or timezone.utc


def summary_text(ev: Evidence) -> str:
    """The few lines an owner pastes into an email to the installer."""
    lines = [
        f"Site: {ev.site_name}" + (f" ({ev.location})" if ev.location else ""),
        f"Inverter serial: {ev.serial}",
        f"Model: {ev.model or 'not reported'}; firmware: {ev.firmware or 'not reported by the PVS'}",
        f"Problem began: {began_text(ev)}",
    ]
    if ev.cause:
        lines.append(f"Likely cause: {ev.cause}. {ev.why}".rstrip())
    usual, remaining = ev.usual(), ev.remaining()
    if remaining is not None:
        lines.append(f"Daily output since then: {_pct(remaining)} of what it should make (before: {_pct(usual)})")
    lost = [f"{_kwh(ev.lost_kwh)} counted by the alerts"] if ev.lost_kwh is not None else []
    by_day = ev.lost_by_day_kwh()
    if by_day is not None:
        lost.append(f"{_kwh(by_day)} by the daily figures")
    if lost:
        lines.append("Energy lost: " + "; ".join(lost))
    lines.append(f"Compared with: {len(ev.siblings)} inverters, {ev.siblings_how}")
    if ev.captures:
        lines.append("Raw PVS answers: " + "; ".join(f"{c.folder} ({c.count} files)" for c in ev.captures))
    return "\n".join(lines)


def render_evidence(ev: Evidence) -> str:
    """The page as HTML text."""
    title = f"Inverter {ev.serial}: evidence"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(ev.site_name)}: {escape(title)}</title>",
        f"<style>{CSS}{EXTRA_CSS}</style></head><body><main>",
        f"<h1>{escape(title)}</h1>",
        f'<p class="muted">{escape(ev.site_name)} · made {escape(_moment(ev.generated_at))} ({escape(ev.zone_name)}) '
        "by pvs6-supervisor from its own records</p>",
        _verdict(ev),
        _facts(ev),
        _chart_section(ev),
        '<section id="summary"><h2>To copy into an email</h2>'
        f'<pre class="copy">{escape(summary_text(ev))}</pre></section>',
        _captures(ev),
        _table(ev),
        _method(ev),
        "</main></body></html>",
    ]
    return "\n".join(parts) + "\n"


def _verdict(ev: Evidence) -> str:
    if not ev.kind:
        return '<p class="verdict">No alert has been raised for this inverter: the chart shows how it compares.</p>'
    cause = escape(ev.cause or "unknown")
    why = f" {escape(ev.why)}" if ev.why else ""
    state = "resolved" if ev.resolved_at else "active"
    return (
        f'<p class="verdict bad" id="cause"><b>Likely cause: {cause}.</b>{why}<br>'
        f'<span class="muted">Alert ({state}): {escape(ev.message)}</span></p>'
    )


def _facts(ev: Evidence) -> str:
    remaining, usual = ev.remaining(), ev.usual()
    rows = [
        ("Serial", f"<code>{escape(ev.serial)}</code>"),
        ("Model", escape(ev.model or "not reported")),
        ("Firmware", escape(ev.firmware or "not reported by the PVS")),
        ("Site", escape(ev.site_name + (f" ({ev.location})" if ev.location else ""))),
        ("Began", escape(began_text(ev))),
        ("Likely cause", escape(ev.cause or "unknown")),
        ("Energy lost", escape(_lost(ev))),
        ("Daily share", escape(f"{_pct(remaining)} since it began, {_pct(usual)} before")),
        ("Compared with", escape(f"{len(ev.siblings)} inverters, {ev.siblings_how}")),
    ]
    cells = "".join(f"<dt>{name}</dt><dd>{value}</dd>" for name, value in rows)
    return f'<section id="facts"><h2>Key figures</h2><dl class="facts">{cells}</dl></section>'


def _lost(ev: Evidence) -> str:
    said = []
    if ev.lost_kwh is not None:
        said.append(f"{_kwh(ev.lost_kwh)} counted by the alerts against its learned normal")
    by_day = ev.lost_by_day_kwh()
    if by_day is not None:
        said.append(f"{_kwh(by_day)} by the daily figures below")
    return "; ".join(said) or "unknown"


def _chart_section(ev: Evidence) -> str:
    legend = (
        f'<p class="legend muted"><span><i class="line" style="border-color:{OWN}"></i>this inverter</span>'
        f'<span><i class="line" style="border-color:{EXPECTED};border-top-style:dashed"></i>expected</span>'
        f'<span><i class="line" style="border-color:{SIBS}"></i>siblings\' median</span>'
        f'<span><i class="key" style="background:{BAND};margin-left:0"></i>siblings\' range</span></p>'
    )
    charts = chart(ev.days, ev.began_day) + chart(ev.days, ev.began_day, NARROW)
    return f'<section id="chart" class="chart"><h2>Daily energy (kWh)</h2>{charts}{legend}</section>'


def recorded(days: Sequence[DayFigures]) -> Sequence[DayFigures]:
    """The days from the first to the last with a figure recorded (a young site has fewer than --days)."""
    known = [i for i, d in enumerate(days) if d.own_kwh is not None or d.siblings_kwh is not None]
    return days[known[0] : known[-1] + 1] if known else ()


def _runs(points: Sequence[tuple[float, float | None]]) -> list[list[tuple[float, float]]]:
    runs: list[list[tuple[float, float]]] = [[]]
    for x, y in points:
        if y is None:
            if runs[-1]:
                runs.append([])
        else:
            runs[-1].append((x, y))
    return [run for run in runs if run]


def _ticks(high: float) -> list[float]:
    for step in (0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100):
        if high / step <= 5:
            return [step * i for i in range(int(high / step) + 1)]
    return [0.0, high]


def chart(days: Sequence[DayFigures], began: date | None, W: int = WIDE) -> str:  # noqa: N803 (the width, as SVG)
    """An SVG line chart of the days: the inverter, what it should have made, its siblings' median and range
    (class "wide", or "narrow" for a phone's screen)."""
    days = recorded(days)
    if not days:
        return '<p class="muted">No daily figures recorded in this period.</p>'
    values = [v for d in days for v in (d.own_kwh, d.expected_kwh, d.siblings_high_kwh) if v is not None]
    top = max(values, default=0.0) or 1.0
    ticks = _ticks(top * 1.08)
    high = max(ticks[-1], top * 1.05)
    first = days[0].day
    span = max(1, (days[-1].day - first).days)

    def x(day: date) -> float:
        return LEFT + (W - LEFT - RIGHT) * (day - first).days / span

    def y(kwh: float) -> float:
        return TOP + (H - TOP - BOTTOM) * (1 - kwh / high)

    size = "wide" if W == WIDE else "narrow"
    out = [f'<svg class="{size}" viewBox="0 0 {W} {H}" role="img" aria-label="daily energy against its siblings">']
    for tick in ticks:
        out.append(f'<line x1="{LEFT}" x2="{W - RIGHT}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" stroke="#e3e6ea"/>')
        out.append(f'<text x="{LEFT - 6}" y="{y(tick) + 4:.1f}" text-anchor="end">{tick:g}</text>')
    for run in _runs([(x(d.day), 0.0 if d.siblings_low_kwh is not None else None) for d in days]):
        xs = [px for px, _ in run]
        band = [(x(d.day), d) for d in days if xs[0] <= x(d.day) <= xs[-1]]
        upper = " ".join(f"{px:.1f},{y(d.siblings_high_kwh or 0.0):.1f}" for px, d in band)
        lower = " ".join(f"{px:.1f},{y(d.siblings_low_kwh or 0.0):.1f}" for px, d in reversed(band))
        out.append(f'<polygon points="{upper} {lower}" fill="{BAND}"/>')
    series = (
        ("siblings_kwh", SIBS, ""),
        ("expected_kwh", EXPECTED, ' stroke-dasharray="6 4"'),
        ("own_kwh", OWN, ""),
    )
    for name, colour, dash in series:
        for run in _runs([(x(d.day), getattr(d, name)) for d in days]):
            if len(run) == 1:
                px, py = run[0]
                out.append(f'<circle cx="{px:.1f}" cy="{y(py):.1f}" r="3" fill="{colour}"/>')
                continue
            points = " ".join(f"{px:.1f},{y(py):.1f}" for px, py in run)
            width = 3 if name == "own_kwh" else 2
            out.append(f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="{width}"{dash}/>')
    labels = [(first, "start"), (days[-1].day, "end")]
    if began is not None and first <= began <= days[-1].day:
        bx = x(began)
        out.append(
            f'<line x1="{bx:.1f}" x2="{bx:.1f}" y1="{TOP}" y2="{H - BOTTOM}" stroke="#333" stroke-dasharray="2 3"/>'
        )
        right = bx > W - 80
        out.append(
            f'<text x="{bx + (-4 if right else 4):.1f}" y="{TOP + 12}" text-anchor="{"end" if right else "start"}">'
            "began</text>"
        )
        labels.insert(1, (began, "middle"))
    shown: list[float] = []
    for day, anchor in labels:
        px = x(day)
        if any(abs(px - other) < 80 for other in shown):
            continue
        shown.append(px)
        out.append(f'<text x="{px:.1f}" y="{H - BOTTOM + 20}" text-anchor="{anchor}">{day:%d %b}</text>')
    out.append("</svg>")
    return "".join(out)


def _captures(ev: Evidence) -> str:
    if not ev.captures:
        return (
            '<section id="captures"><h2>Raw PVS answers</h2><p class="muted">No raw capture of these days is left '
            "in DATA_DIR/raw (the archive keeps RAW_RETENTION_DAYS).</p></section>"
        )
    items = []
    for c in ev.captures:
        nearest = f"; nearest the start: <code>{escape(c.nearest)}</code>" if c.nearest else ""
        items.append(
            f"<li>{escape(c.label)}: <code>{escape(c.folder)}</code>, {c.count} files, "
            f"<code>{escape(c.first)}</code> to <code>{escape(c.last)}</code>{nearest}</li>"
        )
    return (
        '<section id="captures"><h2>Raw PVS answers that show it</h2><p class="muted">The exact answers of the PVS in '
        "DATA_DIR: one gzipped JSON file per reading, or a finished day packed into one tar.gz. Attach these (a "
        "folder zipped) if the installer asks; <code>pvs6_supervisor.py replay PATH</code> reprocesses them.</p>"
        f"<ul>{''.join(items)}</ul></section>"
    )


def _table(ev: Evidence) -> str:
    rows = []
    began = ev.began_day
    shown = recorded(ev.days)
    for d in reversed(shown):
        mark = ' class="low"' if began is not None and d.day >= began else ""
        cells = (d.own_kwh, d.expected_kwh, d.siblings_kwh)
        numbers = "".join(f"<td>{'' if v is None else f'{v:.2f}'}</td>" for v in cells)
        rows.append(
            f"<tr{mark}><td>{d.day.isoformat()}</td>{numbers}<td>{_pct(d.share) if d.share is not None else ''}"
            f"</td><td>{escape(d.basis)}</td></tr>"
        )
    return (
        f'<section id="days"><details><summary><b>Daily figures</b> ({len(shown)} days with figures, newest first; '
        'the CSV has every day)</summary><div class="scroll"><table><tr><th>date</th><th>own kWh</th>'
        "<th>expected kWh</th><th>siblings kWh</th><th>share</th><th>basis</th></tr>"
        f"{''.join(rows)}</table></div></details></section>"
    )


def _method(ev: Evidence) -> str:
    counted = sum(1 for d in ev.days if d.basis == NORMAL), sum(1 for d in ev.days if d.basis == SIBLINGS)
    usual_days = [d for d in ev.days if ev.began_day is None or d.day < ev.began_day]
    ratio = [d.own_kwh / d.siblings_kwh for d in usual_days if d.own_kwh is not None and d.siblings_kwh]
    said = f"{median(ratio):.2f}" if ratio else "unknown"
    notes = "".join(f"<li>{escape(n)}</li>" for n in ev.notes)
    return (
        '<section id="method"><h2>How these figures are made</h2><ul class="muted">'
        f"<li>Own energy: the PVS's lifetime counter, day by day (DATA_DIR/daily.csv).</li>"
        f"<li>Expected, on {counted[0]} days (basis “normal”): its own energy × what its learned normal expected ÷ "
        "what it made, over the readings the alerts judged that day.</li>"
        f"<li>Expected, on {counted[1]} days (basis “siblings”): its siblings' median that day × its usual ratio to "
        f"them before the problem began ({said}).</li>"
        "<li>Share: own ÷ expected. Empty where unknown, never 0.</li>"
        f"<li>Energy lost counted by the alerts: what its learned normal expected minus what it made, from its first "
        f"low reading.</li>{notes}</ul></section>"
    )
