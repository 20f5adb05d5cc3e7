"""The rollup's state document: the field-by-field encoder writes exactly the bytes the former
dataclasses.asdict encoder wrote, a file that encoder wrote reads back, and the rollup's records behave
like the dataclasses they replaced without importing dataclasses on the cron path."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from pvs6sup.core import rollup
from pvs6sup.core.records import replace
from pvs6sup.core.rollup import DailyRow, DayState, Tally
from pvs6sup.store import rollup_file

ROOT = Path(__file__).resolve().parents[2]
NOTE_A = "0 kWh is below the last trusted 1234.5 kWh"
NOTE_B = "jump of 500 kWh in 300 s"

# What the asdict encoder built for rich_state(): {"version", "day", "last_at", "pvs_failures", "tallies"},
# each tally's fields in declaration order with those equal to their default left out (0.0 is not None).
OLD_DOCUMENT = {
    "version": 1,
    "day": "2026-06-21",
    "last_at": 1782070200.0,
    "pvs_failures": 2,
    "tallies": {
        "site": {
            "energy_kwh": 12.3456,
            "peak_kw": 4.125,
            "readings": 96,
            "no_data": 1,
            "excluded": 4,
            "notes": [["11:00", "12:25", NOTE_A, 3], ["15:00", "15:00", NOTE_B, 1]],
            "last_kwh": 1240.5,
            "last_at": 1782070200.0,
        },
        "E00X00000700001": {
            "energy_kwh": 0.0,
            "peak_kw": 0.0,
            "readings": 96,
            "last_kwh": 200.125,
            "last_at": 1782069900.0,
            "state": "working",
            "temperature_c": 41.0,
            "reported_at": 1782069880.0,
        },
        "E00X00000700002": {
            "energy_kwh": 1.5,
            "peak_kw": 0.31,
            "readings": 96,
            "excluded": 7,
            "notes": [["09:00", "09:05", "a b", 2], ["10:00", "10:00", "c d", 1], ["11:00", "11:10", "e", 3]],
            "last_kwh": 100.0,
            "last_at": 1782060000.0,
            "candidate_kwh": 5.25,
            "candidate_at": 1782070200.0,
            "state": "error",
        },
        "E00X00000700003": {"readings": 96, "no_data": 96},
        "E00X00000700004": {},
    },
}


def rich_state() -> DayState:
    return DayState(
        day=date(2026, 6, 21),
        last_at=1782070200.0,
        pvs_failures=2,
        tallies={
            "site": Tally(
                energy_kwh=12.3456,
                peak_kw=4.125,
                readings=96,
                no_data=1,
                excluded=4,
                notes=[["11:00", "12:25", NOTE_A, 3], ["15:00", "15:00", NOTE_B, 1]],
                last_kwh=1240.5,
                last_at=1782070200.0,
            ),
            "E00X00000700001": Tally(
                energy_kwh=0.0,
                peak_kw=0.0,
                readings=96,
                no_data=0,
                last_kwh=200.125,
                last_at=1782069900.0,
                state="working",
                temperature_c=41.0,
                reported_at=1782069880.0,
            ),
            "E00X00000700002": Tally(
                energy_kwh=1.5,
                peak_kw=0.31,
                readings=96,
                excluded=7,
                notes=[["09:00", "09:05", "a b", 2], ["10:00", "10:00", "c d", 1], ["11:00", "11:10", "e", 3]],
                last_kwh=100.0,
                last_at=1782060000.0,
                candidate_kwh=5.25,
                candidate_at=1782070200.0,
                state="error",
                temperature_c=None,
                reported_at=None,
            ),
            "E00X00000700003": Tally(readings=96, no_data=96),
            "E00X00000700004": Tally(),
        },
    )


def encoded(document: object) -> bytes:
    return json.dumps(document, separators=(",", ":")).encode()  # as rollup_file.save_state writes it


def test_the_bytes_are_those_of_the_asdict_encoder() -> None:
    assert encoded(rollup.state_to_json(rich_state())) == encoded(OLD_DOCUMENT)
    assert (
        encoded(rollup.state_to_json(DayState()))
        == b'{"version":1,"day":null,"last_at":null,"pvs_failures":0,"tallies":{}}'
    )


def test_a_file_the_old_encoder_wrote_reads_back_and_is_rewritten_the_same(tmp_path: Path) -> None:
    (tmp_path / rollup_file.STATE_FILE).write_bytes(encoded(OLD_DOCUMENT))
    state = rollup_file.load_state(tmp_path)
    assert state == rich_state()
    rollup_file.save_state(tmp_path, state)
    assert (tmp_path / rollup_file.STATE_FILE).read_bytes() == encoded(OLD_DOCUMENT)


def test_the_document_does_not_share_the_state_notes() -> None:
    state = rich_state()
    document = rollup.state_to_json(state)
    document["tallies"]["site"]["notes"][0][3] = 99
    assert state.tallies["site"].notes[0][3] == 3


def test_an_unknown_tally_field_is_refused() -> None:
    with pytest.raises(TypeError):
        rollup.state_from_json({**OLD_DOCUMENT, "tallies": {"site": {"energy_kwh": 1.0, "surprise": 1}}})


def test_the_records_keep_the_dataclass_behaviour() -> None:
    assert Tally().notes is not Tally().notes  # each tally its own list, as field(default_factory=list) gave
    assert DayState().tallies is not DayState().tallies
    row = DailyRow(date(2026, 6, 21), "site", 1.5, 0.3, 288, 0, 2, 0, "")
    assert replace(row, pvs_failures=None) == DailyRow(date(2026, 6, 21), "site", 1.5, 0.3, 288, 0, None, 0, "")
    assert len({row, replace(row)}) == 1
    with pytest.raises(AttributeError):
        row.readings = 1  # type: ignore[misc]
    with pytest.raises(TypeError):
        hash(Tally())  # mutable: unhashable, like an unfrozen dataclass


def test_the_rollup_does_not_import_dataclasses() -> None:
    code = "import sys, pvs6sup.core.rollup; print('dataclasses' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
