"""Google Sheets delivery, end to end: main() in-process, the simulated PVS on loopback, Google faked."""

import csv
import json
import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
import responses

from pvs6sup.core.records import replace
from pvs6sup.core.rows import READING_COLUMNS, reading_row
from pvs6sup.pvs.parse import reading_from_capture
from pvs6sup.runtime import Runtime
from pvs6sup.settings.load import load_config
from pvs6sup.sim.legacy_pvs import SimulatedSite, SiteModel
from pvs6sup.sinks import queue
from pvs6sup.sinks.queue import sheets_queue
from pvs6sup.sinks.sheets import cache, cells, delivery, google_auth
from pvs6sup.sinks.sheets.google_auth import SheetsError
from pvs6sup.sinks.sheets.queueing import queue_reading
from tests.support.google_fake import CLIENT_EMAIL, SHEET_ID, Failure, FakeGoogle, write_key
from tests.support.harness import ROOT, Harness

TAB = "Readings 2026"
ZONE = ZoneInfo("America/Los_Angeles")


def deliver_now(config, runtime):
    """One Sheets delivery as the cycle makes it (its settings, the session, the data folder, the clock)."""
    return delivery.deliver(config.sinks.sheets, runtime.session, config.data_dir, runtime.now(), config.timezone)


@pytest.fixture
def google(harness: Harness, simulated, tmp_path):
    key = write_key(tmp_path / "key.json")
    harness.env.update(
        {
            "GOOGLE_SERVICE_ACCOUNT_FILE": str(key),
            "GOOGLE_SHEET_ID": f"https://docs.google.com/spreadsheets/d/{SHEET_ID}/edit#gid=0",
        }
    )
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield FakeGoogle(rsps).install()


def cycles(harness: Harness, count: int) -> list:
    results = []
    for _ in range(count):
        results.append(harness.run())
        harness.clock.advance(minutes=5)
    return results


def csv_timestamps(harness: Harness) -> list[str]:
    with (harness.data_dir / "readings.csv").open() as handle:
        return [row["timestamp"] for row in csv.DictReader(handle)]


def sheet_times(google: FakeGoogle, title: str = TAB) -> list[str]:
    """Column A as a person sees it: local wall times."""
    epoch = datetime(1899, 12, 30)
    return [(epoch + timedelta(days=v)).strftime("%Y-%m-%dT%H:%M:%S") for v in google.tab(title).column("timestamp")]


def wall(timestamps: list[str]) -> list[str]:
    return [t[:19] for t in timestamps]


def pending(harness: Harness) -> int:
    return len(sheets_queue(harness.data_dir).pending())


# --- the worksheet ---


def test_the_first_cycle_makes_the_years_worksheet_with_a_frozen_header_and_appends_the_row(harness, google):
    result = harness.run()
    assert (result.code, result.stdout, result.stderr) == (0, "", "")
    tab = google.tab(TAB)
    inverters = [SiteModel().inverter_serial(i) + "_kw" for i in range(12)]
    assert tab.header == [*READING_COLUMNS, *sorted(inverters)]
    assert tab.frozen_rows == 1 and tab.column_count == len(tab.header)  # sized to the columns used
    assert sheet_times(google) == wall(csv_timestamps(harness))
    with (harness.data_dir / "readings.csv").open() as handle:
        row = next(csv.DictReader(handle))
    [sent] = tab.data
    assert sent[1] == float(row["production_kw"]) and sent[5] == int(row["inverters_total"]) == 12
    dead = tab.header.index(SiteModel().inverter_serial(6) + "_kw")
    assert sent[dead] == 0  # the dead inverter reports 0 kW: a number, not text
    assert pending(harness) == 0


def test_a_new_inverter_gets_a_new_column_at_the_right_and_old_rows_stay_put(harness, google, simulated):
    cycles(harness, 2)
    before = [list(r) for r in google.tab(TAB).rows]
    simulated.site = SimulatedSite(SiteModel(inverter_count=13))
    cycles(harness, 1)
    tab = google.tab(TAB)
    new = SiteModel().inverter_serial(12) + "_kw"
    assert tab.header == [*before[0], new]
    assert [r[: len(before[0])] for r in tab.rows[1:3]] == before[1:3]
    assert isinstance(tab.data[-1][-1], float) and tab.column_count == len(tab.header)


