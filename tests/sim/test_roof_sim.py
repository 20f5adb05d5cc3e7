"""The roof simulator and its scenarios: faces follow the sun, clouds even them out, shade and faults act as told."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest

from pvs6sup.core.sun import sun_elevation_deg
from pvs6sup.pvs.parse import reading_from_capture
from pvs6sup.sim.roof import Face, Obstruction, RoofModel, RoofSite
from tests.support.sim.roof_catalogue import CALIFORNIA, MELBOURNE
from tests.support.sim.roofs import (
    CLEAR,
    CREEPING,
    DEAD,
    INVERTERS_STALLED,
    LOSS,
    METERS_STALLED,
    MISSING,
    NOT_REPORTING,
    OVERCAST,
    SITE,
    STREAMS,
    Fault,
    RoofScenario,
    ScenarioSite,
    captures,
    scenarios,
    solar_midnight,
)

FACES = (Face("south", 22, 180, 1), Face("east", 30, 90, 1), Face("west", 30, 270, 1), Face("north", 22, 0, 1))
SOUTH, EAST, WEST, NORTH = range(4)


def scenario(
    place: tuple[float, float] = CALIFORNIA,
    first: date = date(2026, 12, 10),
    sky: str = CLEAR,
    faces: tuple[Face, ...] = FACES,
    obstructions: tuple[Obstruction, ...] = (),
    faults: tuple[Fault, ...] = (),
    days: int = 1,
) -> RoofScenario:
    model = RoofModel(
        latitude=place[0], longitude=place[1], faces=faces, obstructions=obstructions, spread_pct=0.0, seed=3
    )
    return RoofScenario("t", "a test roof", model, solar_midnight(first, place[1]), days, faults, (sky,) * days)


def at(s: RoofScenario, hour: float, day: int = 0) -> datetime:
    return s.start + timedelta(days=day, hours=hour)


def day_of(s: RoofScenario, index: int) -> list[tuple[datetime, float]]:
    site = ScenarioSite(s)
    return [(at(s, k / 12), site.inverter_kw(index, at(s, k / 12))) for k in range(288)]


def solar_noon(s: RoofScenario) -> datetime:
    lat, lon = s.model.latitude, s.model.longitude
    return max((at(s, k / 12) for k in range(288)), key=lambda t: sun_elevation_deg(lat, lon, t))


@pytest.mark.parametrize("place", [CALIFORNIA, MELBOURNE])
def test_an_east_face_peaks_before_solar_noon_and_a_west_face_after(place: tuple[float, float]) -> None:
    s = scenario(place, date(2026, 3, 20))
    noon = solar_noon(s)
    east_peak = max(day_of(s, EAST), key=lambda pair: pair[1])[0]
    west_peak = max(reversed(day_of(s, WEST)), key=lambda pair: pair[1])[0]
    assert east_peak < noon - timedelta(hours=1)
    assert west_peak > noon + timedelta(hours=1)


@pytest.mark.parametrize(
    ("place", "first", "sunny", "shaded"),
    [(CALIFORNIA, date(2026, 12, 10), SOUTH, NORTH), (MELBOURNE, date(2026, 6, 10), NORTH, SOUTH)],
)
def test_in_winter_the_equator_facing_face_makes_most(
    place: tuple[float, float], first: date, sunny: int, shaded: int
) -> None:
    s = scenario(place, first)
    energy = {i: sum(kw for _, kw in day_of(s, i)) for i in (sunny, EAST, WEST, shaded)}
    assert 0.3 < energy[EAST] / energy[sunny] < 0.75
    assert 0.3 < energy[WEST] / energy[sunny] < 0.75
    assert energy[shaded] < energy[EAST]


def test_heavy_cloud_brings_the_faces_together_and_clear_sky_separates_them() -> None:
    for hour in (10.0, 12.0, 14.0):
        overcast = ScenarioSite(scenario(sky=OVERCAST))
        clear = ScenarioSite(scenario(sky=CLEAR))
        cloudy = [overcast.inverter_kw(i, at(overcast.scenario, hour)) for i in (SOUTH, EAST, WEST)]
        sunny = [clear.inverter_kw(i, at(clear.scenario, hour)) for i in (SOUTH, EAST, WEST)]
        assert max(cloudy) / min(cloudy) < 1.15
        assert max(sunny) / min(sunny) > 1.3
        assert max(cloudy) < 0.5 * max(sunny)


TREE = Obstruction(frozenset({1}), 200, 250, 25, 0.9)
TWINS = (Face("south", 22, 180, 3),)


def test_an_obstruction_cuts_only_its_inverters_only_with_the_sun_behind_it_and_less_under_cloud() -> None:
    s = scenario(faces=TWINS, obstructions=(TREE,))
    site = ScenarioSite(s)
    afternoon, morning = at(s, 15.0), at(s, 9.5)  # the winter sun at about 220° and 17°, then in the south-east
    assert site.inverter_kw(1, afternoon) < 0.5 * site.inverter_kw(0, afternoon)
    assert site.inverter_kw(2, afternoon) == site.inverter_kw(0, afternoon)
    assert site.inverter_kw(1, morning) == site.inverter_kw(0, morning)
    grey = ScenarioSite(replace(s, weather=(OVERCAST,)))
    assert grey.inverter_kw(1, afternoon) > 0.9 * grey.inverter_kw(0, afternoon)


def test_an_obstruction_has_a_soft_edge_and_may_wrap_through_north() -> None:
    assert TREE.shade(20, 225) == pytest.approx(0.9)
    assert TREE.shade(20, 250) == pytest.approx(0.45)
    assert TREE.shade(20, 252) == 0.0
    assert TREE.shade(26, 225) == 0.0
    northern = Obstruction(frozenset({0}), 330, 20, 30, 1.0)
    assert northern.shade(10, 0) == 1.0
    assert northern.shade(10, 180) == 0.0


def test_documents_parse_with_the_base_class_serials_and_night_errors() -> None:
    s = scenario(days=1)
    documents = dict(captures(s))
    noon = reading_from_capture(documents[at(s, 12)], at(s, 12), "auto", None)
    night = reading_from_capture(documents[at(s, 1)], at(s, 1), "auto", None)
    serials = [inverter.serial for inverter in noon.devices.inverters]
    assert serials == [s.model.inverter_serial(i) for i in range(4)]
    assert all(inverter.state == "working" and inverter.power_kw for inverter in noon.devices.inverters)
    assert all(inverter.state == "error" for inverter in night.devices.inverters)
    assert s.groups() == tuple((serial[-5:],) for serial in serials)
    as_the_pvs_lays_it_out = dict(captures(s, pvs_layout=True))[at(s, 12)]
    assert as_the_pvs_lays_it_out.startswith(b'{\n\t"devices"')
    assert reading_from_capture(as_the_pvs_lays_it_out, at(s, 12), "auto", None) == noon


def test_faults_act_as_specified() -> None:
    start = solar_midnight(date(2026, 12, 10), CALIFORNIA[1])
    faults = (
        Fault(DEAD, 0, start + timedelta(hours=11)),
        Fault(MISSING, 1, start + timedelta(hours=11), start + timedelta(hours=13)),
        Fault(NOT_REPORTING, 2, start + timedelta(hours=11)),
        Fault(LOSS, 3, start + timedelta(hours=11), factor=0.8),
    )
    healthy = dict(captures(scenario(days=1)))
    faulty = dict(captures(scenario(faults=faults, days=1)))
    s = scenario(days=1)

    def inverters(documents: dict[datetime, bytes], hour: float) -> dict[str, object]:
        reading = reading_from_capture(documents[at(s, hour)], at(s, hour), "auto", None)
        return {i.serial[-1]: i for i in reading.devices.inverters}

    before, noon, later = inverters(faulty, 10.5), inverters(faulty, 12), inverters(faulty, 14)
    well = inverters(healthy, 12)
    assert noon["1"].state == "error" and noon["1"].power_kw == 0  # type: ignore[attr-defined]
    assert "2" not in noon and "2" in later and "2" in before
    assert noon["3"].measured_at == inverters(faulty, 11)["3"].measured_at <= at(s, 11)  # type: ignore[attr-defined]
    assert noon["4"].power_kw == pytest.approx(0.8 * well["4"].power_kw, abs=2e-4)  # type: ignore[attr-defined]
    assert before["4"].power_kw == inverters(healthy, 10.5)["4"].power_kw  # type: ignore[attr-defined]


def test_a_creeping_loss_reaches_its_factor_linearly() -> None:
    start = datetime(2026, 12, 10, 8, tzinfo=solar_midnight(date(2026, 12, 10), 0).tzinfo)
    creeping = Fault(CREEPING, 0, start, factor=0.7, ramp_days=3)
    assert creeping.full_at == start + timedelta(days=3)
    assert creeping.output_factor(start - timedelta(hours=1)) == 1.0
    assert creeping.output_factor(start + timedelta(days=1.5)) == pytest.approx(0.85)
    assert creeping.output_factor(start + timedelta(days=9)) == pytest.approx(0.7)
    assert creeping.loss == pytest.approx(0.3)


def test_the_catalogue_covers_what_the_issue_asks() -> None:
    catalogue = scenarios()
    assert len(catalogue) >= 8
    assert all(s.days >= 21 for s in catalogue.values())
    assert all(f.start >= s.start + timedelta(days=5) for s in catalogue.values() for f in s.faults)
    assert any(not s.faults for s in catalogue.values())
    assert any(s.model.inverter_count >= 30 for s in catalogue.values())
    assert any(s.model.latitude < 0 for s in catalogue.values())
    assert {len(s.model.faces) for s in catalogue.values()} >= {1, 2, 3}
    for s in catalogue.values():
        suffixes = [suffix for group in s.groups() for suffix in group]
        assert len(suffixes) == s.model.inverter_count == len(set(suffixes))
        assert all(0 <= f.index < s.model.inverter_count or f.index == SITE for f in s.faults)
    assert {f.kind for s in catalogue.values() for f in s.faults if f.index == SITE} == set(STREAMS)


def test_a_roof_site_on_its_own_drifting_clouds_serves_the_demo_the_same_kind_of_documents() -> None:
    model = RoofModel(faces=(Face("south", 20, 180, 3), Face("west", 25, 270, 2)), failed=frozenset({4}))
    site = RoofSite(model)
    noon = datetime(2026, 6, 21, 19, 5, tzinfo=solar_midnight(date(2026, 6, 21), 0).tzinfo)
    reading = reading_from_capture(site.render(noon), noon, "auto", None)
    assert model.inverter_count == 5 and model.face_serials()[1] == (model.inverter_serial(3), model.inverter_serial(4))
    states = [inverter.state for inverter in reading.devices.inverters]
    assert states == ["working"] * 4 + ["error"]
    night = reading_from_capture(site.render(noon + timedelta(hours=10)), noon + timedelta(hours=10), "auto", None)
    assert {inverter.state for inverter in night.devices.inverters} == {"error"}


def test_a_stalled_stream_repeats_its_reports_with_only_curtime_moving_while_the_other_moves() -> None:
    start = solar_midnight(date(2026, 6, 10), CALIFORNIA[1])
    faults = (
        Fault(INVERTERS_STALLED, SITE, start + timedelta(hours=11), start + timedelta(hours=12)),
        Fault(METERS_STALLED, SITE, start + timedelta(hours=13), start + timedelta(hours=14)),
    )
    site = ScenarioSite(scenario(first=date(2026, 6, 10), faults=faults))

    def devices(hour: float, kind: str) -> list[dict[str, object]]:
        document = site.device_list(start + timedelta(hours=hour))
        return [{k: v for k, v in d.items() if k != "CURTIME"} for d in document["devices"] if d["DEVICE_TYPE"] == kind]

    for stalled, moving, hour in (("Inverter", "Power Meter", 11.0), ("Power Meter", "Inverter", 13.0)):
        frozen, other = devices(hour, stalled), devices(hour, moving)
        assert devices(hour + 0.5, stalled) == frozen and devices(hour + 0.5, moving) != other
        assert devices(hour + 1.0, stalled) != frozen  # the stream moves again at the fault's end
