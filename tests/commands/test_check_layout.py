"""`check` with LAYOUT_FILE: the layout placed on the PVS's own inverters, one ✗ line for a serial it cannot place,
and a note (not a failure) where INVERTER_GROUPS or the learned faces part from the layout's azimuths."""

from __future__ import annotations

from pvs6sup.alerts import state
from pvs6sup.alerts.faces import Face
from pvs6sup.alerts.memory import DetectorState
from pvs6sup.errors import ExitStatus
from pvs6sup.sim.legacy_pvs import SiteModel
from tests.support.harness import Harness

HEADER = "serialNumber,xCoordinate,yCoordinate,rotation,azimuth,orientation"


def write_layout(harness: Harness, rows: list[str]) -> None:
    path = harness.tmp_path / "layout.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n")
    harness.env["LAYOUT_FILE"] = str(path)
    harness.env["WEATHER_PROVIDER"] = "none"


def roof_rows() -> tuple[list[str], list[str]]:
    model = SiteModel()
    serials = [model.inverter_serial(i) for i in range(model.inverter_count)]
    half = len(serials) // 2
    rows = [f"{s},{i * 40},0,0,{180 if i < half else 270},portrait" for i, s in enumerate(serials)]
    return serials, rows


def test_a_layout_that_fits_is_a_tick(harness: Harness, simulated) -> None:
    serials, rows = roof_rows()
    write_layout(harness, rows)
    result = harness.run("check")
    assert result.code == ExitStatus.OK, result.stdout
    assert f"✓ LAYOUT_FILE: {len(serials)} of {len(serials)} inverters placed, 2 azimuth group(s)" in result.stdout


def test_an_unknown_serial_is_one_cross_line_and_no_traceback(harness: Harness, simulated) -> None:
    _, rows = roof_rows()
    write_layout(harness, [*rows, "E00X0000099999,0,99,0,180,portrait"])
    result = harness.run("check")
    assert result.code == ExitStatus.SERVICE_FAILED
    [line] = [line for line in result.stdout.splitlines() if line[:2] in ("✓ ", "✗ ") and "LAYOUT_FILE" in line]
    assert line.startswith("✗ LAYOUT_FILE ") and f"line {len(rows) + 2}: serial E00…9999 matches none" in line
    assert "Traceback" not in result.stdout + result.stderr


def test_learned_faces_that_part_from_the_azimuths_are_said_and_win(harness: Harness, simulated) -> None:
    serials, rows = roof_rows()
    write_layout(harness, rows)
    harness.env["INVERTER_GROUPS"] = ",".join(serials[:3]) + ";" + ",".join(serials[3:])
    detector = DetectorState(faces=[Face(tuple(serials[:4]), 11.0), Face(tuple(serials[4:]), 15.0)])
    state.save(harness.data_dir, state.AlertState(detector, {}))
    result = harness.run("check")
    assert result.code == ExitStatus.OK, result.stdout
    said = [line for line in result.stdout.splitlines() if line.startswith("- LAYOUT_FILE's azimuths")]
    assert said == [
        "- LAYOUT_FILE's azimuths and INVERTER_GROUPS differ: a face of "
        f"{len(serials) - 3} inverters holds panels of 2 azimuth groups; an azimuth group of {len(serials) // 2} "
        "panels was found on 2 faces; INVERTER_GROUPS win",
        "- LAYOUT_FILE's azimuths and the faces the alerts learned differ: a face of "
        f"{len(serials) - 4} inverters holds panels of 2 azimuth groups; an azimuth group of {len(serials) // 2} "
        "panels was found on 2 faces; the faces the alerts learned win",
    ]
