"""The report's "Against its normal" section: the roof faces the alerts found, and each inverter's daily share
of what it usually makes beside its siblings over the last 30 days, as a small line. Pure."""

from __future__ import annotations

from html import escape

from pvs6sup.core.values import mask_serial
from pvs6sup.report.data import ReportData

DAYS = 30
WIDTH, HEIGHT = 150, 28
LOW, HIGH = 0.5, 1.1  # the sparkline's scale: half of normal to a little above it


def _spark(shares: tuple[tuple[str, float | None], ...]) -> str:
    """An inline SVG line of the daily shares, with the 100 % line dotted; gaps where a day was not judged."""
    points = shares[-DAYS:]
    step = WIDTH / max(1, DAYS - 1)
    offset = DAYS - len(points)

    def y(share: float) -> float:
        return HEIGHT - (min(HIGH, max(LOW, share)) - LOW) / (HIGH - LOW) * HEIGHT

    runs: list[list[str]] = [[]]
    for index, (_, share) in enumerate(points):
        if share is None:
            runs.append([])
            continue
        runs[-1].append(f"{(offset + index) * step:.1f},{y(share):.1f}")
    lines = "".join(
        f'<polyline points="{" ".join(run)}" fill="none" stroke="#1f6feb" stroke-width="1.5"/>'
        for run in runs
        if len(run) > 1
    )
    dots = "".join(
        f'<circle cx="{run[0].split(",")[0]}" cy="{run[0].split(",")[1]}" r="1.5" fill="#1f6feb"/>'
        for run in runs
        if len(run) == 1
    )
    normal = f'<line x1="0" x2="{WIDTH}" y1="{y(1.0):.1f}" y2="{y(1.0):.1f}" stroke="#999" stroke-dasharray="2,2"/>'
    return (
        f'<svg width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="daily share of its normal">{normal}{lines}{dots}</svg>'
    )


def _latest(shares: tuple[tuple[str, float | None], ...], days: int = 7) -> str:
    """The share over the last judged days, as a percentage."""
    known = [share for _, share in shares[-days:] if share is not None]
    return f"{100 * sum(known) / len(known):.0f} %" if known else "–"


def normal_section(data: ReportData) -> str:
    if not data.faces and not data.shares:
        return ""
    faces = "".join(f"<li>{escape(line)}</li>" for line in data.faces)
    intro = (
        "<p>Each inverter against what it usually makes beside its siblings on the same roof face, learned from "
        "its own history (100 % is its normal; a shaded hour or a cloudy day is part of the normal).</p>"
    )
    rows = []
    for serial in sorted(data.shares):
        shares = data.shares[serial]
        learning = " (learning)" if serial in data.learning else ""
        rows.append(
            f'<tr><td title="{escape(serial)}">{escape(mask_serial(serial))}</td>'
            f"<td>{escape(data.face_of.get(serial, '–'))}{learning}</td>"
            f"<td>{_latest(shares)}</td><td>{_spark(shares)}</td></tr>"
        )
    head = "<tr><th>Inverter</th><th>Face</th><th>Last 7 days</th><th>Last 30 days</th></tr>"
    table = f'<div class="scroll"><table>{head}{"".join(rows)}</table></div>' if rows else ""
    return f"<section><h2>Against its normal</h2>{intro}<ul>{faces}</ul>{table}</section>"
