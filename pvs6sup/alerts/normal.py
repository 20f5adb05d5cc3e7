"""Each inverter's learned normal, and the sequential test of its gap from it. Pure: no I/O, no clock.

The normal is what an inverter usually makes relative to the site's median inverter at the same solar time
(20-minute bins of the day), kept apart for clear light and for diffuse light: a tree or a chimney only
takes beam light, and a cloud changes the ratio between roof faces. Each day's readings in a bin are
averaged, and the days are combined robustly: the median of the first three, then a running mean whose
daily step is clipped, so a passing cloud's shadow, a glitch or frost on one day moves it little, while the
seasons move it a little every day. Today's readings only count from tomorrow, and an inverter under
suspicion adds nothing, so a fault is never learned as normal.

What an inverter is expected to make now is the median, over its siblings on the same roof face, of each
sibling's output scaled by the two learned ratios. The gap `ln(made / expected)`, smoothed to the upper
quartile of the last 90 minutes of judged readings (a loss lowers every reading; a cloud's shadow on some
panels, or samples taken seconds apart under moving clouds, lower only some), feeds two CUSUM charts
weighted by how much light there is: a slow one for a modest loss held for days, and a fast one for a large
loss held for hours.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from pvs6sup.core.records import FrozenRecord, Record, field

CLEAR, DIFFUSE = 0, 5  # a cell: for each light, [ln ratio, days learned, today's sum, today's count, a 2nd day]
CELL_SIZE = 10
BINS_PER_HOUR = 3


class Tuning(FrozenRecord):
    """The learning and judging knobs; README's Alerts section explains them. Subclass-free overrides:
    Tuning(limit=6) or replace(TUNING, limit=6) in tests and the evaluation."""

    min_days: int = 3  # days a cell must have learned before it is trusted
    day_weight: float = 0.15  # after those, each day moves the normal this share of the way...
    day_step: float = 0.25  # ...by at most this much (ln ratio): one odd day moves it under 4 %
    clear_at: float = 0.8  # site output / its envelope at this bin: clear light at or above...
    diffuse_at: float = 0.45  # ...diffuse at or below; in between, the two are blended
    envelope_decay: float = 0.005  # the envelope sinks by this share a sample, so the seasons move it
    min_light: float = 0.03  # site output below this share of its best is too dim to judge or learn...
    full_light: float = 0.1  # ...and from this share on, a reading counts fully in the charts
    window: int = 18  # the median of the last 90 minutes of judged gaps feeds the charts (a cloud's
    min_window: int = 9  # shadow that lingers 40 minutes on some panels moves it little), once it holds 45
    slack: float = 0.05  # slow chart: a gap within 5 % is noise
    limit: float = 8.0  # ...and fires at this sum (a 10 % loss in 2-4 days, 20 % within a day)
    fast_slack: float = 0.12  # fast chart: a 30 % loss adds about 0.2 an hour of full light...
    fast_limit: float = 2.0  # ...and fires within a few daylight hours
    suspect_gap: float = -0.08  # below this smoothed gap, or with a chart a quarter up, it learns nothing
    resolve_gap: float = -0.03  # back within 3 % of normal: the charts fall quickly
    floor: float = -0.5  # one reading's gap is clipped to this (a 40 % loss) and...
    cap: float = 0.5  # ...this, so that no reading adds more than about 0.35 to a chart


TUNING = Tuning()


class BinTable(Record):
    """The learned normal of every inverter at one 20-minute bin of solar time."""

    envelope_kw: float = 0.0  # the site's output on a clear day at this bin (a slowly sinking maximum)
    day: str = ""  # the solar day the cells' running sums belong to
    cells: dict[str, list[float]] = field(default_factory=dict)  # serial -> CELL_SIZE numbers (see CLEAR)


class NormalBook(Protocol):
    """Where the bins live: in memory for replay, one small file a bin for the cron cycle."""

    def table(self, key: int) -> BinTable:
        """The bin's table (a new empty one if never seen); changes to it are kept."""
        ...

    def every_table(self) -> dict[int, BinTable]:
        """Every bin's table (read when the roof faces are found: weekly, or daily in the first days)."""
        ...


class MemoryBook:
    """A NormalBook in memory."""

    def __init__(self) -> None:
        self.tables: dict[int, BinTable] = {}

    def table(self, key: int) -> BinTable:
        table = self.tables.get(key)
        if table is None:
            table = self.tables[key] = BinTable()
        return table

    def every_table(self) -> dict[int, BinTable]:
        return self.tables


class Gauge(Record):
    """One inverter's running test: the recent gaps and the two charts."""

    gaps: list[float] = field(default_factory=list)  # the last `window` judged gaps, oldest first
    slow: float = 0.0
    fast: float = 0.0
    since: datetime | None = None  # when the charts last rose from zero: the start of this shortfall
    made_kwh: float = 0.0  # energy made and expected since then, over judged readings
    expected_kwh: float = 0.0


