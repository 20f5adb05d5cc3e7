"""Accident table: CSVs a person re-saved, a sudo run, wrong clocks and a meter glitch, through main().

Every case: two normal cycles, the accident and the cycle that meets it, then one more cycle. Checked for
each: no exit 70 and no traceback, the accident's one line names the file or setting and the fix, the
next cycle records silently, and every reading the PVS gave is in readings.csv exactly once.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from pvs6sup.alerts import state
from pvs6sup.core.energy_guard import MAX_INVERTER_AC_KW
from pvs6sup.core.rows import parse_timestamp
from pvs6sup.settings.config import WeatherURLs
from pvs6sup.sim.legacy_pvs import ForcedAnswer, SimulatedPVS, SimulatedSite, SiteModel
from pvs6sup.store.csvquery import recent_power
from tests.support.harness import SITE_ENV, Harness, Result

ZONE = ZoneInfo("America/Los_Angeles")
NOBODY = 65534


# --- the ways a spreadsheet re-saves a CSV ------------------------------------------------------------


def resave(path: Path, *, newline="\n", bom=False, quote=csv.QUOTE_MINIMAL, cells=None, extra_rows=()) -> None:
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    header, body = rows[0], [list(map(cells, row)) if cells else row for row in rows[1:]]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=newline, quoting=quote)
    writer.writerow(header)
    writer.writerows([*body, *extra_rows])
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + out.getvalue().encode("utf-8"))


def both(h: Harness, **how) -> None:
    for name in ("readings.csv", "inverters-2026-06.csv"):
        resave(h.data_dir / name, **how)


def comma_decimal(cell: str) -> str:
    return cell.replace(".", ",") if cell.replace(".", "").replace("-", "").isdigit() else cell


def wall_time(form: str) -> Callable[[str], str]:
    def convert(cell: str) -> str:
        moment = parse_timestamp(cell)
        return moment.astimezone(ZONE).strftime(form) if moment and "T" in cell else cell

    return convert


# --- the accidents: each does its damage and runs the cycle that meets it -------------------------------


def spreadsheet(**how) -> Callable[[Harness, SimulatedPVS, Callable[[], Result]], Result]:
    def accident(h, pvs, run):
        both(h, **how)
        return run()

    return accident


def other_columns(h, pvs, run):
    path = h.data_dir / "readings.csv"
    text = path.read_text().replace("cloud_cover_pct,", "").replace("pvs_comm_errors", "notes", 1)
    path.write_text(text)
    return run()


def future_row(h, pvs, run):
    path = h.data_dir / "readings.csv"
    last = path.read_text().splitlines()[-1]
    with path.open("a") as handle:
        handle.write(last.replace("2026-", "2062-", 1) + "\n")  # a typo'd year on a row someone added
    return run()


def clock_jump_row(h, pvs, run):
    """An older version recorded a row under a clock that had jumped a year ahead."""
    path = h.data_dir / "readings.csv"
    last = path.read_text().splitlines()[-1]
    with path.open("a") as handle:
        handle.write(last.replace("2026-06-21", "2027-06-21", 1) + "\n")
    return run()


def root_owned(mode: int):
    def accident(h, pvs, run):
        for name in ("readings.csv", "inverters-2026-06.csv"):
            os.chown(h.data_dir / name, 0, 0)  # what one `sudo ... run` leaves behind
            os.chmod(h.data_dir / name, mode)
        return run()

    return accident


def pvs_clock_drift(h, pvs, run):
    pvs.clock = lambda: h.clock() + timedelta(hours=5, minutes=20)
    result = run()
    h.clock.advance(minutes=5)
    assert run().stderr == ""  # once a day, not every cycle
    return result


def system_clock_behind(h, pvs, run):
    real = h.clock.now
    pvs.clock = lambda: real
    h.clock.now = real - timedelta(days=2)  # a Pi booted without NTP at its last saved time
    result = run()
    h.clock.now, pvs.clock = real, h.clock
    return result


def both_clocks_wrong_then_right(h, pvs, run):
    real = h.clock.now
    results = []
    for minutes in (0, 5):  # the Pi booted 3 days behind; the PVS lost 2 days too
        h.clock.now = real + timedelta(minutes=minutes) - timedelta(days=3)
        pvs.clock = lambda m=minutes: real + timedelta(minutes=m) - timedelta(days=2)
        results.append(run())
        assert results[-1].code == 5, results[-1].stderr
    assert len(list((h.data_dir / "raw" / "pending").glob("*.json.gz"))) == 2
    h.clock.now = real + timedelta(minutes=10)  # NTP is back; the PVS is still 2 days behind
    pvs.clock = lambda: real + timedelta(minutes=10) - timedelta(days=2)
    recovered = run()
    assert "recorded 2 reading(s) kept while no clock was right" in recovered.stderr
    assert "PVS's clock is 2 d behind the system clock" in recovered.stderr
    pvs.clock = h.clock  # and then the PVS is set right
    return Result(results[0].code, "", results[0].stderr + recovered.stderr)


def forward_clock_jump(h, pvs, run):
    h.env["RAW_RETENTION_DAYS"] = "30"
    real = h.clock.now
    pvs.clock = lambda: real + (h.clock.now - real) % timedelta(days=1)  # the PVS keeps the right time
    h.clock.now = real + timedelta(days=365)
    result = run()
    h.clock.advance(minutes=5)
    run()
    h.clock.now = real + timedelta(minutes=10)
    pvs.clock = h.clock
    assert sorted((h.data_dir / "raw").glob("2026/06/21/*.json.gz")), "the archive was wiped"
    return result


def meter_glitch(h, pvs, run):
    document = json.loads(pvs.site.render(h.clock()))
    for device in document["devices"]:
        if device.get("SERIAL", "").endswith("p") and device.get("DEVICE_TYPE") == "Power Meter":
            device["p_3phsum_kw"] = "450.0"
    pvs.forced.append(ForcedAnswer(body=json.dumps(document).encode()))
    result = run()
    peak = state.load(h.data_dir).detector.peak_production_kw
    assert 0 < peak <= 12 * MAX_INVERTER_AC_KW
    for _ in range(4):  # "no solar production" would fire after 3 readings under a 450 kW peak
        h.clock.advance(minutes=5)
        assert run().code == 0
    assert not [key for key in state.load(h.data_dir).incidents if "no_production" in key]
    return result


@dataclass(frozen=True)
class Case:
    name: str
    accident: Callable[[Harness, SimulatedPVS, Callable[[], Result]], Result]
    says: tuple[str, ...] = ()  # what the accident cycle's stderr must contain (nothing: it must be silent)
    code: int = 0
    as_nobody: bool = False  # run every cycle as an ordinary user, so that root-owned files bite
    ordered: bool = True  # readings.csv stays in time order


CASES = [
    Case("crlf", spreadsheet(newline="\r\n")),
    Case("utf8_bom", spreadsheet(bom=True)),
    Case("bom_crlf_quoted", spreadsheet(bom=True, newline="\r\n", quote=csv.QUOTE_ALL)),
    Case("comma_decimals", spreadsheet(quote=csv.QUOTE_NONNUMERIC and csv.QUOTE_ALL, cells=comma_decimal)),
    Case("no_offset_timestamps", spreadsheet(cells=wall_time("%Y-%m-%d %H:%M:%S"))),
    Case("us_spreadsheet_timestamps", spreadsheet(cells=wall_time("%m/%d/%Y %H:%M"), newline="\r\n")),
    Case(
        "blank_and_total_rows",
        spreadsheet(extra_rows=([], [""] * 13, ["Total", "", "", "", "", "", "", "1234,5", "", "", "", "", ""])),
    ),
    Case(
        "other_columns",
        other_columns,
        ("readings.csv had other columns (missing cloud_cover_pct, pvs_comm_errors; extra notes)",),
    ),
    Case("future_row_typo", future_row, ("readings.csv line 4 (2062-", "correct or delete that line"), ordered=False),
    Case("row_from_a_clock_jump", clock_jump_row, ("readings.csv line 4 (2027-",), ordered=False),
    Case("root_owned_unreadable_csv", root_owned(0o600), ("owned by root", "sudo chown nobody: "), as_nobody=True),
    Case("root_owned_readable_csv", root_owned(0o644), ("owned by root", "replaced by a copy"), as_nobody=True),
    Case("pvs_clock_drift", pvs_clock_drift, ("PVS's clock is 5 h 20 min ahead of the system clock", "MAX_CLOCK_SKEW")),
    Case("system_clock_behind", system_clock_behind, ("behind the newest recorded reading", "timedatectl")),
    Case("both_clocks_wrong", both_clocks_wrong_then_right, ("recorded once a clock is right", "timedatectl"), 5),
    Case("forward_clock_jump", forward_clock_jump, ("jumped: it is 365 d ahead of the PVS's", "timedatectl")),
    Case("meter_glitch_450_kw", meter_glitch),
]


def run_as(harness: Harness, uid: int | None) -> Result:
    """One cycle through main(), in a child process under uid when given (root-owned files then bite)."""
    if uid is None:
        return harness.run()
    reader, writer = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover (the child)
        code = 70
        try:
            os.close(reader)
            os.setgid(uid)
            os.setuid(uid)
            result = harness.run()
            os.write(writer, json.dumps([result.code, result.stdout, result.stderr]).encode())
            code = 0
        finally:
            os._exit(code)
    os.close(writer)
    with os.fdopen(reader, "rb") as pipe:
        data = pipe.read()
    _, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0 and data, "the child cycle died"
    code, stdout, stderr = json.loads(data)
    return Result(code, stdout, stderr)


def recorded(data_dir: Path) -> list[datetime]:
    """Every reading's moment in readings.csv and the copies set aside, in file order."""
    moments = []
    for path in sorted(data_dir.glob("readings*.csv")):
        rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
        column = [name.strip() for name in rows[0]].index("timestamp")
        moments += [m for row in rows[1:] if len(row) > column and (m := parse_timestamp(row[column], ZONE))]
    return moments


