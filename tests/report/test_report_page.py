"""The report page: well-formed, self-contained, one heatmap row per inverter, the dead one red and hatched."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest

from pvs6sup.report import load, schedule
from pvs6sup.report.colours import NO_DATA, colour
from pvs6sup.report.data import AlertItem, InverterNow, ReportData, arrange, ratios
from pvs6sup.report.render import heatmap_days, render_report
from tests.support.page_check import check_balanced, svg_parts
from tests.support.report_sim import DEAD_INDEX, ZONE, site_with_history

NOW = datetime(2026, 6, 21, 21, 0, tzinfo=timezone.utc)  # 14:00 in California
LAYOUT = (("00001", "00002", "00003", "00004"), ("00005", "00006", "00007", "00008"), ("00009", "00010", "00011"))


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("site") / "data"
    serials = site_with_history(data_dir, NOW)
    data = load.load(data_dir, ZONE, NOW, site_name="Test <site>", layout=LAYOUT)
    return data_dir, serials, data, render_report(data)


@pytest.mark.slow
def test_the_page_is_well_formed_and_self_contained(site):
    _, _, _, html = site
    assert check_balanced(html) == []
    assert len(svg_parts(html)) == 3  # Today, the heatmap's labels and its tiles, each well-formed XML
    assert '<meta name="viewport"' in html and "<title>Test &lt;site&gt;: solar report</title>" in html
    assert "<script" not in html.lower()
    assert not re.search(r"(src|href)\s*=|@import|@font-face|https?:", html)  # nothing fetched
    assert re.findall(r"url\(([^)]*)\)", html) == ["#hatch"] * html.count("url(#hatch)")


def test_the_heatmap_has_one_row_per_inverter_in_layout_order_and_the_dead_one_is_red(site):
    _, serials, data, html = site
    heatmap = svg_parts(html)[2]
    rows = [g for g in heatmap.iter("{http://www.w3.org/2000/svg}g") if g.get("class") == "inverter"] or [
        g for g in heatmap.iter("g") if g.get("class") == "inverter"
    ]
    assert [g.get("data-serial") for g in rows] == serials  # LAYOUT's order, the 12th (unnamed) last
    assert all(len([r for r in g if r.tag.endswith("rect") and r.get("fill") != "url(#hatch)"]) == 30 for g in rows)
    dead = rows[DEAD_INDEX]
    fills = [r.get("fill") for r in dead if r.tag.endswith("rect")]
    assert fills.count(colour(0.0)) == 13  # 11 synthetic days, yesterday and today (simulated): 0 kWh
    assert fills.count("url(#hatch)") == 13  # hatched from the day its alert was raised (12 days ago)
    third = [r.get("fill") for r in rows[2] if r.tag.endswith("rect")]
    assert third.count(NO_DATA) == 2  # the two days the PVS lost it
    assert "Inverter E00X00000700007 is offline" in html.split("Needs a look")[1].split("</div>")[0]
    assert data.inverters[DEAD_INDEX].today_kwh == 0


def test_arrange_follows_the_layout_by_serial_endings_and_keeps_the_rest_by_serial():
    assert arrange(["C9", "A1", "B2", "Z5"], (("B2", "1"), ("9",))) == [["B2", "A1"], ["C9"], ["Z5"]]
    assert arrange(["b", "a"], ()) == [["a", "b"]]


def test_ratios_compare_with_the_best_sibling_of_the_same_group_and_unknown_stays_unknown():
    day = datetime(2026, 6, 1).date()
    energy = {"E1": {day: 2.0}, "E2": {day: 1.0}, "W1": {day: 1.0}, "W2": {day: None}, "N1": {day: 0.01}}
    found = ratios(energy, day, (("E1", "E2"), ("W1", "W2")))
    assert found == {"E1": 1.0, "E2": 0.5, "W1": 1.0, "W2": None, "N1": None}  # N1's group made nothing


def test_an_empty_site_renders_without_inventing_numbers():
    data = ReportData(
        site_name="New",
        generated_at=NOW,
        zone=ZONE,
        today=(),
        days=heatmap_days(NOW.astimezone(ZONE).date(), 30),
        energy_kwh={},
        layout=(),
        groups=(),
        inverters=(),
        alerts=(),
        last_reading_at=None,
    )
    html = render_report(data)
    assert check_balanced(html) == []
    assert "No reading recorded today yet" in html and "No inverter seen yet" in html and "never" in html


def test_recent_alerts_show_their_times_and_an_unknown_temperature_is_a_dash():
    raised = NOW - timedelta(days=2)
    data = ReportData(
        site_name="S",
        generated_at=NOW,
        zone=ZONE,
        today=(),
        days=heatmap_days(NOW.astimezone(ZONE).date(), 3),
        energy_kwh={"E1": {}},
        layout=(),
        groups=(),
        inverters=(InverterNow("E1", None, None, None, None),),
        alerts=(AlertItem("pvs_unreachable", None, "The PVS did not answer", raised, raised + timedelta(hours=1)),),
        last_reading_at=None,
    )
    html = render_report(data)
    assert 'The PVS did not answer</b> <span class="muted">Jun 19 14:00 – Jun 19 15:00</span>' in html
    assert "<td>–</td>" in html and "0 °C" not in html and "No active alert." in html


def test_the_report_is_written_atomically_where_the_cycle_puts_it(site):
    data_dir, _, data, html = site
    path = load.write_report(data, schedule.report_path(data_dir))
    assert path == data_dir / "report" / "index.html" and path.read_text() == html
    made = data.generated_at  # the page is dated by the cycle's clock, so a simulated clock works too
    assert path.stat().st_mtime == made.timestamp()
    assert schedule.due(data_dir, made + timedelta(minutes=61), 60)
    assert not schedule.due(data_dir, made + timedelta(minutes=5), 60)
    assert schedule.due(data_dir, made - timedelta(hours=2), 60)  # the clock was set back: made again
    assert not schedule.due(data_dir, made + timedelta(days=5), 0)  # 0: only on demand


def test_an_inverter_alert_shows_its_likely_cause_and_the_energy_it_lost_active_and_resolved(tmp_path):
    from pvs6sup.alerts import state
    from pvs6sup.alerts.incidents import Event, Incident
    from pvs6sup.store import alert_log

    raised = NOW - timedelta(days=2)
    why = "Its panel's voltage is 36 V while its siblings' is 54 V: most likely a failed bypass diode."
    incident = Incident("inverter_underperforming", "E1", "E1 made 67 %", "", raised, raised, 0, "panel", why, 3.0)
    state.save(tmp_path, state.AlertState(incidents={"inverter:E1": incident}))
    alert_log.append(
        tmp_path,
        [
            Event(raised, "raised", "inverter_offline", "E2", "E2 down", "", None, "branch circuit", "A branch.", 0.1),
            Event(
                NOW, "resolved", "inverter_offline", "E2", "Fine again", "", raised, "branch circuit", "A branch.", 4.0
            ),
        ],
    )
    active, resolved = load.alerts(tmp_path, NOW - timedelta(days=7), 0.3, NOW)
    assert (
        active.note
        == f"{why} About 3.0 kWh lost so far (1.5 kWh a day; at 0.30 a kWh, 0.45 a day, 164 a year if it stays so)."
    )
    assert (
        resolved.note
        == "A branch. About 4.0 kWh lost so far (2.0 kWh a day; at 0.30 a kWh, 0.60 a day, 219 a year if it stays so)."
    )
    data = ReportData(
        site_name="S",
        generated_at=NOW,
        zone=ZONE,
        today=(),
        days=heatmap_days(NOW.astimezone(ZONE).date(), 3),
        energy_kwh={"E1": {}},
        layout=(),
        groups=(),
        inverters=(InverterNow("E1", None, None, None, None),),
        alerts=(active, resolved),
        last_reading_at=None,
    )
    html = render_report(data)
    assert check_balanced(html) == []
    assert "36 V while its siblings&#x27; is 54 V" in html and "About 3.0 kWh lost so far" in html
    assert "A branch. About 4.0 kWh lost so far" in html