def test_a_new_year_starts_a_new_worksheet(harness, google):
    harness.clock.now = datetime(2027, 1, 1, 7, 55, tzinfo=timezone.utc)  # 23:55 on Dec 31 in California
    cycles(harness, 2)
    assert sheet_times(google, "Readings 2026") == ["2026-12-31T23:55:00"]
    assert sheet_times(google, "Readings 2027") == ["2027-01-01T00:00:00"]
    assert google.tab("Readings 2027").header == google.tab("Readings 2026").header


def test_a_tab_deleted_by_hand_is_made_again_and_nothing_is_lost(harness, google):
    cycles(harness, 1)
    del google.tabs[TAB]
    result = cycles(harness, 1)[0]
    assert result.code == 0 and "HTTP 400: Unable to parse range" in result.stderr
    cycles(harness, 1)
    assert sheet_times(google) == wall(csv_timestamps(harness))[1:]  # the first row went with the old tab
    assert pending(harness) == 0


def test_a_spreadsheet_near_its_cell_limit_draws_a_warning_when_a_tab_is_made(harness, google):
    from tests.support.google_fake import Tab

    google.tabs["Readings 2025"] = Tab(5, "Readings 2025", row_count=340_000, column_count=25)  # 8.5 M cells
    result = harness.run()
    assert "uses 8.5 of its 10 million cells; move old year tabs" in result.stderr
    assert result.code == 0 and len(google.tab(TAB).data) == 1
    harness.clock.advance(minutes=5)
    assert harness.run().stderr == ""  # said once, when the tab was made


def test_an_empty_tab_of_that_name_is_adopted_and_given_the_header(harness, google):
    from tests.support.google_fake import Tab

    google.tabs[TAB] = Tab(77, TAB)
    cycles(harness, 1)
    assert google.tab(TAB).header[: len(READING_COLUMNS)] == list(READING_COLUMNS)
    assert google.tab(TAB).frozen_rows == 1 and len(google.tab(TAB).data) == 1


def test_a_tab_with_other_columns_is_left_alone_with_one_clear_line(harness, google):
    from tests.support.google_fake import Tab

    google.tabs[TAB] = Tab(77, TAB, [["date", "notes"]])
    result = harness.run()
    assert result.code == 0 and result.stderr.count("\n") == 1
    assert "worksheet 'Readings 2026' has other columns" in result.stderr and "GOOGLE_WORKSHEET" in result.stderr
    assert google.tab(TAB).rows == [["date", "notes"]] and pending(harness) == 1


# --- leanness ---


@pytest.mark.slow
def test_a_steady_cycle_makes_one_call_and_never_more_than_two_with_the_hourly_token(harness, google):
    cycles(harness, 1)  # first contact: token, metadata, make the tab, append
    per_cycle = []
    for _ in range(24):  # two hours
        before = google.google_calls()
        assert harness.run().stderr == ""
        per_cycle.append(google.google_calls() - before)
        harness.clock.advance(minutes=5)
    # The ceiling is 3 calls: here 1 (the append), and 2 when the token is renewed (every 55 min).
    assert sorted(set(per_cycle)) == [1, 2] and per_cycle.count(2) == 2
    assert google.tokens_issued == 3  # first contact, then about once an hour
    assert google.iam_calls() == 0  # refresh() is called directly: no background iamcredentials lookup
    assert len(google.tab(TAB).data) == 25


def test_a_token_google_no_longer_accepts_is_replaced_at_once_and_the_row_still_goes(harness, google):
    cycles(harness, 1)
    token_file = harness.data_dir / "outbox" / "sheets" / "google-token.json"
    document = json.loads(token_file.read_text())
    token_file.write_text(json.dumps({**document, "access_token": "revoked"}))
    result = cycles(harness, 1)[0]
    assert result.stderr == "" and google.tokens_issued == 2
    assert sheet_times(google) == wall(csv_timestamps(harness))


def test_the_token_is_cached_privately_and_never_logged(harness, google):
    cycles(harness, 2)
    token_file = harness.data_dir / "outbox" / "sheets" / "google-token.json"
    assert oct(token_file.stat().st_mode & 0o777) == "0o600"
    log = (harness.data_dir / "logs" / "pvs6-supervisor.log").read_text()
    assert "token-1" not in log and "PRIVATE KEY" not in log


