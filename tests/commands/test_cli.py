"""End to end: main() in-process against the simulated PVS6 on 127.0.0.1."""

import csv
import email
import email.policy
import gzip
import json
import os
import re
from datetime import timedelta

import pytest

from pvs6sup.alerts.faces import Face
from pvs6sup.alerts.memory import InverterTrack
from pvs6sup.alerts.state import load, save
from pvs6sup.report.colours import NO_DATA
from pvs6sup.sim.legacy_pvs import ForcedAnswer, SimulatedSite, SiteModel
from pvs6sup.store.lock import data_dir_lock
from tests.support.harness import Harness, fixture_bytes


def rows(path):
    with path.open() as handle:
        return list(csv.DictReader(handle))


def raw_files(harness):
    return sorted((harness.data_dir / "raw").rglob("*.json.gz")) if (harness.data_dir / "raw").exists() else []


def test_a_cycle_is_silent_and_writes_the_raw_answer_and_both_csvs(harness: Harness, simulated):
    result = harness.run()  # no command: 'run' is the default
    assert (result.code, result.stdout, result.stderr) == (0, "", "")
    assert simulated.device_list_requests == 1
    [raw] = raw_files(harness)
    assert raw.relative_to(harness.data_dir).as_posix() == "raw/2026/06/21/20260621T190530Z.json.gz"
    document = json.loads(gzip.decompress(raw.read_bytes()))
    [reading] = rows(harness.data_dir / "readings.csv")
    meter_p, meter_c = (d for d in document["devices"] if d["DEVICE_TYPE"] == "Power Meter")
    assert reading["timestamp"] == "2026-06-21T12:05:30-07:00"
    assert float(reading["production_kw"]) == float(meter_p["p_3phsum_kw"])
    assert float(reading["net_kw"]) == float(meter_c["p_3phsum_kw"])
    assert float(reading["consumption_kw"]) == pytest.approx(
        float(meter_p["p_3phsum_kw"]) + float(meter_c["p_3phsum_kw"])
    )
    assert reading["cloud_cover_pct"] == str(int(simulated.site.cloud_cover_pct(harness.clock.now)))
    assert (reading["inverters_total"], reading["inverters_working"]) == ("12", "11")
    inverters = rows(harness.data_dir / "inverters-2026-06.csv")
    assert len(inverters) == 12
    assert [r["state"] for r in inverters].count("error") == 1


def test_gross_lineside_site_records_consumption_from_meter_c(harness: Harness, simulated):
    simulated.site = SimulatedSite(SiteModel(consumption_mode="gross"))
    assert harness.run("run").code == 0
    document = json.loads(gzip.decompress(raw_files(harness)[0].read_bytes()))
    meter_p, meter_c = (d for d in document["devices"] if d["DEVICE_TYPE"] == "Power Meter")
    [reading] = rows(harness.data_dir / "readings.csv")
    assert float(reading["consumption_kw"]) == float(meter_c["p_3phsum_kw"])
    assert float(reading["net_kw"]) == pytest.approx(float(meter_c["p_3phsum_kw"]) - float(meter_p["p_3phsum_kw"]))
    assert reading["grid_import_lifetime_kwh"] == ""


def test_cycles_append_and_the_header_is_written_once(harness: Harness, simulated):
    for _ in range(3):
        assert harness.run().code == 0
        harness.clock.advance(minutes=5)
    lines = (harness.data_dir / "readings.csv").read_text().splitlines()
    assert len(lines) == 4 and lines[0].startswith("timestamp,production_kw")
    assert simulated.device_list_requests == 3
    assert len(raw_files(harness)) == 3


def test_each_problem_file_is_private(harness: Harness, simulated):
    harness.run()
    for path in [
        *raw_files(harness),
        harness.data_dir / "readings.csv",
        harness.data_dir / "inverters-2026-06.csv",
        harness.data_dir / "logs" / "pvs6-supervisor.log",
    ]:
        assert oct(os.stat(path).st_mode & 0o777) == "0o600", path


def test_the_log_file_says_what_was_recorded(harness: Harness, simulated):
    harness.run()
    log = (harness.data_dir / "logs" / "pvs6-supervisor.log").read_text()
    assert "recorded: production" in log and "11/12 inverters working" in log


def test_unreachable_pvs_exits_1_with_one_line_and_records_nothing(harness: Harness):
    harness.env.update({"PVS_HOST": "http://127.0.0.1:9", "PVS_TIMEOUT": "2", "WEATHER_PROVIDER": "none"})
    result = harness.run()
    assert result.code == 1
    assert result.stderr.count("\n") == 1 and "connection refused" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (harness.data_dir / "readings.csv").exists()


