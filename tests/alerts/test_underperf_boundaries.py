"""The underperformance judge at its thresholds (mutation testing: bench/mutation.py): three working
inverters, 3 % of the site's best, full light from 10 %, the charts' bounds, today's energy, the message."""

import math
from datetime import datetime, timedelta, timezone

import pytest

from pvs6sup.alerts import normal, underperf
from pvs6sup.alerts.faces import Face
from pvs6sup.alerts.judgement import UNDERPERFORMING, Judgement
from pvs6sup.alerts.memory import DetectorState, InverterTrack

NOW = datetime(2026, 6, 21, 20, 0, tzinfo=timezone.utc)
DAY = "2026-06-21"
HOUR = 12.0
HOURS = 5 / 60
SERIALS = ("A", "B", "C")


def _learned(ratio=0.0):
    return [ratio, 3, 0.0, 0.0, 0.0, ratio, 3, 0.0, 0.0, 0.0]


def _setup(powers, gaps=(0.0,) * 8, envelope=None, **gauge):
    state = DetectorState(faces_day=DAY)
    for serial in powers:
        others = [s for s in powers if s != serial]
        g = normal.Gauge(gaps=list(gaps), **(gauge if serial == "A" else {}))
        state.inverters[serial] = InverterTrack(siblings=others, gauge=g)
    book = normal.MemoryBook()
    table = book.table(normal.bin_of(HOUR))
    table.day = DAY
    table.envelope_kw = sum(powers.values()) if envelope is None else envelope
    for serial in powers:
        table.cells[serial] = _learned()
    return state, book, table


def _judge(state, book, powers, t=normal.TUNING, groups_given=False, solar_time=True, hours=HOURS, now=NOW):
    return underperf.judge(state, powers, book, now, DAY, HOUR, hours, 37.0, groups_given, t, solar_time)


def test_three_working_inverters_are_needed():
    two = {"A": 0.2, "B": 0.2}
    state, book, _ = _setup(two)
    assert _judge(state, book, two) == [] and state.site_peak_kw == 0.0
    three = {"A": 0.2, "B": 0.2, "C": 0.2}
    state, book, _ = _setup(three)
    assert _judge(state, book, three) == [Judgement(UNDERPERFORMING, s, False) for s in SERIALS]
    assert state.site_peak_kw == sum(three.values())


def test_judged_from_exactly_the_least_light_and_the_best_sinks_slowly():
    powers = {"A": 0.2, "B": 0.2, "C": 0.2}
    at = sum(powers.values()) / (20.0 * 0.9998)
    state, book, _ = _setup(powers)
    state.site_peak_kw = 20.0
    assert len(_judge(state, book, powers, normal.Tuning(min_light=at))) == 3
    assert state.site_peak_kw == 20.0 * 0.9998
    state, book, _ = _setup(powers)
    state.site_peak_kw = 20.0
    assert _judge(state, book, powers, normal.Tuning(min_light=at * (1 + 1e-9))) == []
    state, book, _ = _setup(powers)
    state.site_peak_kw = sum(powers.values()) / 0.0299 / 0.9998
    assert _judge(state, book, powers) == []  # under 3 % of the best: too dim


@pytest.mark.parametrize(("share", "light"), [(1.0, 1.0), (0.1, 1.0), (0.05, 0.5)])
def test_a_reading_counts_fully_from_a_tenth_of_the_best(share, light):
    powers = {"A": 0.1, "B": 0.2, "C": 0.2}
    state, book, _ = _setup(powers, gaps=(-0.5,) * 8)
    state.site_peak_kw = sum(powers.values()) / share / 0.9998
    _judge(state, book, powers)
    assert state.inverters["A"].gauge.slow == pytest.approx(light * (0.5 - 0.05))
    assert state.inverters["A"].gauge.fast == pytest.approx(light * (0.5 - 0.12))


