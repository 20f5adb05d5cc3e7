"""The roof drawn from LAYOUT_FILE in the report: every inverter at its place with data-serial and a tooltip, the
dead one hatched; a layout it cannot place is one line (in the page and the log), never a traceback; and in
headless Chromium every panel lies inside the window at a phone's and a desktop's width."""

from __future__ import annotations

import logging
import re
from datetime import datetime, timezone
from pathlib import Path

import pytest

from pvs6sup.report import load, schedule
from tests.support.browser import measure
from tests.support.report_sim import DEAD_INDEX, ZONE, site_with_history

NOW = datetime(2026, 6, 21, 21, 0, tzinfo=timezone.utc)
HEADER = "serialNumber,xCoordinate,yCoordinate,rotation,azimuth,orientation,moduleType"


def roof_csv(serials: list[str]) -> str:
    """Two faces: a south row of portrait panels, and a west block of landscape ones drawn turned."""
    rows = [HEADER]
    for index, serial in enumerate(serials):
        if index < 6:
            rows.append(f"{serial},{100 + 42 * index},80,0,180,portrait,A")
        else:
            at = index - 6
            rows.append(f"{serial[-5:]},{420 + 75 * (at % 2)},{200 + 42 * (at // 2)},30,270,landscape,A")
    return "\n".join(rows) + "\n"


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> tuple[Path, list[str]]:
    data_dir = tmp_path_factory.mktemp("roof") / "data"
    return data_dir, site_with_history(data_dir, NOW)


def page_with(data_dir: Path, text: str, tmp_path: Path) -> str:
    layout = tmp_path / "layout.csv"
    layout.write_text(text)
    data = load.load(data_dir, ZONE, NOW, site_name="Test site", layout_file=layout)
    return load.write_report(data, tmp_path / "index.html").read_text()


def test_every_inverter_is_drawn_with_its_serial_and_the_dead_one_hatched(site, tmp_path: Path) -> None:
    data_dir, serials = site
    html = page_with(data_dir, roof_csv(serials), tmp_path)
    roof = re.search(r'<svg class="roof".*?</svg>', html, re.S)
    assert roof is not None
    drawn = re.findall(r'<g class="panel" data-serial="([^"]+)"><title>([^<]+)</title>(.*?)</g>', roof[0], re.S)
    assert sorted(serial for serial, _, _ in drawn) == sorted(serials)
    for serial, title, body in drawn:
        assert title.startswith(serial + ": ")
        hatched = "url(#roof-hatch)" in body
        assert hatched == (serial == serials[DEAD_INDEX]), (serial, title)
        facing = "facing 180°" if serials.index(serial) < 6 else "facing 270°"
        assert facing in title
    assert "Not in LAYOUT_FILE" not in html


def test_an_inverter_the_layout_leaves_out_is_named_under_the_drawing(site, tmp_path: Path) -> None:
    data_dir, serials = site
    html = page_with(data_dir, roof_csv(serials[:-1]), tmp_path)
    assert html.count('<g class="panel"') == len(serials) - 1
    assert "Not in LAYOUT_FILE, so not drawn: E00…" in html


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda text: text.replace(",rotation", ",turn"), "no rotation column"),
        (lambda text: text + "E00X0000099999,1,1,0,180,portrait,A\n", "matches none of the 12 inverters"),
        (lambda text: text.replace(",80,0,180,", ",80,0,south,", 1), "azimuth is 'south', not a number"),
    ],
)
def test_a_layout_it_cannot_place_is_one_line_in_the_page_and_the_log(site, tmp_path: Path, caplog, change, words):
    data_dir, serials = site
    with caplog.at_level(logging.WARNING):
        html = page_with(data_dir, change(roof_csv(serials)), tmp_path)
    [record] = [r for r in caplog.records if "LAYOUT_FILE" in r.getMessage()]
    assert words in record.getMessage() and "\n" not in record.getMessage()
    assert record.exc_info is None
    assert '<svg class="roof"' not in html
    assert words in html.replace("&#x27;", "'")


def test_a_missing_file_is_one_line(site, tmp_path: Path) -> None:
    data_dir, _ = site
    data = load.load(data_dir, ZONE, NOW, layout_file=tmp_path / "nowhere.csv")
    assert data.roof == () and data.roof_problem.endswith("no such file; correct the path, or unset LAYOUT_FILE")


@pytest.mark.timeout(300)
@pytest.mark.parametrize("width", [400, 1280])
@pytest.mark.slow
def test_every_panel_lies_inside_the_window_in_chromium(site, tmp_path: Path, width: int) -> None:
    data_dir, serials = site
    layout = tmp_path / "layout.csv"
    layout.write_text(roof_csv(serials))
    data = load.load(data_dir, ZONE, NOW, site_name="Test site", layout_file=layout)
    page = load.write_report(data, schedule.report_path(tmp_path / "out"))
    seen = measure(page, width, ["svg.roof [data-serial]", "svg.roof"], tmp_path, height=2400)
    viewport = seen["viewport"]
    assert seen["scroll_width"] <= viewport
    [roof] = seen["found"]["svg.roof"]
    panels = seen["found"]["svg.roof [data-serial]"]
    assert len(panels) == len(serials)
    for box in panels:
        assert box["left"] >= 0 and box["right"] <= viewport, box
        assert box["width"] >= 8 and box["height"] >= 8, box  # a panel a finger can find on a phone
        assert roof["top"] <= box["top"] and box["left"] >= roof["left"] and box["right"] <= roof["right"], box
