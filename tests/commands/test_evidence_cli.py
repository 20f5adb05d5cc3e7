"""`evidence SERIAL` through the real CLI on a small DATA_DIR (daily.csv as the rollup writes it): the files it
writes, and one line with the exit code from the table for an ending that names no inverter or several, a
missing DATA_DIR and an --out that is a file. The simulated roof end to end: tests/e2e/test_evidence.py."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest

from pvs6sup.core import rollup
from pvs6sup.core.rollup_records import DailyRow
from pvs6sup.errors import ExitStatus
from pvs6sup.store.files import append_lines
from pvs6sup.store.rollup_file import DAILY_FILE
from tests.support.harness import SITE_ENV, Harness

SERIALS = ("E00121852001392", "E00121852001393", "E00121852011392", "E00121852001400")
FIRST = date(2026, 6, 10)  # the harness's clock is 21 June: the days up to the 20th are finished


@pytest.fixture
def recorded(harness: Harness) -> Harness:
    harness.env.update(SITE_ENV)
    rows = [
        DailyRow(FIRST + timedelta(days=i), serial, energy, 0.4, 144, 0, None, 0, "")
        for i in range(11)
        for serial, energy in zip(SERIALS, (2.0, 2.0 if i < 6 else 1.4, 2.1, 1.9), strict=True)
    ]
    harness.data_dir.mkdir()
    append_lines(harness.data_dir / DAILY_FILE, rollup.header(), rollup.encode_rows(rows))
    return harness


def test_an_ending_writes_the_page_and_one_row_a_day(recorded: Harness) -> None:
    out = recorded.tmp_path / "out"
    result = recorded.run("evidence", "1393", "--days", "14", "--out", str(out))
    assert result.code == ExitStatus.OK, result.stderr
    page, table = out / "evidence-E00121852001393.html", out / "evidence-E00121852001393.csv"
    assert result.stdout.splitlines() == [str(page), str(table)] and result.stderr == ""
    rows = list(csv.DictReader(io.StringIO(table.read_text())))
    assert [r["date"] for r in rows] == [(date(2026, 6, 7) + timedelta(days=i)).isoformat() for i in range(14)]
    assert [r["own_kwh"] for r in rows[:3]] == ["", "", ""]  # before the records: unknown, not 0
    # No alert raised: the usual ratio is learned over every day shown, so the share tells only the drop.
    assert {r["basis"] for r in rows[3:]} == {"siblings"}
    assert float(rows[3]["share"]) > float(rows[-1]["share"])
    text = page.read_text()
    assert "E00121852001393" in text and "No alert has been raised" in text and "<svg" in text


@pytest.mark.parametrize(
    ("ending", "said"),
    [
        ("1392", "'1392' is the ending of 2 inverters (E00121852001392, E00121852011392); give more of the serial"),
        ("7777", "no inverter's serial ends with '7777' (known: E00121852001392, E00121852001393, E00121852001400"),
    ],
)
def test_an_ending_that_names_no_inverter_or_several_is_one_line_naming_them(
    recorded: Harness, ending: str, said: str
) -> None:
    result = recorded.run("evidence", ending, "--out", str(recorded.tmp_path / "out"))
    assert result.code == ExitStatus.CONFIG
    assert said in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert not (recorded.tmp_path / "out").exists()


def test_a_missing_data_dir_is_one_line(harness: Harness) -> None:
    harness.env.update(SITE_ENV)
    result = harness.run("evidence", "1392", "--out", str(harness.tmp_path / "out"))
    assert result.code == ExitStatus.CONFIG
    assert f"DATA_DIR {harness.data_dir} does not exist" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_an_out_folder_that_is_a_file_is_one_line(recorded: Harness) -> None:
    in_the_way = recorded.tmp_path / "notes.txt"
    in_the_way.write_text("a file, not a folder\n")
    result = recorded.run("evidence", "1393", "--out", str(in_the_way))
    assert result.code == ExitStatus.CONFIG, result.stderr
    assert f"{in_the_way} is a file, not a folder" in result.stderr and len(result.stderr.strip().splitlines()) == 1