def median(values: Sequence[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def upper_quartile(values: Sequence[float]) -> float:
    """The value a quarter of them exceed: a loss lowers every reading, a passing shadow only some, so the
    shadow must darken three quarters of the window before it shows here."""
    ordered = sorted(values)
    return ordered[(3 * len(ordered)) // 4]


def bin_of(solar_hour: float) -> int:
    return int(solar_hour * BINS_PER_HOUR) % (24 * BINS_PER_HOUR)


def bin_hour(key: int) -> float:
    """The solar hour at the middle of a bin."""
    return (key + 0.5) / BINS_PER_HOUR


def clearness(site_kw: float, table: BinTable, t: Tuning = TUNING) -> float:
    """0 for diffuse light, 1 for clear, from the site's output against its envelope at this bin."""
    if table.envelope_kw <= 0:
        return 1.0
    share = site_kw / table.envelope_kw
    return min(1.0, max(0.0, (share - t.diffuse_at) / (t.clear_at - t.diffuse_at)))


def learned_ratio(cell: list[float] | None, beam: float, t: Tuning = TUNING, alike: bool = False) -> float | None:
    """The cell's ln ratio for light of this beam share, or None where it has not been learned.

    `alike`: the inverters compared sit on one face, so where diffuse light has not been learned yet (the first
    overcast days) the clear ratio stands in: on one face, diffuse light only evens out shade, which makes a
    shaded panel look better than its clear normal, never worse."""
    if cell is None:
        return None
    clear = cell[CLEAR] if cell[CLEAR + 1] >= t.min_days else None
    diffuse = cell[DIFFUSE] if cell[DIFFUSE + 1] >= t.min_days else None
    if diffuse is None and alike:
        diffuse = clear
    if beam >= 0.7:
        return clear
    if beam <= 0.3:
        return diffuse
    if clear is None or diffuse is None:
        return None
    return diffuse + (clear - diffuse) * (beam - 0.3) / 0.4


def add_sample(cell: list[float], offset: int, value: float) -> None:
    """Count one reading's ln ratio into today's sum for this light."""
    cell[offset + 2] += value
    cell[offset + 3] += 1


def close_day(table: BinTable, day: str, t: Tuning = TUNING) -> None:
    """Fold the running sums of a past day into each cell's normal, once, when the bin is first used on a new
    day: the median of the first three days, then a clipped running mean."""
    if table.day == day:
        return
    for cell in table.cells.values():
        for offset in (CLEAR, DIFFUSE):
            count = cell[offset + 3]
            if count <= 0:
                continue
            value = cell[offset + 2] / count
            cell[offset + 2] = cell[offset + 3] = 0.0
            days = cell[offset + 1]
            if days == 0:
                cell[offset] = value
            elif days == 1:
                cell[offset + 4] = value
            elif days == 2:
                cell[offset] = median([cell[offset], cell[offset + 4], value])
            else:
                step = min(t.day_step, max(-t.day_step, value - cell[offset]))
                cell[offset] += t.day_weight * step
            cell[offset + 1] = min(days + 1, 999)
    table.day = day


def at_par(power_kw: float, ratio: float) -> float:
    """An inverter's output brought to the site median's par: output × exp(−its learned ln ratio)."""
    return power_kw * math.exp(-ratio)


def expected_kw(mine: float, siblings_at_par: Sequence[float]) -> float | None:
    """What an inverter whose learned ln ratio is `mine` should make now: exp(mine) × the median of its siblings'
    outputs at par (at_par), which is the median over them of output × exp(mine − theirs); None with fewer
    than two."""
    if len(siblings_at_par) < 2:
        return None
    return math.exp(mine) * median(siblings_at_par)


def step_gauge(gauge: Gauge, gap: float, light: float, now: datetime, t: Tuning = TUNING) -> float | None:
    """Add one judged gap (ln made/expected) seen with `light` (0..1); returns the smoothed gap, or None
    while the window is filling."""
    gaps = gauge.gaps
    gaps.append(min(t.cap, max(t.floor, gap)))
    if len(gaps) > t.window:
        del gaps[: -t.window]
    if len(gaps) < t.min_window:
        return None
    smooth = upper_quartile(gaps)
    was_zero = gauge.slow == 0 and gauge.fast == 0
    gauge.slow = max(0.0, gauge.slow + light * (-smooth - t.slack))
    gauge.fast = max(0.0, gauge.fast + light * (-smooth - t.fast_slack))
    if smooth >= t.resolve_gap:  # back to normal: the charts fall quickly, so a repair resolves soon
        gauge.slow *= 0.8
        gauge.fast *= 0.5
        if gauge.slow < 0.05:
            gauge.slow = 0.0
    if gauge.slow == 0 and gauge.fast == 0:
        gauge.since, gauge.made_kwh, gauge.expected_kwh = None, 0.0, 0.0
    elif was_zero:
        gauge.since = now
    return smooth


def firing(gauge: Gauge, t: Tuning = TUNING) -> bool:
    return gauge.slow >= t.limit or gauge.fast >= t.fast_limit


def suspect(gauge: Gauge, t: Tuning = TUNING, smooth: float | None = None) -> bool:
    """Too low to teach its own normal. `smooth`: the smoothed gap step_gauge just gave, if known."""
    if gauge.slow >= t.limit / 4 or gauge.fast >= t.fast_limit / 4:
        return True
    if len(gauge.gaps) < t.min_window:
        return False
    return (upper_quartile(gauge.gaps) if smooth is None else smooth) < t.suspect_gap