# --- outages and doubt ---


@pytest.mark.slow
def test_an_outage_of_many_cycles_then_recovery_sends_every_row_in_order_in_one_append(harness, google):
    cycles(harness, 1)
    google.outage = True
    results = cycles(harness, 12)
    assert all(r.code == 0 and r.stderr.count("\n") == 1 and "cannot reach Google" in r.stderr for r in results)
    assert pending(harness) == 12
    google.outage = False
    appends_before = len(google.appends)
    assert harness.run().stderr == ""
    assert google.appends[appends_before:] == [13]
    assert sheet_times(google) == wall(csv_timestamps(harness))
    assert pending(harness) == 0


def test_an_answer_lost_after_the_append_landed_leaves_no_duplicate(harness, google):
    cycles(harness, 1)
    google.failures.append(Failure(on="append", applied_then_lost=True))
    result = cycles(harness, 1)[0]
    assert result.code == 0 and "cannot reach Google" in result.stderr
    assert sheets_queue(harness.data_dir).read_state().sending is not None
    calls_before = len(google.sheet_calls())
    cycles(harness, 1)
    new_calls = [c[0] for c in google.sheet_calls()[calls_before:]]
    assert new_calls == ["GET", "POST"]  # the tail of column A, then one append of the new row only
    assert sheet_times(google) == wall(csv_timestamps(harness))  # three rows, each once


def test_an_append_that_timed_out_before_landing_is_sent_again(harness, google):
    cycles(harness, 1)
    google.failures.append(Failure(on="append", timeout=True))
    assert "no answer from Google in time" in cycles(harness, 1)[0].stderr
    cycles(harness, 1)
    assert sheet_times(google) == wall(csv_timestamps(harness))
    assert google.appends[-1] == 2


def test_a_5xx_is_treated_as_unknown_and_checked_before_the_next_append(harness, google):
    cycles(harness, 1)
    google.failures.append(Failure(on="append", status=503))
    assert "HTTP 503" in cycles(harness, 1)[0].stderr
    cycles(harness, 1)
    assert sheet_times(google) == wall(csv_timestamps(harness))


def test_429_defers_until_retry_after_and_then_delivers(harness, google):
    cycles(harness, 1)
    google.failures.append(Failure(on="append", status=429, headers={"Retry-After": "600"}))
    result = cycles(harness, 1)[0]
    assert result.code == 0 and "HTTP 429" in result.stderr
    # the 429 came with the 12:10:30 cycle (local time), and asked for 600 s
    assert "1 row kept for the next try, not before 12:20 as Google asked" in result.stderr
    assert sheets_queue(harness.data_dir).read_state().sending is None  # a 429 surely did not land
    calls = google.google_calls()
    assert cycles(harness, 1)[0].stderr == ""  # 5 min later: still inside the 10 min asked for
    assert google.google_calls() == calls and pending(harness) == 2
    cycles(harness, 1)  # 10 min later
    assert pending(harness) == 0 and google.appends[-1] == 3
    assert sheet_times(google) == wall(csv_timestamps(harness))


def test_a_slow_google_never_holds_the_cycle_beyond_its_budget(harness, google, monkeypatch):
    monkeypatch.setattr(delivery, "BUDGET_S", 0.5)  # less than the 1 s a request needs at least
    result = harness.run()
    assert result.code == 0 and "stopped after 0.5 s" in result.stderr
    assert google.google_calls() == 0 and pending(harness) == 1
    assert sheets_queue(harness.data_dir).read_state().sending is None


# --- set-up mistakes: one clear line, the reading recorded, the queue kept ---


def test_an_unshared_sheet_says_whom_to_share_it_with_and_keeps_the_rows(harness, google):
    google.shared = False
    results = cycles(harness, 2)
    for result in results:
        assert result.code == 0 and result.stderr.count("\n") == 1
        assert f"share it with {CLIENT_EMAIL} as Editor" in result.stderr
    assert len(csv_timestamps(harness)) == 2 and pending(harness) == 2
    google.shared = True
    cycles(harness, 1)
    assert sheet_times(google) == wall(csv_timestamps(harness))