@pytest.fixture
def place():
    """A folder an ordinary user can reach (pytest's own is root's alone)."""
    folder = Path(tempfile.mkdtemp(prefix="pvs6-accident-"))
    os.chmod(folder, 0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
@pytest.mark.slow
def test_an_accident_heals_or_is_heard_and_no_reading_is_lost(case: Case, place: Path):
    if case.as_nobody and os.geteuid() != 0:
        pytest.skip("needs root, to leave a root-owned file and run the cycle as another user")
    harness = Harness(place)
    if case.as_nobody:
        os.chown(place, NOBODY, NOBODY)
    uid = NOBODY if case.as_nobody else None
    with SimulatedPVS(site=SimulatedSite(SiteModel()), clock=harness.clock) as pvs:
        harness.env.update({"PVS_HOST": pvs.base_url, **SITE_ENV})
        harness.weather_urls = WeatherURLs(open_meteo=pvs.base_url + "/v1/forecast")

        def run() -> Result:
            result = run_as(harness, uid)
            assert result.code != 70 and "Traceback" not in result.stderr, result.stderr
            return result

        for _ in range(2):
            assert run().code == 0
            harness.clock.advance(minutes=5)
        hit = case.accident(harness, pvs, run)
        assert hit.code == case.code, hit.stderr
        for words in case.says:
            assert words in hit.stderr, hit.stderr
        if not case.says:
            assert hit.stderr == ""
        harness.clock.advance(minutes=5)
        after = run()
        assert (after.code, after.stderr) == (0, ""), after.stderr
        polls = pvs.device_list_requests

    moments = recorded(harness.data_dir)
    in_2026 = [m for m in moments if m.year == 2026]
    assert len(set(in_2026)) == len(in_2026) == polls  # every reading once, none twice
    if case.ordered:
        current = recorded_file(harness.data_dir / "readings.csv")
        assert current == sorted(current)


def recorded_file(path: Path) -> list[datetime]:
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    return [m for row in rows[1:] if row and (m := parse_timestamp(row[0], ZONE))]


def test_comma_decimals_and_wall_times_are_read_not_fatal(tmp_path):
    (tmp_path / "inverters-2026-06.csv").write_text(
        "timestamp,serial,state,power_kw,lifetime_kwh,temperature_c,dc_power_kw,reported_at\r\n"
        '2026-06-21 12:00:00,E001,working,"0,281",,,,\r\n'
        "2026-06-21 12:05:00,E001,working,n/a,,,,\r\n"
        "Total,,,,,,,\r\n",
        encoding="utf-8-sig",
    )
    start = datetime(2026, 6, 21, 12, tzinfo=timezone.utc).replace(tzinfo=None).astimezone().timestamp()
    assert recent_power(tmp_path, "E001") == [(start, 0.281), (start + 300, None)]
