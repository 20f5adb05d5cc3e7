"""An inverter's evidence for an installer or a warranty claim: its daily energy against what it should have made,
the start of its problem, and the CSV of it. Pure (commands/evidence.py reads DATA_DIR and writes the files).

What a day should have made (expected_kwh) is, in this order:

- "normal": its own energy that day × (expected ÷ made) over the readings the alerts judged against its learned
  normal (DATA_DIR/alerts-shares.json, the last 35 days): the alerts' own figure, scaled to the whole day;
- "siblings": its siblings' median energy that day × its usual ratio to them, the median of that ratio over the
  days before its problem began (over every day shown when no problem is known);
- empty where neither is known (no siblings' figures, or no day to learn the ratio from). Unknown is never 0.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from pathlib import Path

from pvs6sup.alerts.normal import median
from pvs6sup.core.records import FrozenRecord, field

NORMAL, SIBLINGS = "normal", "siblings"
CSV_COLUMNS = ("date", "own_kwh", "expected_kwh", "share", "siblings_median_kwh", "basis")


class DayFigures(FrozenRecord):
    """One day of one inverter: its energy, what it should have made, and its siblings' median (kWh)."""

    day: date
    own_kwh: float | None
    expected_kwh: float | None
    siblings_kwh: float | None
    siblings_low_kwh: float | None = None  # the least and the most of its siblings that day
    siblings_high_kwh: float | None = None
    basis: str = ""  # NORMAL, SIBLINGS or "" (unknown)

    @property
    def share(self) -> float | None:
        """own ÷ expected; None where either is unknown or nothing was expected."""
        if self.own_kwh is None or not self.expected_kwh:
            return None
        return self.own_kwh / self.expected_kwh


class Capture(FrozenRecord):
    """One day's raw captures in the archive: where they are and the first and last by name."""

    label: str  # "the day before it began", "the day it began", "the latest day"
    folder: str  # relative to DATA_DIR
    count: int
    first: str
    last: str
    nearest: str = ""  # the capture nearest the moment it began (on that day)


class Evidence(FrozenRecord):
    """Everything the evidence page and its CSV say about one inverter."""

    serial: str
    site_name: str
    generated_at: datetime
    zone_name: str
    model: str | None
    firmware: str | None
    location: str  # "37.42, -122.08" or ""
    siblings: tuple[str, ...]
    siblings_how: str  # "the inverters the alerts compare it with" / "every other inverter"
    days: tuple[DayFigures, ...]
    began_at: datetime | None  # its first low reading (or the alert, when that is all that is known)
    raised_at: datetime | None
    resolved_at: datetime | None
    kind: str  # the alert's kind ("" when none)
    message: str
    cause: str
    why: str
    lost_kwh: float | None  # counted by the alerts over the incident
    captures: tuple[Capture, ...] = ()
    notes: tuple[str, ...] = field(default=())

    @property
    def began_day(self) -> date | None:
        return self.began_at.date() if self.began_at else None

    def lost_by_day_kwh(self) -> float | None:
        """expected − own summed over the days since it began (where both are known)."""
        start = self.began_day
        if start is None:
            return None
        gaps = [
            max(0.0, d.expected_kwh - d.own_kwh)
            for d in self.days
            if d.day >= start and d.expected_kwh is not None and d.own_kwh is not None
        ]
        return sum(gaps) if gaps else None

    def remaining(self) -> float | None:
        """The median daily share since it began (the day it began left out: part of it was still well)."""
        start = self.began_day
        if start is None:
            return None
        shares = [d.share for d in self.days if d.day > start and d.share is not None]
        return median(shares) if shares else None

    def usual(self) -> float | None:
        """The median daily share before it began."""
        start = self.began_day
        shares = [d.share for d in self.days if (start is None or d.day < start) and d.share is not None]
        return median(shares) if shares else None


def day_figures(
    days: Sequence[date],
    own: Mapping[date, float | None],
    siblings: Mapping[str, Mapping[date, float | None]],
    judged: Mapping[date, tuple[float, float]],
    began: date | None,
) -> tuple[DayFigures, ...]:
    """Each day's figures (see the module's docstring); `judged`: day -> (made, expected) kWh over the readings
    judged against its learned normal."""
    spread: dict[date, list[float]] = {}
    for energy in siblings.values():
        for day in days:
            value = energy.get(day)
            if value is not None:
                spread.setdefault(day, []).append(value)
    middle = {day: median(values) for day, values in spread.items()}
    ratios = [
        own_kwh / middle[day]
        for day in days
        if (began is None or day < began) and (own_kwh := own.get(day)) is not None and middle.get(day, 0.0) > 0
    ]
    usual = median(ratios) if ratios else None
    out = []
    for day in days:
        own_kwh, sibs = own.get(day), middle.get(day)
        made, expected = judged.get(day, (0.0, 0.0))
        if own_kwh is not None and made > 0 and expected > 0:
            guess, basis = own_kwh * expected / made, NORMAL
        elif sibs is not None and usual is not None:
            guess, basis = sibs * usual, SIBLINGS
        else:
            guess, basis = None, ""
        values = spread.get(day)
        low, high = (min(values), max(values)) if values else (None, None)
        out.append(DayFigures(day, own_kwh, guess, sibs, low, high, basis))
    return tuple(out)


def _cell(value: float | None, places: int) -> str:
    return "" if value is None else f"{value:.{places}f}"


def evidence_csv(days: Sequence[DayFigures]) -> str:
    """One row a day: date, own_kwh, expected_kwh, share (own ÷ expected), siblings_median_kwh, basis."""
    lines = [",".join(CSV_COLUMNS)]
    for d in days:
        cells = (
            d.day.isoformat(),
            _cell(d.own_kwh, 3),
            _cell(d.expected_kwh, 3),
            _cell(d.share, 3),
            _cell(d.siblings_kwh, 3),
            d.basis,
        )
        lines.append(",".join(cells))
    return "\n".join(lines) + "\n"


def file_name(serial: str, suffix: str) -> str:
    """evidence-<serial>.<suffix>, any character a file name should not hold replaced."""
    safe = "".join(c if c.isascii() and (c.isalnum() or c in "-_") else "_" for c in serial)
    return f"evidence-{safe}.{suffix}"


def relative(path: Path, base: Path) -> str:
    try:
        return str(path.relative_to(base))
    except ValueError:
        return str(path)


def match_serial(ending: str, serials: Sequence[str]) -> tuple[str | None, list[str]]:
    """(the serial `ending` names, []) or (None, the candidates: those it matches, [] for none). As INVERTER_GROUPS
    names inverters: the whole serial or its last characters; here any case, and a whole serial always wins."""
    wanted = ending.strip().upper()
    if not wanted:
        return None, []
    exact = [s for s in serials if s.upper() == wanted]
    found = exact or sorted({s for s in serials if s.upper().endswith(wanted)})
    return (found[0], []) if len(found) == 1 else (None, found)
