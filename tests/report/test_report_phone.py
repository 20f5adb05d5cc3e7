"""The report at a phone's width in headless Chromium: labels stay in view, the telling column first, one
short form of each serial wherever a person reads it (the full one in the table and the tooltips)."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path

import pytest

from pvs6sup.core.texts import short_serial
from pvs6sup.report import load, schedule
from tests.support.browser import measure
from tests.support.report_sim import ZONE, site_with_history

NOW = datetime(2026, 6, 21, 21, 0, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def page(tmp_path_factory) -> tuple[Path, list[str]]:
    data_dir = tmp_path_factory.mktemp("phone") / "data"
    serials = site_with_history(data_dir, NOW)
    data = load.load(data_dir, ZONE, NOW, site_name="Test site")
    return load.write_report(data, schedule.report_path(data_dir)), serials


@pytest.mark.slow
def test_one_short_form_of_each_serial_and_the_full_one_only_where_it_must_be_exact(page) -> None:
    path, serials = page
    html = path.read_text()
    visible = re.sub(r"<title>.*?</title>|<tr><td>E00X\d+</td>|data-serial=\"[^\"]*\"", "", html)
    visible = re.sub(r"<table>.*?</table>", "", visible, flags=re.S)  # the inverter table shows the full serial
    for serial in serials:
        assert serial[-8:] not in visible.replace(serial, ""), serial  # no third spelling
        assert short_serial(serial) in visible


@pytest.mark.timeout(300)
@pytest.mark.parametrize("width", [400, 1280])
@pytest.mark.slow
def test_labels_and_the_telling_column_stay_in_view(page, width: int, tmp_path: Path) -> None:
    path, serials = page
    seen = measure(path, width, ["svg.labels text", ".heat .scroll", "table th"], tmp_path, height=2400)
    viewport = seen["viewport"]
    assert seen["scroll_width"] <= viewport, seen  # the page itself never scrolls sideways
    labels = seen["found"]["svg.labels text"]
    assert len(labels) == len(serials)
    assert all(box["left"] >= 0 and box["right"] <= viewport and box["width"] > 10 for box in labels), labels
    heads = {box["text"]: box for box in seen["found"]["table th"]}
    assert list(heads)[:2] == ["Inverter", "vs median"]
    assert heads["vs median"]["right"] <= viewport  # no sideways swipe to see how each inverter does
