"""The alert-state encoder writes, field by field, exactly the bytes the former dataclasses.asdict encoder wrote
(tests/alerts/golden/alert_state_rich_v2.json was written by it), so an upgrade reads and rewrites the same file."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from alert_state_rich import rich_state

from pvs6sup.alerts import state as alertstate
from pvs6sup.alerts.detectors import DetectorState, InverterTrack
from pvs6sup.alerts.incidents import Incident

GOLDEN = Path(__file__).parent / "golden" / "alert_state_rich_v2.json"


def _field_names(record: object) -> list[str]:
    return list(record.__dataclass_fields__) if hasattr(record, "__dataclass_fields__") else list(record.__slots__)


def test_the_bytes_are_those_of_the_asdict_encoder() -> None:
    assert alertstate.to_json(rich_state()) == GOLDEN.read_bytes()


def test_every_field_is_written_and_in_declaration_order() -> None:
    document = json.loads(alertstate.to_json(rich_state()))
    assert list(document["detector"]) == _field_names(DetectorState())
    assert list(document["detector"]["inverters"]["E00000000000000001"]) == _field_names(InverterTrack())
    incident = next(iter(rich_state().incidents.values()))
    assert list(document["incidents"]["inverter:E00000000000000001"]) == _field_names(incident)
    assert isinstance(incident, Incident)


def test_what_is_read_back_is_written_back_the_same(tmp_path: Path) -> None:
    alertstate.save(tmp_path, alertstate.from_json(GOLDEN.read_bytes()))
    written = gzip.decompress((tmp_path / alertstate.STATE_FILE).read_bytes())
    # the rounding to 5 decimals and the omitted defaults are already applied: a second pass changes nothing
    assert written == alertstate.to_json(alertstate.from_json(written))
    assert json.loads(written)["incidents"] == json.loads(GOLDEN.read_bytes())["incidents"]


def test_an_empty_state_is_the_smallest_document() -> None:
    assert alertstate.to_json(alertstate.AlertState()) == (
        b'{"version":2,"detector":{"last_reading_at":null,"failed_cycles":0,"no_production_streak":0,'
        b'"peak_production_kw":0.0,"group_energy_kwh":{},"group_previous":{},"inverters":{}},"incidents":{}}'
    )
