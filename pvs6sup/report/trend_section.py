"""The report's "Each inverter's trend" section: each inverter's monthly share of its roof face's median as a small
line, and its slope in % a year (core/trend.py), so that a panel ageing faster than its face shows long before
any alert. Pure."""

from __future__ import annotations

from html import escape

from pvs6sup.core.texts import short_serials
from pvs6sup.core.trend import MIN_PAIRS
from pvs6sup.report.data import ReportData

MONTHS = 36  # drawn: the last three years
WIDTH, HEIGHT = 150, 28
FAST_PCT = -1.0  # a slope at or below this (% a year against its face) is marked: it ages faster than its face


def _spark(months: list[tuple[str, float]]) -> str:
    """The monthly shares as a line, scaled to their own range (at least ±5 %), the 100 % line dotted."""
    shares = [share for _, share in months]
    low, high = min([0.95, *shares]), max([1.05, *shares])
    step = WIDTH / max(1, MONTHS - 1)
    offset = MONTHS - len(months)

    def y(share: float) -> float:
        return HEIGHT - 2 - (share - low) / (high - low) * (HEIGHT - 4)

    points = " ".join(f"{(offset + i) * step:.1f},{y(share):.1f}" for i, share in enumerate(shares))
    line = (
        f'<polyline points="{points}" fill="none" stroke="#1f6feb" stroke-width="1.5"/>'
        if len(shares) > 1
        else f'<circle cx="{offset * step:.1f}" cy="{y(shares[0]):.1f}" r="1.5" fill="#1f6feb"/>'
    )
    normal = f'<line x1="0" x2="{WIDTH}" y1="{y(1.0):.1f}" y2="{y(1.0):.1f}" stroke="#999" stroke-dasharray="2,2"/>'
    return (
        f'<svg width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="monthly share of its face">{normal}{line}</svg>'
    )


def trend_section(data: ReportData) -> str:
    if not data.months:
        return ""
    names = short_serials(data.months)
    rows = []
    for serial in sorted(data.months):
        months = sorted(data.months[serial].items())[-MONTHS:]
        if len(months) < 2:  # one month is a figure, not a trend (a new install's first weeks)
            continue
        slope = data.slopes.get(serial)
        shown = "–" if slope is None else f"{slope:+.1f} % a year"
        marked = ' class="low"' if slope is not None and slope <= FAST_PCT else ""
        rows.append(
            f'<tr{marked}><td title="{escape(serial)}">{escape(names[serial])}</td><td>{shown}</td>'
            f"<td>{100 * months[-1][1]:.0f} %</td><td>{_spark(months)}</td></tr>"
        )
    if not rows:
        return ""
    head = "<tr><th>Inverter</th><th>Trend</th><th>Last month</th><th>Monthly share of its face</th></tr>"
    intro = (
        "<p>Each inverter's energy as a share of its roof face's median, month by month, and how fast that share "
        "changes. Panels ageing alike (the usual 0.5 % a year) stay near +0 %; one ageing four times faster shows "
        f"about −1.5 % a year. Rows at {FAST_PCT:.0f} % a year or worse are marked. The trend compares each month "
        f"with the same month a year before, so seasons cancel: it needs {MIN_PAIRS} such pairs (about a year and "
        "a half of daily.csv) before it shows.</p>"
    )
    return (
        f"<section><h2>Each inverter's trend</h2>{intro}"
        f'<div class="scroll"><table>{head}{"".join(rows)}</table></div></section>'
    )