def test_a_refused_key_is_one_line_naming_the_fix(harness, google):
    google.token_error = (400, {"error": "invalid_grant", "error_description": "Invalid JWT Signature."})
    result = harness.run()
    assert result.code == 0 and result.stderr.count("\n") == 1
    assert "refused the service-account key (invalid_grant" in result.stderr
    assert "GOOGLE_SERVICE_ACCOUNT_FILE" in result.stderr and "Traceback" not in result.stderr
    assert len(csv_timestamps(harness)) == 1 and pending(harness) == 1
    assert not google.sheet_calls()


def test_a_missing_or_wrong_key_file_is_one_line(harness, google, tmp_path):
    harness.env["GOOGLE_SERVICE_ACCOUNT_FILE"] = str(tmp_path / "nope.json")
    result = harness.run()
    assert result.code == 0 and "no such file" in result.stderr and result.stderr.count("\n") == 1
    (tmp_path / "oauth.json").write_text(json.dumps({"installed": {"client_id": "x"}}))
    harness.env["GOOGLE_SERVICE_ACCOUNT_FILE"] = str(tmp_path / "oauth.json")
    harness.clock.advance(minutes=5)
    result = harness.run()
    assert "is not a service-account key" in result.stderr
    assert pending(harness) == 2 and google.google_calls() == 0


def test_a_key_others_can_read_draws_a_warning(harness, google, tmp_path):
    (tmp_path / "key.json").chmod(0o644)
    result = harness.run()
    assert "key.json is readable by other users; run: chmod 600" in result.stderr
    assert pending(harness) == 0


def test_a_sheets_api_left_disabled_is_named(harness, google):
    message = "Google Sheets API has not been used in project 1 before or it is disabled."
    google.failures.append(Failure(on="get", status=403, message=message))
    result = harness.run()
    assert result.code == 0 and result.stderr.count("\n") == 1
    assert "the Google Sheets API is not enabled for the key's project" in result.stderr


# --- kill -9 anywhere ---


class Killed(BaseException):
    """Stands in for kill -9: nothing after it runs (BaseException passes every except clause)."""


@pytest.mark.slow
def test_a_kill_at_any_step_of_delivery_loses_nothing_and_duplicates_nothing(harness, google, monkeypatch, tmp_path):
    real_write, real_serve = queue.atomic_write, google._serve
    step, killed_at = 0, None

    def maybe_kill(where: str) -> None:
        nonlocal step
        if killed_at is not None:
            step += 1
            if step == killed_at:
                raise Killed(where)

    def atomic_write(path, data, **kw):
        maybe_kill("before writing " + path.name)
        real_write(path, data, **kw)
        maybe_kill("after writing " + path.name)

    def serve(request, path, query):
        maybe_kill("before Google applies")
        outcome = real_serve(request, path, query)
        maybe_kill("after Google applied")
        return outcome

    for module in (queue, cache, google_auth):
        monkeypatch.setattr(module, "atomic_write", atomic_write)
    monkeypatch.setattr(google, "_serve", serve)
    kill, killed_somewhere = 0, True
    while killed_somewhere:
        kill += 1
        harness.env["DATA_DIR"] = str(tmp_path / f"run{kill}")
        google.tabs.clear()
        google.outage = False
        cycles(harness, 1)  # the tab exists, the token is cached
        google.outage = True
        cycles(harness, 3)  # a backlog of 3, with an append of unknown outcome on record
        google.outage = False
        config = load_config(dict(harness.env), harness.tmp_path)
        runtime = Runtime(now=harness.clock, session=harness.session, environ={})
        step, killed_at = 0, kill
        try:
            deliver_now(config, runtime)
            killed_somewhere = False  # every step has had its kill
        except Killed:
            pass
        killed_at = None
        deliver_now(config, runtime)  # the next cycle
        assert sheet_times(google) == wall(csv_timestamps(harness)), f"killed at step {kill}"
        assert pending(harness) == 0, f"killed at step {kill}"
    assert kill >= 8  # tail read, append, cursor, queue, cache: each killed before and after


# --- the "done when": three days of failure, then one cycle delivers it all ---


