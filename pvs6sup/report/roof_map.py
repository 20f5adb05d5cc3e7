"""The report's "Roof" section: the roof as seen from above, from LAYOUT_FILE, each panel at its place and
rotation, coloured by today's share of its normal (or, while that is not known, of its best sibling today),
hatched when it is down. Every panel is one SVG element carrying data-serial and a tooltip. Pure.

The export gives positions in its own units and no panel size: the panels are drawn a little smaller than
the distance between neighbours (most roofs are rows of touching panels), portrait or landscape as given.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

from pvs6sup.alerts.judgement import OFFLINE
from pvs6sup.core.layout import Panel
from pvs6sup.core.texts import short_serials
from pvs6sup.report.colours import NO_DATA, colour, key_swatches
from pvs6sup.report.data import MIN_BEST_KWH, ReportData, ratios

LONG_SIDE = 1.68  # a panel's length over its width (a 60- or 66-cell module)
FILL = 0.94  # of the neighbour distance a panel's width takes: a thin gap shows between panels


def _nearest(panels: Sequence[Panel]) -> float:
    """The median distance from a panel to its nearest neighbour: a panel's width, on most roofs."""
    gaps = []
    for panel in panels:
        found = [math.hypot(panel.x - o.x, panel.y - o.y) for o in panels if o is not panel]
        found = [gap for gap in found if gap > 0]
        if found:
            gaps.append(min(found))
    if not gaps:
        return 100.0
    gaps.sort()
    return gaps[len(gaps) // 2]


def _size(panel: Panel, width: float) -> tuple[float, float]:
    return (width, width * LONG_SIDE) if panel.portrait else (width * LONG_SIDE, width)


def _corners(panel: Panel, width: float) -> list[tuple[float, float]]:
    w, h = _size(panel, width)
    turn = math.radians(panel.rotation_deg)
    cos, sin = math.cos(turn), math.sin(turn)
    return [
        (panel.x + dx * cos - dy * sin, panel.y + dx * sin + dy * cos)
        for dx, dy in ((-w / 2, -h / 2), (w / 2, -h / 2), (w / 2, h / 2), (-w / 2, h / 2))
    ]


def _today_share(data: ReportData, serial: str, today: str) -> float | None:
    days = data.shares.get(serial, ())
    return days[-1][1] if days and days[-1][0] == today else None


def roof_section(data: ReportData) -> str:
    """The section, or "" when LAYOUT_FILE is not set."""

    if data.roof_problem:
        return f'<section><h2>Roof</h2><p class="muted">{escape(data.roof_problem)}</p></section>'
    if not data.roof:
        return ""
    panels = data.roof
    width = FILL * _nearest(panels)
    corners = {panel.serial: _corners(panel, width) for panel in panels}
    xs = [x for points in corners.values() for x, _ in points]
    ys = [y for points in corners.values() for _, y in points]
    pad = width * 0.3
    left, top = min(xs) - pad, min(ys) - pad
    box_w, box_h = max(xs) + pad - left, max(ys) + pad - top
    today_date = data.generated_at.astimezone(data.zone).date()
    today = today_date.isoformat()
    against_best = ratios(data.energy_kwh, today_date, data.groups)
    down = {a.serial for a in data.alerts if a.resolved_at is None and a.kind == OFFLINE and a.serial}
    names = short_serials(p.serial for p in panels)
    font = width * 0.15
    svg = [
        f'<svg class="roof" viewBox="{left:.1f} {top:.1f} {box_w:.1f} {box_h:.1f}" style="max-width:760px" '
        'role="img" aria-label="The roof seen from above">',
        '<defs><pattern id="roof-hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect width="2.5" height="6" fill="#000" fill-opacity="0.6"/></pattern></defs>',
    ]
    for panel in panels:
        serial = panel.serial
        share = _today_share(data, serial, today)
        best = against_best.get(serial)
        kwh = data.energy_kwh.get(serial, {}).get(today_date)
        dead = serial in down or (best == 0.0 and kwh is not None and kwh < MIN_BEST_KWH)
        if share is not None:
            told, fill = f"{100 * share:.0f} % of its normal today", colour(share)
        elif best is not None:
            told = f"{100 * best:.0f} % of its best sibling today (its normal is still being learned)"
            fill = colour(best)
        else:
            told, fill = "no figure today yet", NO_DATA
        facing = "" if panel.azimuth_deg is None else f", facing {panel.azimuth_deg % 360:.0f}°"
        made = "" if kwh is None else f", {kwh:.2f} kWh"
        tip = f"{serial}: {'down, ' if dead else ''}{told}{made}{facing}"
        points = " ".join(f"{x:.1f},{y:.1f}" for x, y in corners[serial])
        svg.append(
            f'<g class="panel" data-serial="{escape(serial)}"><title>{escape(tip)}</title>'
            f'<polygon points="{points}" fill="{fill}" stroke="#1d232a" stroke-width="{width * 0.02:.2f}"/>'
        )
        if dead:
            svg.append(f'<polygon points="{points}" fill="url(#roof-hatch)"/>')
        svg.append(
            f'<text x="{panel.x:.1f}" y="{panel.y + font * 0.35:.1f}" text-anchor="middle" '
            f'style="font-size:{font:.1f}px;paint-order:stroke;stroke:#fff;stroke-width:{font * 0.25:.1f}px">'
            f"{escape(names[serial])}</text></g>"
        )
    svg.append("</svg>")
    seen = {inv.serial for inv in data.inverters} | set(data.energy_kwh)
    unplaced = sorted(seen.difference(p.serial for p in panels))
    missing = ""
    if unplaced:
        shown = short_serials(unplaced)
        missing = (
            f'<p class="muted">Not in LAYOUT_FILE, so not drawn: {escape(", ".join(shown[s] for s in unplaced))}.</p>'
        )
    keys = key_swatches()
    hatch = "repeating-linear-gradient(45deg,#555 0 2px,#ddd 2px 4px)"
    keys += f'<span class="key" style="background:{NO_DATA}"></span>no figure'
    keys += f'<span class="key" style="background:{hatch}"></span>down'
    return (
        "<section><h2>Roof</h2>"
        '<p class="muted">Seen from above, as LAYOUT_FILE places each panel. Colour: today\'s output against its '
        "normal beside its siblings (100 % is usual for it).</p>"
        f'{"".join(svg)}{missing}<p class="muted">{keys}</p></section>'
    )