def test_the_charts_are_bounded_at_three_times_their_limits():
    powers = {"A": 0.1, "B": 0.2, "C": 0.2}
    state, book, _ = _setup(powers, gaps=(-0.5,) * 8, slow=30.0, fast=10.0)
    _judge(state, book, powers)
    assert (state.inverters["A"].gauge.slow, state.inverters["A"].gauge.fast) == (24.0, 6.0)


def test_energy_is_counted_while_a_shortfall_lasts_and_for_today():
    powers = {"A": 0.1, "B": 0.2, "C": 0.2}
    state, book, _ = _setup(powers, gaps=(-0.5,) * 8, slow=1.0, since=NOW - timedelta(hours=1))
    state.inverters["B"].gauge, state.inverters["C"].gauge = normal.Gauge(), normal.Gauge()
    _judge(state, book, powers, hours=0.5)
    gauge = state.inverters["A"].gauge
    assert (gauge.made_kwh, gauge.expected_kwh) == (pytest.approx(0.05), pytest.approx(0.1))
    assert state.inverters["A"].today == [DAY, pytest.approx(0.05), pytest.approx(0.1)]
    assert state.inverters["B"].gauge.made_kwh == 0.0  # no shortfall: nothing counted
    # B expected beside A and C: 0.15 kW
    assert state.inverters["B"].today == [DAY, pytest.approx(0.1), pytest.approx(0.075)]
    _judge(state, book, powers, hours=1 / 3)
    assert state.inverters["A"].today == [DAY, pytest.approx(0.05 + 0.1 / 3), pytest.approx(0.1 + 0.2 / 3)]


def test_a_finished_day_is_filed_once_something_was_expected():
    powers = {"A": 0.2, "B": 0.2, "C": 0.2}
    state, book, _ = _setup(powers)
    state.inverters["A"].today = ["2026-06-20", 1.0, 2.0]
    state.inverters["B"].today = ["2026-06-20", 0.0, 0.0]
    _judge(state, book, powers)
    assert state.closed == [["A", "2026-06-20", 1.0, 2.0]]
    assert state.inverters["A"].today[0] == DAY


def test_the_verdict_says_the_share_the_time_and_the_loss():
    powers = {"A": 0.1, "B": 0.2, "C": 0.2}
    state, book, _ = _setup(powers, gaps=(-0.5,) * 8, slow=8.0, since=NOW - timedelta(hours=3))
    state.inverters["A"].gauge.made_kwh, state.inverters["A"].gauge.expected_kwh = 0.5, 1.0
    [fired, *_] = _judge(state, book, powers, hours=0.5)
    assert fired.firing and fired.serial == "A"
    assert fired.message == (
        "Inverter A… has made 50 % of what it usually makes beside its 2 siblings nearest in how they follow the "
        "sun, for 3 hours (0.55 kWh so far)."
    )
    assert fired.detail == "50 % of its usual output"


def test_a_shortfall_of_a_day_or_more_is_told_per_day():
    state = DetectorState()
    track = InverterTrack(siblings=["B"], gauge=normal.Gauge(since=NOW - timedelta(days=1), made_kwh=1.0))
    track.gauge.expected_kwh = 3.0
    j = underperf._verdict(state, "A", track, NOW, 37.0, False, True)
    assert j.message.endswith("its 1 sibling nearest in how they follow the sun, for 24 hours (about 2.0 kWh a day).")
    track.gauge.since = NOW - timedelta(days=1) + timedelta(seconds=1)
    assert underperf._verdict(state, "A", track, NOW, 37.0, False, True).message.endswith("(2.00 kWh so far).")
    track.gauge.expected_kwh = 0.0
    track.gauge.since = None
    j = underperf._verdict(state, "A", track, NOW, 37.0, False, True)
    assert "has made less than of what" in j.message and "for 1 minute (0.00 kWh so far)" in j.message