@pytest.mark.slow
def test_three_days_of_failure_then_one_cycle_delivers_all_864_rows_in_order(harness, google, tmp_path):
    site = SimulatedSite(SiteModel())
    config = load_config(dict(harness.env), harness.tmp_path)
    runtime = Runtime(now=harness.clock, session=harness.session, environ={})
    ways_to_fail = [Failure(status=503), Failure(timeout=True), None, Failure(status=500)]  # None: no network
    expected = []
    for cycle in range(-1, 864):  # cycle -1 is the last one before Google fails
        moment = harness.clock.now
        reading = reading_from_capture(site.render(moment), moment)
        queue_reading(config.data_dir, reading, ZONE)
        expected.append(moment.astimezone(ZONE).strftime("%Y-%m-%dT%H:%M:%S"))
        if cycle < 0:
            deliver_now(config, runtime)
        else:
            failure = ways_to_fail[cycle % len(ways_to_fail)]
            google.outage, google.failures = failure is None, [failure] if failure else []
            with pytest.raises(SheetsError):
                deliver_now(config, runtime)
        harness.clock.advance(minutes=5)
    assert pending(harness) == 864 and google.appends == [1]
    assert sheets_queue(harness.data_dir).oldest_pending_age_s(harness.clock.now) == 864 * 300
    google.outage, google.failures = False, []
    result = deliver_now(config, runtime)
    assert result == delivery.Result(pending=864, sent=864)
    assert google.appends == [1, 864]
    assert sheet_times(google) == expected
    assert pending(harness) == 0


# --- commands ---


def test_flush_delivers_now_and_prints_the_counts(harness, google):
    google.outage = True
    cycles(harness, 3)
    google.outage = False
    result = harness.run("flush")
    assert (result.code, result.stdout, result.stderr) == (0, "Google Sheets: 3 pending, 3 sent\n", "")
    assert harness.run("flush").stdout == "Google Sheets: 0 pending, 0 sent\n"
    google.shared = False
    harness.clock.advance(minutes=5)
    harness.run()
    result = harness.run("flush")
    assert (result.code, result.stdout) == (7, "Google Sheets: 1 pending, 0 sent\n")  # flush: not delivered
    assert "share it with" in result.stderr and result.stderr.count("\n") == 1


def test_flush_without_sheets_configured_is_a_configuration_error(harness, simulated):
    result = harness.run("flush")
    assert result.code == 2 and "Google Sheets is off" in result.stderr


def test_status_shows_the_queue_and_the_age_of_its_oldest_row(harness, google):
    google.outage = True
    cycles(harness, 4)
    text = harness.run("status")
    assert "Sheets queue  4 rows waiting, the oldest for 20 min" in text.stdout
    document = json.loads(harness.run("status", "--json").stdout)
    assert document["sheets_queue"] == {"rows": 4, "oldest_age_s": 1200.0}


# --- configuration and cost when off ---


def test_sheet_url_or_id_both_work_and_half_a_setup_names_the_missing_setting(tmp_path):
    base = {"WEATHER_PROVIDER": "none"}
    url = f"https://docs.google.com/spreadsheets/d/{SHEET_ID}/edit#gid=0"
    config = load_config({**base, "GOOGLE_SHEET_ID": url, "GOOGLE_SERVICE_ACCOUNT_FILE": "key.json"}, tmp_path)
    sheets = config.sinks.sheets
    assert sheets is not None and sheets.sheet_id == SHEET_ID and sheets.service_account_file == tmp_path / "key.json"
    assert sheets.worksheet == "Readings"
    assert load_config(base, tmp_path).sinks.sheets is None
    with pytest.raises(Exception) as caught:
        load_config({**base, "GOOGLE_SHEET_ID": "not a sheet"}, tmp_path)
    assert [p.split(":")[0] for p in caught.value.problems] == ["GOOGLE_SERVICE_ACCOUNT_FILE", "GOOGLE_SHEET_ID"]


def test_with_sheets_off_a_cycle_never_imports_gspread_or_google_auth(harness, simulated):
    script = (
        "import sys; from pvs6sup.cli import main; code = main(['run']); "
        "print(code, 'gspread' in sys.modules, 'google.auth' in sys.modules)"
    )
    env = {
        **os.environ,
        **harness.env,
        "DATA_DIR": str(harness.tmp_path / "data"),
        "WEATHER_PROVIDER": "none",
        "MAX_CLOCK_SKEW": "0",
    }  # the child runs on the real clock, the simulated PVS on the test's
    env.pop("GOOGLE_SHEET_ID", None)
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.stdout.split() == ["0", "False", "False"], done.stderr


