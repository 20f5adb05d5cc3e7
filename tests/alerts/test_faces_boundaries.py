"""The roof-face finder at its thresholds (mutation testing: bench/mutation.py): same face below a stray of
0.06, six shared bins to compare, a day learned to count, four nearest for a lone inverter, twelve at most."""

import math

from pvs6sup.alerts import faces
from pvs6sup.alerts.normal import BinTable

TINY = 1e-9


def _tables(profiles, days=1, envelope=None):
    """profiles: serial -> {bin: ln ratio}; envelope: bin -> site kW (default 1.0 everywhere)."""
    tables: dict[int, BinTable] = {}
    for serial, profile in profiles.items():
        for key, value in profile.items():
            table = tables.setdefault(key, BinTable(envelope_kw=1.0 if envelope is None else envelope.get(key, 0.0)))
            table.cells[serial] = [value, days, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]
    return tables


def _apart_by(stray):
    """Two profiles over 7 bins whose distance is `stray`: gaps 0,0,0,2s,2s,2s,s (median s, strays s)."""
    a = dict(enumerate([0.0, 0.0, 0.0, 2 * stray, 2 * stray, 2 * stray, stray], start=30))
    b = dict.fromkeys(range(30, 37), 0.0)
    return a, b


def test_the_distance_is_the_median_stray_of_the_log_ratio():
    a, b = _apart_by(0.06)
    assert faces.distance(a, b) == 0.06
    assert faces.distance(b, a) == 0.06
    assert faces.distance(a, a) == 0.0


def test_six_shared_bins_are_needed_to_compare():
    six = dict.fromkeys(range(6), 0.1)
    five = dict.fromkeys(range(5), 0.1)
    assert faces.distance(six, dict.fromkeys(range(6), 0.0)) == 0.0
    assert faces.distance(five, dict.fromkeys(range(10), 0.0)) == math.inf


def test_one_face_below_a_stray_of_006_two_at_it():
    a, b = _apart_by(0.06)
    found, _, ranked = faces.find_faces(_tables({"A": a, "B": b}), ["A", "B"])
    assert sorted(face.members for face in found) == [("A",), ("B",)]
    assert ranked == {"A": ["B"], "B": ["A"]}
    a, b = _apart_by(0.06 - TINY)
    found, _, _ = faces.find_faces(_tables({"A": a, "B": b}), ["A", "B"])
    assert [face.members for face in found] == [("A", "B")]


def test_a_bin_counts_in_a_profile_from_one_day_learned():
    a, b = _apart_by(0.0)
    found, _, _ = faces.find_faces(_tables({"A": a, "B": b}, days=1), ["A", "B"])
    assert [face.members for face in found] == [("A", "B")]
    found, _, _ = faces.find_faces(_tables({"A": a, "B": b}, days=0), ["A", "B"])
    assert found == []
    # an inverter with five bins learned is not on any face yet
    found, siblings, _ = faces.find_faces(_tables({"A": a, "B": dict.fromkeys(range(30, 35), 0.0)}), ["A", "B"])
    assert [face.members for face in found] == [("A",)] and siblings == {"A": []}


def test_a_lone_inverter_is_compared_with_its_four_nearest():
    profiles = {f"S{i}": dict.fromkeys(range(30, 37), 0.0) for i in range(6)}
    profiles["L"], _ = _apart_by(0.5)
    _, siblings, ranked = faces.find_faces(_tables(profiles), list(profiles))
    assert len(siblings["L"]) == 4 and set(siblings["L"]) <= {f"S{i}" for i in range(6)}
    assert siblings["S0"] == ["S1", "S2", "S3", "S4", "S5"]
    assert len(ranked["L"]) == 6


def test_a_face_of_two_compares_each_with_its_nearest_too():
    a, b = _apart_by(0.0)
    c, _ = _apart_by(0.5)
    _, siblings, _ = faces.find_faces(_tables({"A": a, "B": b, "C": c}), ["A", "B", "C"])
    assert siblings["A"] == ["B", "C"]
    profiles = {f"S{i}": dict.fromkeys(range(30, 37), 0.0) for i in range(3)}
    _, siblings, _ = faces.find_faces(_tables(profiles), list(profiles))
    assert siblings["S0"] == ["S1", "S2"]


def test_a_large_face_gives_each_its_twelve_most_alike():
    profiles = {f"S{i:02d}": dict.fromkeys(range(30, 37), 0.001 * i) for i in range(14)}
    found, siblings, _ = faces.find_faces(_tables(profiles), list(profiles))
    assert len(found) == 1 and len(found[0].members) == 14
    assert siblings["S00"] == [f"S{i:02d}" for i in range(1, 13)]