def test_where_names_the_group_the_face_or_the_nearest():
    track = InverterTrack(group=2, siblings=["B", "C"])
    state = DetectorState(faces=[Face(("A", "B", "C"), 12.0), Face(("D", "E"), 9.0)])
    assert underperf._where(state, "A", track, 37.0, True, True) == "its 2 siblings in INVERTER_GROUPS group 2"
    assert underperf._where(state, "A", track, 37.0, False, True) == "its 2 siblings on the south face"
    assert underperf._where(state, "A", track, 37.0, False, False) == "its 2 siblings on the same face"
    assert underperf._where(state, "D", track, 37.0, False, True) == "its 2 siblings nearest in how they follow the sun"
    track.group = 0
    assert underperf._where(state, "A", track, 37.0, True, True) == "its 2 siblings on the south face"


@pytest.mark.parametrize(
    ("seconds", "said"),
    [
        (0, "1 minute"),
        (60, "1 minute"),
        (150, "2 minutes"),
        (90 * 60 - 1, "90 minutes"),
        (90 * 60, "2 hours"),
        (36 * 3600 - 1, "36 hours"),
        (36 * 3600, "2 days"),
        (10 * 86400, "10 days"),
    ],
)
def test_duration_turns_to_hours_at_90_minutes_and_to_days_at_36_hours(seconds, said):
    assert underperf.duration(seconds) == said


def test_learning_counts_the_bins_learned_for_three_days_in_clear_light():
    state = DetectorState(inverters={"A": InverterTrack(), "B": InverterTrack()})
    book = normal.MemoryBook()
    book.table(1).cells.update({"A": _learned(), "B": [0.0, 2, 0, 0, 0, 0, 0, 0, 0, 0], "gone": _learned()})
    book.table(2).cells.update({"A": _learned(), "B": _learned()})
    assert underperf.learning(state, book) == {"A": 2, "B": 1}


def test_daily_shares():
    assert underperf.daily_shares([["d1", 1.0, 2.0], ["d2", 1.0, 0.0]]) == (("d1", 0.5), ("d2", None))
    assert underperf.daily_shares([["d3", 0.25, 0.5]]) == (("d3", 0.5),)


@pytest.mark.parametrize(("envelope_share", "offset"), [(1.0, normal.CLEAR), (0.45, normal.DIFFUSE), (0.6, None)])
def test_each_reading_teaches_the_light_it_was_seen_in(envelope_share, offset):
    powers = {"A": 0.1, "B": 0.2, "C": 0.4}
    site = sum(powers.values())
    state, book, table = _setup(powers, envelope=site / envelope_share)
    _judge(state, book, powers)
    cell = table.cells["A"]
    if offset is None:
        assert cell[2:4] == [0.0, 0.0] and cell[7:9] == [0.0, 0.0]
    else:
        assert cell[offset + 2 : offset + 4] == [pytest.approx(math.log(0.1 / 0.2)), 1]


def test_the_envelope_follows_the_best_and_sinks_slowly():
    powers = {"A": 0.2, "B": 0.2, "C": 0.2}
    state, book, table = _setup(powers, envelope=10.0)
    _judge(state, book, powers)
    assert table.envelope_kw == pytest.approx(10.0 * 0.995)
    state, book, table = _setup(powers, envelope=0.1)
    _judge(state, book, powers)
    assert table.envelope_kw == sum(powers.values())


def test_a_suspect_or_dark_inverter_teaches_nothing():
    powers = {"A": 0.0, "B": 0.2, "C": 0.2, "D": 0.2}
    state, book, table = _setup(powers)
    state.inverters["B"].gauge.slow = 5.0  # still over a quarter of the limit after this reading
    _judge(state, book, powers)
    assert table.cells["A"][3] == 0 and table.cells["B"][3] == 0 and table.cells["C"][3] == 1