def test_cells_are_typed_and_device_text_never_becomes_a_formula():
    assert cells.typed_cell("") is None
    assert cells.typed_cell("12") == 12 and cells.typed_cell("-0.25") == -0.25
    assert cells.typed_cell("=IMPORTXML(1)") == "'=IMPORTXML(1)"
    assert cells.typed_cell("@x") == "'@x" and cells.typed_cell("working") == "working"
    payload = {"row": {"timestamp": "2026-06-21T13:00:00-07:00", "production_kw": "1.5"}, "inverters_kw": {"A": ""}}
    assert cells.sheet_row(payload, ["timestamp", "production_kw", "A_kw", "B_kw"]) == [
        "2026-06-21 13:00:00",
        1.5,
        None,
        None,
    ]


def test_the_tail_check_matches_only_a_batch_at_the_very_end():
    assert cells.landed_count([1, 2, 3, 4], [3, 4]) == 2
    assert cells.landed_count([1, 2, 3], [4, 5]) == 0
    assert cells.landed_count([1, 2, 3], [3, 4]) == 1
    # the fall-back hour repeats 01:05; the earlier 01:05 is not the end of the sheet, so it is not taken
    assert cells.landed_count([105, 110, 115, 100], [105]) == 0
    assert cells.row_identity("2026-06-21 13:00:00") == cells.row_identity(46194 + 13 / 24)


def test_reading_rows_for_sheets_are_built_from_the_csv_row():
    site = SimulatedSite(SiteModel())
    moment = datetime(2026, 6, 21, 20, 0, tzinfo=timezone.utc)
    reading = replace(reading_from_capture(site.render(moment), moment), cloud_cover_pct=40.0)
    payload = {"row": reading_row(reading, ZONE), "inverters_kw": {}}
    row = cells.sheet_row(payload, ["cloud_cover_pct", "timestamp"])
    assert row == [40, "2026-06-21 13:00:00"]


def test_flush_has_help_listing_the_exit_codes(harness: Harness, capsys):
    assert harness.run("flush", "--help").code == 0
    assert "exit codes:" in capsys.readouterr().out


def test_check_reaches_the_spreadsheet_without_sending_a_row(harness, google):
    harness.env["WEATHER_PROVIDER"] = "none"
    result = harness.run("check")
    assert result.code == 0, result.stdout + result.stderr
    assert f"✓ Google Sheets: the spreadsheet is shared with {CLIENT_EMAIL}" in result.stdout
    assert google.appends == []


def test_check_names_the_fix_when_the_sheet_is_not_shared(harness, google):
    harness.env["WEATHER_PROVIDER"] = "none"
    google.shared = False
    result = harness.run("check")
    assert result.code == 6  # check: a configured service failed
    assert f"share it with {CLIENT_EMAIL} as Editor" in result.stdout


def test_a_reading_killed_between_the_csv_and_the_queue_is_queued_by_the_next_cycle(harness, google, monkeypatch):
    cycles(harness, 1)

    def killed(*args, **kwargs):
        raise KeyboardInterrupt  # as if the process died right after the CSV append

    monkeypatch.setattr(queue.Queue, "enqueue", killed)
    assert cycles(harness, 1)[0].code == 130
    monkeypatch.undo()
    assert len(csv_timestamps(harness)) == 2 and len(sheet_times(google)) == 1

    result = cycles(harness, 1)[0]
    assert result.code == 0
    assert "re-queued 1 row from readings.csv for Google Sheets" in result.stderr
    assert sheet_times(google) == wall(csv_timestamps(harness))  # all three, in order, once
    with (harness.data_dir / "inverters-2026-06.csv").open() as handle:
        second = [r for r in csv.DictReader(handle) if r["timestamp"] == csv_timestamps(harness)[1]]
    column = google.tab(TAB).column(f"{second[0]['serial']}_kw")
    assert column[1] == pytest.approx(float(second[0]["power_kw"]))  # the rebuilt row has the inverters too
    cycles(harness, 1)
    assert sheet_times(google) == wall(csv_timestamps(harness))  # and nothing is queued twice later
