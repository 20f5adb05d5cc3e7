"""The alert-state encoder writes, field by field, the bytes pinned in tests/alerts/golden/alert_state_rich_v4.json
(a change of format is a deliberate change of that file); a version-3 file (before the stalled streams and the
diagnosis) reads with everything it held, and a version-2 file (before the learned normal, written by the former
dataclasses.asdict encoder) still reads: its incidents are kept, its dropped fields are ignored."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

from pvs6sup.alerts.detectors import DetectorState, InverterTrack
from pvs6sup.alerts.incidents import Incident
from pvs6sup.alerts.normal import Gauge
from pvs6sup.alerts.state import STATE_FILE, AlertState, from_json, save, to_json
from tests.support.alert_state_rich import rich_state

GOLDEN = Path(__file__).parent / "golden" / "alert_state_rich_v4.json"
GOLDEN_V3 = Path(__file__).parent / "golden" / "alert_state_rich_v3.json"
GOLDEN_V3_FIRST = Path(__file__).parent / "golden" / "alert_state_rich_v3_first.json"  # as ac3015f wrote it
GOLDEN_V2 = Path(__file__).parent / "golden" / "alert_state_rich_v2.json"


def _field_names(record: Any) -> list[str]:  # a dataclass or a __slots__ record
    return list(record.__dataclass_fields__) if hasattr(record, "__dataclass_fields__") else list(record.__slots__)


def test_the_bytes_are_the_pinned_ones() -> None:
    assert to_json(rich_state()) == GOLDEN.read_bytes()


def test_a_version_3_file_reads_whole_with_no_stalled_stream() -> None:
    old = from_json(GOLDEN_V3.read_bytes())
    assert (old.detector.inverters_still_since, old.detector.meters_still_since) == (None, None)
    now = from_json(GOLDEN.read_bytes())
    now.detector.inverters_still_since = None
    for track in now.detector.inverters.values():  # the diagnosis' clues came with version 4 too
        track.clues = []
    for incident in now.incidents.values():
        incident.cause, incident.evidence, incident.lost_kwh = "", "", None
    assert to_json(old) == to_json(now)  # nothing else was lost
    assert now.detector.inverters["E00000000000000001"].gauge.gaps == [-0.123, 0.0, 0.3]


def test_a_version_2_file_reads_with_its_incidents_and_without_the_dropped_fields() -> None:
    old = from_json(GOLDEN_V2.read_bytes())
    assert set(old.incidents) == set(rich_state().incidents)
    track = old.detector.inverters["E00000000000000001"]
    assert (track.group, track.offline_streak, track.wake_hour) == (2, 3, 6.12346)
    assert track.gauge.gaps == [] and track.siblings == []  # the learned normal starts afresh


def test_every_field_is_written_and_in_declaration_order() -> None:
    document = json.loads(to_json(rich_state()))
    assert list(document["detector"]) == _field_names(DetectorState())
    assert list(document["detector"]["inverters"]["E00000000000000001"]) == _field_names(InverterTrack())
    assert list(document["detector"]["inverters"]["E00000000000000001"]["gauge"]) == _field_names(Gauge())
    incident = next(iter(rich_state().incidents.values()))
    assert list(document["incidents"]["inverter:E00000000000000001"]) == _field_names(incident)
    assert isinstance(incident, Incident)


def test_what_is_read_back_is_written_back_the_same(tmp_path: Path) -> None:
    save(tmp_path, from_json(GOLDEN.read_bytes()))
    written = gzip.decompress((tmp_path / STATE_FILE).read_bytes())
    # the rounding to 5 decimals and the omitted defaults are already applied: a second pass changes nothing
    assert written == to_json(from_json(written))
    assert json.loads(written)["incidents"] == json.loads(GOLDEN.read_bytes())["incidents"]
    again = from_json(written)
    assert again.detector.inverters["E00000000000000001"].gauge.since is not None
    assert again.detector.faces[0].members[0] == "E00000000000000001"


def test_an_empty_state_is_the_smallest_document() -> None:
    assert to_json(AlertState()) == (
        b'{"version":4,"detector":{"last_reading_at":null,"failed_cycles":0,"no_production_streak":0,'
        b'"peak_production_kw":0.0,"site_peak_kw":0.0,"faces_day":"","faces":[],"closed":[],"inverters":{},'
        b'"inverters_still_since":null,"meters_still_since":null},"incidents":{},"carried":{}}'
    )


def test_siblings_that_the_face_gives_are_left_out_and_read_back() -> None:
    state = rich_state()
    track = state.detector.inverters["E00000000000000002"]
    track.siblings = ["E00000000000000003", "E00000000000000001"]  # its face's order, from its place on
    document = json.loads(to_json(state))
    assert "siblings" not in document["detector"]["inverters"]["E00000000000000002"]
    assert document["detector"]["inverters"]["E00000000000000001"]["siblings"] == [2, 1]
    again = from_json(to_json(state))
    assert again.detector.inverters["E00000000000000002"].siblings == track.siblings
    assert again.detector.inverters["E00000000000000001"].siblings == ["E00000000000000003", "E00000000000000002"]


def test_a_version_3_file_as_first_written_keeps_its_gaps_and_its_daily_shares() -> None:
    # Version 3 was first written with gaps as they are and each inverter's daily shares in its track; the
    # thousandths and the finished days kept apart came later under the same number.
    first = GOLDEN_V3_FIRST.read_bytes()
    written = json.loads(first)["detector"]["inverters"]["E00000000000000001"]
    old = from_json(first)
    track = old.detector.inverters["E00000000000000001"]
    assert track.gauge.gaps == written["gauge"]["gaps"] == [-0.1235, 0.0, 0.3]
    *finished, today = written["shares"]
    assert old.detector.closed == [["E00000000000000001", *entry] for entry in finished]
    assert track.today == today and finished  # the last day stays today's; the others are filed next cycle
    assert track.siblings == written["siblings"]
