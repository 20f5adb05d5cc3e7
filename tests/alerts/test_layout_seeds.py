"""The layout's azimuth groups (LAYOUT_FILE) seed the roof faces where nothing is learned yet: the learned faces
and INVERTER_GROUPS win, and the faces are found again daily until every seeded inverter is learned."""

from __future__ import annotations

import logging
from pathlib import Path

from pvs6sup.alerts import normal, underperf
from pvs6sup.alerts.faces import Face, seed_siblings
from pvs6sup.alerts.memory import DetectorState, InverterTrack
from pvs6sup.alerts.step import layout_seeds

DAY = "2026-06-21"
SEEDS = (("S1", "S2", "S3", "S4"), ("W1", "W2", "W3"))


def test_only_the_unlearned_take_their_siblings_from_the_layout() -> None:
    faces = [Face(("S1", "S2", "W1"), 12.0)]  # learned: S1 and S2 sit with W1, whatever the layout says
    siblings = {"S1": ["S2", "W1"], "S2": ["S1", "W1"], "W1": ["S1", "S2"]}
    seeded = seed_siblings(faces, siblings, SEEDS, ["S1", "S2", "S3", "S4", "W1", "W2", "W3", "X"])
    assert seeded == {"S3": ["S1", "S2", "S4"], "S4": ["S1", "S2", "S3"], "W2": ["W1", "W3"], "W3": ["W1", "W2"]}


def test_a_seed_group_of_two_is_too_small_to_judge_by() -> None:
    assert seed_siblings([], {}, (("A", "B"),), ["A", "B"]) == {}


def test_find_faces_seeds_the_unlearned_and_given_groups_still_win() -> None:
    state = DetectorState()
    for serial in ("S1", "S2", "S3", "S4", "W1", "W2", "W3"):
        state.inverters[serial] = InverterTrack(group=1 if serial == "W3" else 0)
    underperf._find_faces(state, normal.MemoryBook(), DAY, True, SEEDS)
    assert state.inverters["S1"].siblings == ["S2", "S3", "S4"] and state.inverters["S1"].alike
    assert state.inverters["W1"].siblings == ["W2", "W3"]
    assert state.inverters["W3"].siblings == []  # INVERTER_GROUPS: group 1 holds only W3 itself
    underperf._find_faces(state, normal.MemoryBook(), DAY, False)  # no layout: nothing seeded
    assert state.inverters["S1"].siblings == [] and not state.inverters["S1"].alike


def test_faces_are_found_again_daily_while_a_seeded_inverter_is_unlearned() -> None:
    state = DetectorState(faces_day="2026-06-20", faces=[Face(("S1", "S2", "S3"), 12.0)])
    for serial in ("S1", "S2", "S3", "S4"):
        state.inverters[serial] = InverterTrack(siblings=["x", "y"])
    powers = {"S1": 1.0, "S2": 1.0, "S3": 1.0}
    assert not underperf._faces_due(state, powers, DAY, seeded=True)  # every working one is learned
    powers["S4"] = 1.0
    assert underperf._faces_due(state, powers, DAY, seeded=True)  # S4's siblings are only the layout's
    assert not underperf._faces_due(state, powers, DAY, seeded=False)  # without a layout, as before


def test_the_layout_is_read_only_when_asked_and_a_bad_one_is_one_warning(tmp_path: Path, caplog) -> None:
    path = tmp_path / "layout.csv"
    seeds = layout_seeds(path, ["E00X01", "E00X02", "E00X03"])  # not read yet: the file need not exist now
    path.write_text(
        "serialNumber,xCoordinate,yCoordinate,rotation,azimuth,orientation\n"
        "X01,0,0,0,180,portrait\nX02,1,0,0,182,portrait\nX03,2,0,0,90,portrait\n"
    )
    assert seeds() == (("E00X01", "E00X02"), ("E00X03",))
    path.write_text("serialNumber,xCoordinate\nX01,0\n")
    with caplog.at_level(logging.WARNING):
        assert seeds() == ()
    [record] = caplog.records
    assert "no yCoordinate, rotation, azimuth, orientation column" in record.getMessage()
    assert record.getMessage().endswith("(the roof faces are learned without it)")


def test_replay_seeds_the_faces_from_the_layout_as_the_cycle_does(tmp_path: Path) -> None:
    from datetime import datetime, timezone

    from pvs6sup.commands.replay import Replayer
    from pvs6sup.sim.legacy_pvs import SimulatedSite, SiteModel

    model = SiteModel(failed=frozenset())
    serials = [model.inverter_serial(i) for i in range(model.inverter_count)]
    path = tmp_path / "layout.csv"
    rows = [f"{s},{i},0,0,{180 if i < 8 else 270},portrait" for i, s in enumerate(serials)]
    path.write_text("serialNumber,xCoordinate,yCoordinate,rotation,azimuth,orientation\n" + "\n".join(rows) + "\n")
    noon = datetime(2026, 6, 21, 20, 0, tzinfo=timezone.utc)
    for layout in (None, path):
        replayer = Replayer(latitude=37.4, longitude=-122.1, layout_file=layout)
        replayer.feed(noon, SimulatedSite(model).render(noon))
        siblings = replayer.state.inverters[serials[9]].siblings
        assert siblings == ([] if layout is None else [serials[8], *serials[10:]])
