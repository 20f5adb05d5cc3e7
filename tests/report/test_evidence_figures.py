"""The evidence's figures (report/evidence.py): what a day should have made, its share, the serial an ending names."""

from __future__ import annotations

from datetime import date, timedelta

from pvs6sup.report.evidence import NORMAL, SIBLINGS, day_figures, evidence_csv, file_name, match_serial

DAYS = [date(2026, 5, 1) + timedelta(days=i) for i in range(6)]


def test_expected_is_the_learned_normal_scaled_to_the_day_else_the_siblings_times_the_usual_ratio() -> None:
    own = {DAYS[0]: 1.8, DAYS[1]: 1.9, DAYS[2]: 2.0, DAYS[3]: 1.0, DAYS[4]: 0.9}  # DAYS[5]: no trusted delta
    siblings = {
        "A": {d: 2.0 for d in DAYS},
        "B": {d: 2.2 for d in DAYS[:5]},  # B's last day unknown: the median is A's alone
    }
    judged = {DAYS[4]: (0.6, 1.2)}  # made, expected over the judged readings: half
    figures = day_figures(DAYS, own, siblings, judged, began=DAYS[3])
    usual = sorted([1.8 / 2.1, 1.9 / 2.1, 2.0 / 2.1])[1]  # the median ratio before it began
    assert [f.basis for f in figures] == [SIBLINGS, SIBLINGS, SIBLINGS, SIBLINGS, NORMAL, SIBLINGS]
    assert abs(figures[3].expected_kwh - 2.1 * usual) < 1e-9  # type: ignore[operator]
    assert abs(figures[3].share - 1.0 / (2.1 * usual)) < 1e-9  # type: ignore[operator]
    assert abs(figures[4].expected_kwh - 1.8) < 1e-9 and abs(figures[4].share - 0.5) < 1e-9  # type: ignore[operator]
    assert figures[5].own_kwh is None and figures[5].share is None and figures[5].siblings_kwh == 2.0
    assert (figures[0].siblings_low_kwh, figures[0].siblings_high_kwh) == (2.0, 2.2)


def test_unknown_stays_empty_never_zero() -> None:
    own = {d: 0.0 for d in DAYS}  # dead since before the records began: no day to learn its usual ratio from
    figures = day_figures(DAYS, own, {"A": {d: 2.0 for d in DAYS}}, {}, began=DAYS[0])
    assert all(f.expected_kwh is None and f.share is None and f.basis == "" for f in figures)
    text = evidence_csv(figures)
    assert text.splitlines()[0] == "date,own_kwh,expected_kwh,share,siblings_median_kwh,basis"
    assert text.splitlines()[1] == "2026-05-01,0.000,,,2.000,"
    assert evidence_csv(day_figures(DAYS[:1], {}, {}, {}, None)).splitlines()[1] == "2026-05-01,,,,,"


def test_an_ending_names_one_serial_a_whole_serial_wins_and_case_does_not_matter() -> None:
    serials = ["E00121852001392", "E00121852001393", "E00121852011392", "ABC1"]
    assert match_serial("1393", serials) == ("E00121852001393", [])
    assert match_serial("e00121852001393", serials) == ("E00121852001393", [])
    assert match_serial("1392", serials) == (None, ["E00121852001392", "E00121852011392"])
    assert match_serial("ABC1", [*serials, "XABC1"]) == ("ABC1", [])  # whole, though also an ending
    assert match_serial("9999", serials) == (None, [])
    assert match_serial("  ", serials) == (None, [])


def test_a_file_name_holds_no_path_or_odd_character() -> None:
    assert file_name("E00121852001393", "csv") == "evidence-E00121852001393.csv"
    assert file_name("../x y/é", "html") == "evidence-___x_y__.html"