def test_a_refusal_is_archived_for_diagnosis_and_exits_1(harness: Harness, simulated):
    simulated.forced.append(ForcedAnswer(500, b"<html>dl_cgi crashed</html>"))
    result = harness.run()
    assert result.code == 1 and "HTTP 500" in result.stderr
    [raw] = raw_files(harness)
    assert gzip.decompress(raw.read_bytes()) == b"<html>dl_cgi crashed</html>"
    assert not (harness.data_dir / "readings.csv").exists()
    harness.clock.advance(minutes=5)
    assert harness.run().code == 0  # the next cycle works


def test_an_unusable_answer_is_archived_and_exits_1(harness: Harness, simulated):
    simulated.forced.append(ForcedAnswer(200, b'{"devices": [{"SERIAL": "E0'))
    result = harness.run()
    assert result.code == 1 and "not valid JSON (truncated" in result.stderr
    assert len(raw_files(harness)) == 1


def test_a_weather_failure_leaves_the_cloud_cover_blank_and_still_records(harness: Harness, simulated):
    harness.weather_urls = type(harness.weather_urls)(open_meteo=simulated.base_url + "/nowhere")
    result = harness.run()
    assert result.code == 0
    assert "cloud cover left blank: Open-Meteo: HTTP 404" in result.stderr
    assert rows(harness.data_dir / "readings.csv")[0]["cloud_cover_pct"] == ""


def test_a_held_lock_exits_3_at_once_without_asking_the_pvs(harness: Harness, simulated):
    with data_dir_lock(harness.data_dir):
        result = harness.run()
    assert result.code == 3 and "another run" in result.stderr
    assert simulated.device_list_requests == 0


def test_configuration_errors_exit_2_naming_each_variable(harness: Harness):
    harness.env.update({"PVS_TIMEOUT": "-5", "WEATHER_PROVIDER": "sunny"})
    result = harness.run()
    assert result.code == 2
    named = [line.split("configuration: ")[1].split(":")[0] for line in result.stderr.splitlines()]
    assert named == ["PVS_TIMEOUT", "LATITUDE", "LONGITUDE", "WEATHER_PROVIDER"]  # in the settings table's order


def test_an_env_file_named_on_the_command_line_is_read(harness: Harness, simulated, tmp_path):
    env_file = tmp_path / "site.env"
    env_file.write_text(f"PVS_HOST={simulated.base_url}\nWEATHER_PROVIDER=none\n")
    env_file.chmod(0o600)
    harness.env.pop("PVS_HOST")
    result = harness.run("--env-file", str(env_file), "run")
    assert (result.code, result.stderr) == (0, "")
    assert harness.run("--env-file", str(tmp_path / "missing.env")).code == 2


def test_usage_errors_exit_2(harness: Harness):
    assert harness.run("frobnicate").code == 2


@pytest.mark.parametrize("command", [[], ["run"], ["status"], ["demo"]])
def test_every_command_has_help_listing_the_exit_codes(harness: Harness, command, capsys):
    assert harness.run(*command, "--help").code == 0
    assert "exit codes:" in capsys.readouterr().out


def test_status_prints_the_site_and_every_inverter_and_records_nothing(harness: Harness, simulated):
    result = harness.run("status")
    assert result.code == 0 and result.stderr == ""
    assert "Production" in result.stdout and "Grid" in result.stdout
    assert "11 of 12 working" in result.stdout
    assert result.stdout.count("E00X000") == 12
    assert "ZT000000000000000X0001" not in result.stdout  # the PVS serial's tail is a password
    assert raw_files(harness) == [] and not (harness.data_dir / "readings.csv").exists()
    assert simulated.device_list_requests == 1


def test_status_says_what_the_alerts_have_learned_of_the_roof(harness: Harness, simulated):
    fresh = harness.run("status")
    assert "Roof         not learned yet" in fresh.stdout
    state = load(harness.data_dir)
    serials = [f"E00X000007{i:05d}" for i in range(1, 13)]
    state.detector.faces = [Face(tuple(serials[:8]), 12.1), Face(tuple(serials[8:]), 14.5)]
    state.detector.inverters = {s: InverterTrack() for s in serials}
    save(harness.data_dir, state)
    learned = harness.run("status")
    assert "Roof         2 face(s) found: 8 inverters peak at 12:06 solar time (south face); " in learned.stdout
    assert "4 inverters peak at 14:30 solar time (west face)" in learned.stdout
    assert "Learning     12 inverter(s) not judged for underperformance yet" in learned.stdout


def test_status_json_is_machine_readable(harness: Harness, simulated):
    result = harness.run("status", "--json", "-v")
    document = json.loads(result.stdout)
    assert document["inverters_total"] == 12
    assert document["devices"]["supervisor"]["serial"] == "ZT00…"
    assert document["site"]["production_kw"] > 0


