import csv
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from pvs6sup.core.models import Reading
from pvs6sup.core.rows import INVERTER_COLUMNS, READING_COLUMNS, cell, reading_row
from pvs6sup.core.site import derive_site
from pvs6sup.pvs.devicelist import parse_devicelist
from pvs6sup.store.csvlog import append_reading
from tests.support.harness import fixture_bytes

ZONE = ZoneInfo("America/New_York")
WHEN = datetime(2026, 6, 21, 16, 5, 0, tzinfo=timezone.utc)


def reading(name="legacy_build61839_net_loadside/devicelist.json", cloud=None):
    devices = parse_devicelist(fixture_bytes(name))
    return Reading(fetched_at=WHEN, devices=devices, site=derive_site(devices), cloud_cover_pct=cloud)


def test_cells_are_empty_for_unknown_and_plain_decimals_otherwise():
    assert [cell(None), cell(0.0), cell(-0.0), cell(0.30000000000000004), cell(12), cell(27692.41)] == [
        "",
        "0",
        "0",
        "0.3",
        "12",
        "27692.41",
    ]


def test_reading_row_starts_with_the_documented_columns():
    assert READING_COLUMNS[:7] == (
        "timestamp",
        "production_kw",
        "consumption_kw",
        "net_kw",
        "cloud_cover_pct",
        "inverters_total",
        "inverters_working",
    )
    assert INVERTER_COLUMNS[:6] == ("timestamp", "serial", "state", "power_kw", "lifetime_kwh", "temperature_c")
    row = reading_row(reading(cloud=40.0), ZONE)
    assert row["timestamp"] == "2026-06-21T12:05:00-04:00"
    assert (row["production_kw"], row["consumption_kw"], row["net_kw"]) == ("0.9012", "0.5", "-0.4012")
    assert (row["cloud_cover_pct"], row["inverters_total"], row["inverters_working"]) == ("40", "4", "3")


def test_both_csvs_are_appended_with_one_header_and_empty_unknowns(tmp_path):
    append_reading(tmp_path, reading(), ZONE)
    append_reading(tmp_path, reading(), ZONE)
    with (tmp_path / "readings.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 2 and rows[0]["cloud_cover_pct"] == ""
    with (tmp_path / "inverters-2026-06.csv").open() as handle:
        inverters = list(csv.DictReader(handle))
    assert len(inverters) == 8
    dead = inverters[3]
    assert (dead["state"], dead["power_kw"], dead["lifetime_kwh"], dead["reported_at"]) == ("error", "", "", "")
    assert inverters[0]["reported_at"] == "2026-06-21T15:04:45-04:00"


def test_a_csv_with_other_columns_is_set_aside_not_mixed(tmp_path):
    (tmp_path / "readings.csv").write_text("timestamp,old_column\nx,y\n")
    append_reading(tmp_path, reading(), ZONE)
    assert (tmp_path / "readings.csv").read_text().startswith("timestamp,production_kw,")
    aside = list(tmp_path.glob("readings.until-*.csv"))
    assert len(aside) == 1 and aside[0].read_text() == "timestamp,old_column\nx,y\n"


def test_recent_power_reads_one_inverters_last_points_from_the_tail(tmp_path):
    from datetime import timedelta

    from pvs6sup.store.csvquery import recent_power

    for step in range(5):
        devices = parse_devicelist(fixture_bytes("legacy_build61839_net_loadside/devicelist.json"))
        moment = WHEN + timedelta(minutes=5 * step)
        append_reading(tmp_path, Reading(fetched_at=moment, devices=devices, site=derive_site(devices)), ZONE)
    points = recent_power(tmp_path, "E00X00000000001", points=3)
    assert points == [((WHEN + timedelta(minutes=5 * s)).timestamp(), 0.3011) for s in (2, 3, 4)]
    assert recent_power(tmp_path, "E00X00000000004") == [
        ((WHEN + timedelta(minutes=5 * s)).timestamp(), None) for s in range(5)
    ]
    assert recent_power(tmp_path / "nowhere", "E00X00000000001") == []


def test_the_inverter_rows_are_written_before_the_site_row_that_marks_the_reading_recorded(tmp_path, monkeypatch):
    from pvs6sup.store import csvlog

    written: list[str] = []
    real_append_lines = csvlog.append_lines

    def killed_after_the_first_file(path, header, lines):
        written.append(path.name)
        real_append_lines(path, header, lines)
        raise KeyboardInterrupt("killed between the two files")

    monkeypatch.setattr(csvlog, "append_lines", killed_after_the_first_file)
    with pytest.raises(KeyboardInterrupt):
        append_reading(tmp_path, reading(), ZONE)
    assert len(written) == 1 and written[0].startswith("inverters-")  # this month's inverter file
    assert not (tmp_path / "readings.csv").exists()  # no site row claims inverters that were not written
    monkeypatch.setattr(csvlog, "append_lines", real_append_lines)
    append_reading(tmp_path, reading(), ZONE)
    assert (tmp_path / "readings.csv").exists()
