"""Each inverter's trend in the report, from daily.csv: the panel ageing faster than its face is marked with its
slope; the finished months are kept in trend-months.json, so that the next page reads only this month's rows."""

from __future__ import annotations

import json
import random
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from pvs6sup.core import rollup
from pvs6sup.report import load, trend_months

ZONE = timezone.utc
NOW = datetime(2026, 6, 15, 20, 0, tzinfo=timezone.utc)
SERIALS = [f"E00X0000000{n}" for n in range(1, 7)]
FAST = SERIALS[2]


def write_daily(data_dir: Path, first: date, last: date) -> None:
    """Six inverters on one face, two years: all age 0.5 % a year, one 2.5 % a year; clouds, noise."""
    rng = random.Random(3)
    rows = []
    day = first
    while day <= last:
        years = (day - first).days / 365.25
        weather = rng.uniform(0.3, 1.0)
        for serial in SERIALS:
            ageing = 0.025 if serial == FAST else 0.005
            kwh = 2.0 * weather * (1 - ageing) ** years * rng.gauss(1, 0.02)
            rows.append(rollup.DailyRow(day, serial, round(kwh, 4), 0.3, 288, 0, None, 0, ""))
        day += timedelta(days=1)
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / "daily.csv").write_bytes(rollup.header() + rollup.encode_rows(rows))


def test_the_fast_ager_is_marked_with_its_slope_and_the_others_are_flat(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    write_daily(data_dir, date(2024, 6, 1), date(2026, 6, 14))
    data = load.load(data_dir, ZONE, NOW)
    slopes = data.slopes
    # 2 % a year faster than its face; the face's median sinks a little with it (the others read up to +0.5)
    fast = slopes[FAST]
    assert fast is not None and -2.6 <= fast <= -1.2, slopes
    assert all(s is not None and abs(s) <= 0.7 for serial, s in slopes.items() if serial != FAST), slopes
    html = load.write_report(data, tmp_path / "index.html").read_text()
    section = html.split("<h2>Each inverter's trend</h2>", 1)[1].split("</section>", 1)[0]
    marked = [row for row in section.split("<tr") if row.startswith(' class="low"')]
    assert len(marked) == 1 and f'title="{FAST}"' in marked[0] and "% a year" in marked[0]


def test_too_short_a_history_shows_no_slope(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    write_daily(data_dir, date(2025, 9, 1), date(2026, 6, 14))
    data = load.load(data_dir, ZONE, NOW)
    assert data.months and all(slope is None for slope in data.slopes.values())
    assert "<td>–</td>" in load.write_report(data, tmp_path / "index.html").read_text()


def test_finished_months_are_kept_and_only_this_months_rows_read_again(tmp_path: Path, monkeypatch) -> None:
    data_dir = tmp_path / "data"
    write_daily(data_dir, date(2025, 1, 1), date(2026, 6, 14))
    first = trend_months.monthly_shares(data_dir, [tuple(SERIALS)], NOW.date())
    kept = json.loads((data_dir / trend_months.CACHE_FILE).read_text())
    assert kept["through"] == "2026-05" and "2026-06" not in kept["months"][FAST]
    asked: list[date] = []
    real = trend_months.rollup_file.read_since

    def read_since(folder: Path, since: date) -> list[rollup.DailyRow]:
        asked.append(since)
        return real(folder, since)

    monkeypatch.setattr(trend_months.rollup_file, "read_since", read_since)
    again = trend_months.monthly_shares(data_dir, [tuple(SERIALS)], NOW.date())
    assert asked == [date(2026, 6, 1)]
    assert again.keys() == first.keys()
    for serial in first:
        assert again[serial] == {m: round(v, 5) if m < "2026-06" else v for m, v in first[serial].items()}
    other = [tuple(SERIALS[:3]), tuple(SERIALS[3:])]
    assert trend_months.monthly_shares(data_dir, other, NOW.date()) != first  # other faces: other shares...
    assert len(asked) == 1  # ...computed again from the whole file, read once (not through its tail)
    assert json.loads((data_dir / trend_months.CACHE_FILE).read_text())["faces"] == [sorted(f) for f in other]
    trend_months.forget(data_dir)
    assert not (data_dir / trend_months.CACHE_FILE).exists()


def test_a_single_month_is_no_trend_and_no_section(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    write_daily(data_dir, date(2026, 5, 25), date(2026, 6, 14))  # 7 days of May, 14 of June
    data = load.load(data_dir, ZONE, NOW)
    assert all(list(months) == ["2026-06"] for months in data.months.values())
    assert "Each inverter's trend" not in load.write_report(data, tmp_path / "index.html").read_text()
