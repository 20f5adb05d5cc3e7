"""Headless Chromium renders the report: no console error, and the dead inverter's row is red in the pixels."""

from __future__ import annotations

import subprocess
from datetime import datetime, timezone
from pathlib import Path

import pytest

from pvs6sup.report import load, schedule
from pvs6sup.report.colours import SCALE
from tests.support.browser import headless
from tests.support.page_check import bands, read_png
from tests.support.report_sim import DEAD_INDEX, ZONE, site_with_history

NOW = datetime(2026, 6, 21, 21, 0, tzinfo=timezone.utc)
LAYOUT = (("00001", "00002", "00003", "00004"), ("00005", "00006", "00007", "00008"), ("00009", "00010", "00011"))
RED, GREEN = SCALE[0][1], SCALE[-1][1]


def screenshot(page: Path, out: Path, width: int, height: int, tmp_path: Path) -> str:
    """Render the page to a PNG; returns Chromium's log (console messages are logged as CONSOLE)."""
    done = subprocess.run(
        headless(tmp_path, width, height, "--enable-logging=stderr", "--v=0", f"--screenshot={out}", page.as_uri()),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert out.exists()
    return done.stderr


def console_lines(log: str) -> list[str]:
    return [line for line in log.splitlines() if ":CONSOLE" in line]


@pytest.mark.slow
def test_the_console_check_sees_an_error_when_there_is_one(tmp_path):
    page = tmp_path / "bad.html"
    page.write_text("<!DOCTYPE html><html><body><script>notDefined()</script></body></html>")
    log = screenshot(page, tmp_path / "bad.png", 300, 200, tmp_path)
    assert any("notDefined" in line for line in console_lines(log))


@pytest.mark.timeout(300)
@pytest.mark.slow
def test_chromium_renders_the_report_and_the_dead_inverter_stands_out(tmp_path):
    data_dir = tmp_path / "data"
    serials = site_with_history(data_dir, NOW)
    data = load.load(data_dir, ZONE, NOW, site_name="Test site", layout=LAYOUT)
    page = load.write_report(data, schedule.report_path(data_dir))
    png = tmp_path / "report.png"
    log = screenshot(page, png, 1000, 1900, tmp_path)
    assert console_lines(log) == []

    width, height, rows = read_png(png.read_bytes())
    assert (width, height) == (1000, 1900)
    # Every inverter's row has green tiles (the dead one before it died): one green band per inverter.
    green = bands(rows, GREEN, at_least=60)
    assert len(green) == len(serials), green
    # Pure red (0 % of the best) fills one band only, and it is the dead inverter's row (7th in LAYOUT).
    red = bands(rows, RED, at_least=60)
    assert len(red) == 1, red
    top, bottom = red[0]
    dead_row = green[DEAD_INDEX]
    assert dead_row[0] - 2 <= top and bottom <= dead_row[1] + 2
    assert bottom - top >= 10  # a tile's height, not a stray line