def test_an_inverter_without_a_learned_sibling_is_not_judged():
    powers = {"A": 0.2, "B": 0.2, "C": 0.2, "D": 0.2}
    state, book, table = _setup(powers)
    table.cells["D"][1] = 2
    assert [j.serial for j in _judge(state, book, powers)] == ["A", "B", "C"]
    table.cells["C"][1] = 2  # A has one learned sibling left: not judged
    assert [j.serial for j in _judge(state, book, powers)] == []
    powers = {"A": 0.2, "B": 0.2, "C": 0.2}
    state, book, table = _setup(powers)
    state.inverters["A"].siblings = []
    assert [j.serial for j in _judge(state, book, powers)] == ["B", "C"]


def test_faces_are_found_again_weekly_and_gone_inverters_forgotten():
    powers = {"A": 0.2, "B": 0.2, "C": 0.2}
    state, book, table = _setup(powers)
    table.cells["gone"] = _learned()
    state.faces_day = "2026-06-15"  # six days ago, and every working inverter has its siblings: not yet
    _judge(state, book, powers)
    assert state.faces_day == "2026-06-15" and "gone" in table.cells
    state.faces_day = "2026-06-14"  # a week ago
    _judge(state, book, powers)
    assert state.faces_day == DAY and "gone" not in table.cells


def test_faces_are_found_again_the_next_day_when_a_working_inverter_has_no_siblings():
    powers = {"A": 0.2, "B": 0.2, "C": 0.2}
    state, book, _ = _setup(powers)
    state.faces_day = "2026-06-20"
    _judge(state, book, powers)
    assert state.faces_day == "2026-06-20"
    state.inverters["C"].siblings = []  # a replacement, say
    _judge(state, book, powers)
    assert state.faces_day == DAY


def test_given_groups_name_the_siblings_and_they_are_alike():
    state = DetectorState()
    for n in range(15):
        state.inverters[f"S{n:02d}"] = InverterTrack(group=1 if n < 14 else 0)
    underperf._find_faces(state, normal.MemoryBook(), DAY, True)
    track = state.inverters["S00"]
    assert track.alike and len(track.siblings) == 12 and "S00" not in track.siblings
    assert track.siblings == [f"S{n:02d}" for n in range(1, 13)]
    assert state.inverters["S14"].siblings == [] and not state.inverters["S14"].alike
    underperf._find_faces(state, normal.MemoryBook(), DAY, False)
    assert state.inverters["S00"].siblings == [] and not state.inverters["S00"].alike


def test_no_output_at_all_is_too_dim_and_touches_nothing():
    powers = {"A": 0.0, "B": 0.0, "C": 0.0}
    state, book, table = _setup(powers, envelope=1.0)
    state.faces_day = "2026-06-20"
    assert _judge(state, book, powers) == []
    assert state.faces_day == "2026-06-20" and table.envelope_kw == 1.0


@pytest.mark.parametrize(("beam", "offset"), [(0.7, normal.CLEAR), (0.69, None), (0.31, None), (0.3, normal.DIFFUSE)])
def test_a_reading_at_exactly_07_or_03_of_clear_light_teaches_that_light(monkeypatch, beam, offset):
    monkeypatch.setattr(underperf.normal, "clearness", lambda *_: beam)
    powers = {"A": 0.1, "B": 0.2, "C": 0.4}
    state, book, table = _setup(powers)
    _judge(state, book, powers)
    counts = (table.cells["A"][normal.CLEAR + 3], table.cells["A"][normal.DIFFUSE + 3])
    assert counts == ((1, 0) if offset == normal.CLEAR else (0, 1) if offset == normal.DIFFUSE else (0, 0))


def test_by_default_the_hours_are_solar_and_the_face_is_named():
    powers = {"A": 0.1, "B": 0.2, "C": 0.2}
    state, book, _ = _setup(powers, gaps=(-0.5,) * 8, slow=8.0, since=NOW - timedelta(hours=3))
    state.faces = [Face(("A", "B", "C"), 12.0)]
    [fired, *_] = underperf.judge(state, powers, book, NOW, DAY, HOUR, HOURS, 37.0, False)
    assert "beside its 2 siblings on the south face" in fired.message