def test_the_peak_hour_is_the_best_hour_of_the_face_and_faces_are_sorted_by_it():
    flat = dict.fromkeys(range(30, 40), 0.0)
    envelope = {30: 1.0, 31: 1.0, 32: 3.0, 33: 1.0, 34: 1.0, 35: 1.0, 36: 1.0, 37: 2.5, 38: 2.5, 39: 0.0}
    found, _, _ = faces.find_faces(_tables({"A": flat}, envelope=envelope), ["A"])
    # over three bins, 37 (1 + 2.5 + 2.5) beats 32 (1 + 3 + 1); a bin with no envelope counts nothing
    assert found[0].peak_hour == (37 + 0.5) / 3
    even = {key: 1.0 for key in range(30, 40)}
    found, _, _ = faces.find_faces(_tables({"A": flat}, envelope=even), ["A"])
    assert found[0].peak_hour == (31 + 0.5) / 3  # a tie: the earliest
    found, _, _ = faces.find_faces(_tables({"A": flat}, envelope=dict.fromkeys(range(30, 40), 0.0)), ["A"])
    assert found[0].peak_hour is None
    a, _ = _apart_by(0.5)
    late = dict.fromkeys(range(60, 67), 0.0)
    b = dict.fromkeys(range(30, 37), 0.0)
    tables = _tables({"A": a, "B": b, "C": late})
    found, _, _ = faces.find_faces(tables, ["A", "B", "C"])
    assert found[-1].members == ("C",)
    assert [face.peak_hour is not None for face in found] == [True, True, True]


def test_a_face_peaks_with_the_median_share_of_its_members():
    low = dict.fromkeys(range(30, 37), math.log(0.5))
    high = dict.fromkeys(range(30, 37), math.log(0.5))
    high[36] = math.log(4.0)
    envelope = dict.fromkeys(range(30, 37), 1.0)
    found, _, _ = faces.find_faces(_tables({"A": low, "B": high, "C": low}, envelope=envelope), ["A", "B", "C"])
    assert found[0].peak_hour == (31 + 0.5) / 3  # B's one bright bin is not the face's


def test_facing_turns_at_three_quarters_of_an_hour_and_at_an_hour_and_three_quarters():
    assert faces.facing(None, 37.0) == "unknown"
    assert faces.facing(12.0, 37.0) == "south"
    assert faces.facing(12.0, -33.0) == "north"
    assert faces.facing(12.0, 0.0) == "south"
    assert faces.facing(12.0, None) == "south"
    assert faces.facing(12.75 - TINY, 37.0) == "south"
    assert faces.facing(12.75, 37.0) == "south-west"
    assert faces.facing(11.25, 37.0) == "south-east"
    assert faces.facing(11.25 + TINY, 37.0) == "south"
    assert faces.facing(13.75 - TINY, 37.0) == "south-west"
    assert faces.facing(13.75, 37.0) == "west"
    assert faces.facing(10.25, -33.0) == "east"
    assert faces.facing(10.25 + TINY, -33.0) == "north-east"


def test_describe_and_clock():
    assert faces.clock(7.5) == "07:30"
    assert faces.clock(13 + 5 / 6) == "13:50"
    found = [faces.Face(("A",), 12.5), faces.Face(("A", "B"), None), faces.Face(("A", "B"), 8.5)]
    assert faces.describe(found, 37.0) == [
        "1 inverter peak at 12:30 solar time (south face)",
        "2 inverters, no peak yet",
        "2 inverters peak at 08:30 solar time (east face)",
    ]
    assert faces.describe(found[:1], 37.0, None) == ["1 inverter peak at 12:30 UTC (set LONGITUDE to name the face)"]


def test_an_inverter_with_exactly_six_bins_is_compared():
    seven = dict.fromkeys(range(30, 37), 0.0)
    six = dict.fromkeys(range(30, 36), 0.0)
    found, _, _ = faces.find_faces(_tables({"A": seven, "B": six}), ["A", "B"])
    assert [face.members for face in found] == [("A", "B")]


def test_a_face_of_three_compares_each_with_the_other_two_only():
    profiles = {f"S{i}": dict.fromkeys(range(30, 37), 0.0) for i in range(3)}
    profiles["L"], _ = _apart_by(0.5)
    _, siblings, _ = faces.find_faces(_tables(profiles), list(profiles))
    assert siblings["S0"] == ["S1", "S2"]


def test_a_bin_without_output_adds_nothing_to_its_neighbours():
    profile = dict.fromkeys([30, 31, 40, 50, 51, 52], 0.0)
    envelope = {30: 1.0, 31: 1.0, 40: 1.95}
    found, _, _ = faces.find_faces(_tables({"A": profile}, envelope=envelope), ["A"])
    assert found[0].peak_hour == (30 + 0.5) / 3  # 1 + 1 beats 1.95 alone


def test_faces_are_sorted_by_their_peak_not_their_names():
    early = dict.fromkeys(range(30, 37), 0.0)
    late = dict.fromkeys(range(60, 67), 0.0)
    found, _, _ = faces.find_faces(_tables({"A": late, "B": early}), ["A", "B"])
    assert [face.members for face in found] == [("B",), ("A",)]


def test_the_layout_seeds_two_siblings_or_more_for_an_inverter_nothing_is_learned_of():
    learned = [faces.Face(("A", "B", "C"), 12.0)]
    seeds = (("X", "Y"), ("A", "D", "E", "F"), ("G", "H", "I"))
    seeded = faces.seed_siblings(learned, {"E": ["A"], "G": []}, seeds, ["A", "D", "E", "G", "X", "Z"])
    assert seeded == {"D": ["A", "E", "F"], "G": ["H", "I"]}  # A on a learned face, E with siblings: theirs win