def test_traceback_flag_shows_the_traceback(harness: Harness):
    harness.env.update({"PVS_HOST": "http://127.0.0.1:9", "WEATHER_PROVIDER": "none"})
    with pytest.raises(Exception, match="connection refused"):
        harness.run("--traceback")


@pytest.mark.timeout(120)
@pytest.mark.slow
def test_the_demo_shows_the_product_a_week_up_to_the_last_afternoon(harness: Harness, tmp_path):
    folder = tmp_path / "demo"
    result = harness.run("demo", "--data-dir", str(folder))
    assert result.code == 0, result.stderr
    cycles = 6 * 24 * 6 + 15 * 12 + 1  # six days every 10 minutes, the last every 5 up to 15:00
    assert len(rows(folder / "readings.csv")) == cycles
    assert f"{cycles} requests to the PVS for {cycles} cycles" in result.stdout
    assert "E00…0007 is dead" in result.stdout and "E00…0003 loses" in result.stdout  # one dead, one failing
    assert "  Mon 00:00  production " in result.stdout  # progress while it simulates
    report, eml, html = (folder / "report" / "index.html", folder / "alert-email.eml", folder / "alert-email.html")
    evidence = folder / "evidence-E00X00000700003.html"
    assert result.stdout.splitlines()[-4:] == [
        f"Report:      {report}",
        f"Alert email: {eml}",
        f"Alert email: {html}",
        f"Evidence:    {evidence}",
    ]
    example = evidence.read_text()  # the failing inverter's evidence: its cause, its share falling day by day
    assert "Likely cause: microinverter." in example and "E00X00000700003" in example
    shares = [row.split(",")[3] for row in (folder / "evidence-E00X00000700003.csv").read_text().splitlines()[1:]]
    assert len(shares) == 6 and float(shares[0]) > 0.97 and float(shares[-1]) < 0.9  # the last day is not over

    page = report.read_text()
    assert "<h1>Demo roof</h1>" in page and "Report of Sunday 21 June 2026, 15:00 PDT" in page  # named, mid-afternoon
    assert "Array, last 7 days" in page and f'fill="{NO_DATA}"' not in page  # a full heatmap: every day in colour
    assert not re.search(r"-0\.0+(?![0-9])", page)  # no negative zero
    assert page.split("<h2>Inverters</h2>")[1].count("<td>error</td>") == 1  # the dead one only
    assert page.count('fill="url(#hatch)"') >= 2  # both faults are active alerts on the heatmap
    assert page.count('<g class="panel" data-serial=') == 12  # the roof drawn from the demo's layout.csv
    assert page.count('fill="url(#roof-hatch)"') == 1  # the dead one
    assert "is in STATE error" in html.read_text()
    message = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    assert message["Subject"].startswith("[PVS6] Demo roof: Inverter E00…0007 down")
    assert message.get_body(("html",)) is not None
    assert harness.run("demo", "--data-dir", str(folder), "--days", "1").code == 0  # a demo folder may be reused


@pytest.mark.slow
def test_the_demo_says_asleep_after_sunset(harness: Harness, tmp_path, monkeypatch):
    from pvs6sup.commands import demo

    monkeypatch.setattr(demo, "SHOWN_AT", timedelta(hours=22))  # the last reading after sunset
    result = harness.run("demo", "--data-dir", str(tmp_path / "demo"), "--days", "1")
    assert result.code == 0, result.stderr
    table = result.stdout.split("serial ", 1)[1].split("\n\n", 1)[0]
    assert table.count(" asleep ") == 12 and " error " not in table
    assert not re.search(r"-0\.0+(?![0-9])", result.stdout)  # no negative zero ("-0.00 kW")


def test_the_demo_refuses_to_clear_a_folder_it_did_not_make(harness: Harness, tmp_path):
    (tmp_path / "precious").mkdir()
    (tmp_path / "precious" / "thesis.txt").write_text("keep me")
    result = harness.run("demo", "--data-dir", str(tmp_path / "precious"))
    assert result.code == 2 and "not a demo folder" in result.stderr
    assert (tmp_path / "precious" / "thesis.txt").exists()


def test_fixture_answer_served_through_the_full_cycle(harness: Harness, simulated):
    simulated.forced.append(ForcedAnswer(200, fixture_bytes("legacy_build61839_gross_lineside/devicelist.json")))
    assert harness.run().code == 0
    [reading] = rows(harness.data_dir / "readings.csv")
    assert (reading["production_kw"], reading["consumption_kw"], reading["net_kw"]) == ("0.0051", "1.3512", "1.3461")
    assert (reading["pvs_uptime_s"], reading["pvs_comm_errors"]) == ("86400", "17")