def test_nothing_expected_is_not_judged():
    powers = {"A": 0.2, "B": 0.0, "C": 0.0, "D": 0.2, "E": 0.2}
    state, book, _ = _setup(powers)
    state.inverters["A"].siblings = ["B", "C"]
    assert "A" not in [j.serial for j in _judge(state, book, powers)]
    assert state.inverters["A"].today == []


def test_nothing_is_said_while_the_window_fills():
    powers = {"A": 0.2, "B": 0.2, "C": 0.2}
    state, book, _ = _setup(powers, gaps=())
    assert _judge(state, book, powers) == []


def test_a_day_with_anything_expected_is_filed():
    powers = {"A": 0.2, "B": 0.2, "C": 0.2}
    state, book, _ = _setup(powers)
    state.inverters["C"].today = ["2026-06-20", 0.1, 0.5]
    _judge(state, book, powers)
    assert state.closed == [["C", "2026-06-20", 0.1, 0.5]]


@pytest.mark.parametrize(("size", "alike"), [(2, False), (3, True)])
def test_siblings_are_alike_on_a_face_of_three_or_more(size, alike):
    state = DetectorState()
    book = normal.MemoryBook()
    for n in range(size):
        state.inverters[f"S{n}"] = InverterTrack()
        for key in range(30, 37):
            book.table(key).cells[f"S{n}"] = _learned()
    underperf._find_faces(state, book, DAY, False)
    assert len(state.faces) == 1 and state.inverters["S0"].alike is alike


@pytest.mark.parametrize(("group", "on_a_face", "due"), [(0, (), True), (0, ("A", "B", "C"), False), (1, (), False)])
def test_with_a_layout_faces_are_found_daily_until_every_ungrouped_inverter_is_on_one(group, on_a_face, due):
    powers = {"A": 0.2, "B": 0.2, "C": 0.2}
    state, _, _ = _setup(powers)
    state.faces_day = "2026-06-20"  # yesterday; each has its siblings
    for track in state.inverters.values():
        track.group = group
    state.faces = [Face(on_a_face, 12.0)] if on_a_face else []
    assert underperf._faces_due(state, powers, DAY, seeded=True) is due
    assert underperf._faces_due(state, powers, DAY) is False  # without a layout: weekly


def test_what_an_inverter_falls_short_by_is_owed_to_its_diagnosis():
    powers = {"A": 0.18, "B": 0.2, "C": 0.2}  # A is expected to make its siblings' 0.2 kW
    state, book, _ = _setup(powers)
    _judge(state, book, powers)
    assert state.inverters["A"].clues[6] == 0.00167  # (0.2 - 0.18) kW × 5 minutes, 5 decimals
    assert state.inverters["B"].clues == []


@pytest.mark.parametrize(("gauge", "kept"), [({"since": NOW - timedelta(hours=1), "slow": 1.0}, True), ({}, False)])
def test_a_gap_within_the_slack_is_owed_only_while_the_gauge_counts_a_shortfall(gauge, kept):
    powers = {"A": 0.199, "B": 0.2, "C": 0.2}  # 0.5 % short: within the 5 % slack
    state, book, _ = _setup(powers, **gauge)
    _judge(state, book, powers)
    assert state.inverters["A"].clues[6:7] == ([0.00008] if kept else [])  # 0.001 kW × 5 minutes, 5 decimals


def test_siblings_seeded_from_the_layout_are_alike():
    state = DetectorState(inverters={s: InverterTrack() for s in ("A", "B", "C", "D")})  # nothing learned of them
    underperf._find_faces(state, normal.MemoryBook(), DAY, False, (("A", "B", "C"),))
    assert (state.inverters["A"].siblings, state.inverters["A"].alike) == (["B", "C"], True)
    assert (state.inverters["D"].siblings, state.inverters["D"].alike) == ([], False)
