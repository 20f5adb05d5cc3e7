"""The alert state on disk: detector memory and active incidents in DATA_DIR/alerts-state.json.gz (gzipped
JSON, rewritten every cycle, so kept small; zcat shows it), and the queue of emails not yet sent in
DATA_DIR/alerts-outbox/. Written atomically; a damaged state file or queued email is set aside (statefile.py)
and detection starts afresh rather than stopping the cycle.
"""

from __future__ import annotations

import gzip
import json
import logging
import os
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pvs6sup.alerts.faces import Face, face_siblings
from pvs6sup.alerts.incidents import Incident
from pvs6sup.alerts.memory import DetectorState, InverterTrack
from pvs6sup.alerts.normal import BinTable, Gauge
from pvs6sup.alerts.normal_files import bin_from_doc, bin_to_doc
from pvs6sup.core.records import Record, as_dict, field
from pvs6sup.core.values import file_stamp, remembered, stamp_time
from pvs6sup.store.files import atomic_write
from pvs6sup.store.statefile import heal, load_state

if TYPE_CHECKING:
    from email.message import EmailMessage

log = logging.getLogger(__name__)

STATE_FILE = "alerts-state.json.gz"  # gzipped: rewritten every cycle, so kept small (zcat to read)
OUTBOX_DIR = "alerts-outbox"
# 4: the stalled streams' spells and the diagnosis' clues; 3: the learned normal's gauge, siblings and faces;
# 2: fields at their defaults left out
VERSION = 4
TRACK_DEFAULTS = {name: value for name, value in as_dict(InverterTrack()).items() if name != "gauge"}
MAX_QUEUED = 50  # a mail server down for months must not fill the disk; the oldest emails go first


class AlertState(Record):
    detector: DetectorState = field(default_factory=DetectorState)
    incidents: dict[str, Incident] = field(default_factory=dict)
    carried: dict[int, BinTable] = field(default_factory=dict)  # the learned normal's bin in use (FileBook)


def _leaf(value: Any) -> Any:
    """A scalar as the file holds it: datetimes in ISO 8601, floats to 5 decimals."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, float):
        return round(value, 5)
    return value


def _time(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) else None


GAUGE_FIELDS = ("slow", "fast", "since", "made_kwh", "expected_kwh")
TRACK_FIELDS = tuple((name, TRACK_DEFAULTS.get(name)) for name in InverterTrack.__slots__)  # in declared order


def _gauge(gauge: Gauge, leaf: Callable[[Any], Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if gauge.gaps:
        out["gaps"] = [round(gap * 1000) for gap in gauge.gaps]  # thousandths: small to write, plenty to judge
    for name in GAUGE_FIELDS:
        value = getattr(gauge, name)
        if value:
            out[name] = leaf(value)
    return out


def _track(
    track: InverterTrack, place: dict[str, int], derived: list[str], leaf: Callable[[Any], Any]
) -> dict[str, Any]:
    """One inverter's memory without the fields at their defaults: the file is rewritten every cycle. Siblings
    are left out when they are those its face gives (faces.face_siblings), else written as their place among
    the faces' members (a number, not a 20-character serial, 12 times over)."""
    out: dict[str, Any] = {}
    for name, default in TRACK_FIELDS:
        value = getattr(track, name)
        if name == "gauge":
            gauge = _gauge(value, leaf)
            if gauge:
                out[name] = gauge
        elif name == "siblings":
            if value and value != derived:
                out[name] = [place.get(s, s) for s in value]
        elif value != default:
            out[name] = leaf(value)
    return out


def _read_track(
    t: dict[str, Any], members: list[str], derived: list[str], time: Callable[[Any], Any], gap_unit: float
) -> InverterTrack:
    known = {name: t[name] for name in TRACK_DEFAULTS if name in t}  # older versions' fields are dropped
    written = t.get("siblings")
    known["siblings"] = derived if written is None else [members[s] if isinstance(s, int) else str(s) for s in written]
    known["last_seen"], known["measured_at"] = time(t.get("last_seen")), time(t.get("measured_at"))
    g = t.get("gauge") or {}
    gauge = Gauge(
        [x / gap_unit for x in g.get("gaps", ())],
        float(g.get("slow", 0.0)),
        float(g.get("fast", 0.0)),
        time(g.get("since")),
        float(g.get("made_kwh", 0.0)),
        float(g.get("expected_kwh", 0.0)),
    )
    return InverterTrack(**known, gauge=gauge)


_derived_memo: list[tuple[list[Face], dict[str, list[str]]]] = []  # the last faces and their siblings


def _derived(faces: list[Face]) -> dict[str, list[str]]:
    """The siblings each inverter's face gives it (faces.face_siblings); inverters on no face are absent.
    Remembered for the last faces: a cycle reads and writes the same ones."""
    if _derived_memo and _derived_memo[0][0] == faces:
        return _derived_memo[0][1]
    found = {serial: face_siblings(face, at) for face in faces for at, serial in enumerate(face.members)}
    _derived_memo[:] = [(list(faces), found)]
    return found


def _incident(incident: Incident) -> dict[str, Any]:
    return {
        "kind": incident.kind,
        "serial": incident.serial,
        "message": incident.message,
        "detail": incident.detail,
        "raised_at": _leaf(incident.raised_at),
        "notified_at": _leaf(incident.notified_at),
        "clean_streak": incident.clean_streak,
        **({"cause": incident.cause, "evidence": incident.evidence} if incident.cause else {}),
        **({"lost_kwh": _leaf(incident.lost_kwh)} if incident.lost_kwh is not None else {}),
    }


def to_json(state: AlertState) -> bytes:
    """The state document, field by field (dataclasses.asdict deep-copied every datetime: 40 ms at 200
    inverters); tests/test_alert_state_encoding.py holds it to the bytes the asdict encoder wrote."""
    d = state.detector
    place = {serial: index for index, serial in enumerate(s for f in d.faces for s in f.members)}
    derived = _derived(d.faces)
    isos: dict[datetime, str] = {}  # 200 inverters share a handful of times

    def leaf(value: Any) -> Any:
        return remembered(isos, value, _leaf) if value.__class__ is datetime else _leaf(value)

    detector = {
        "last_reading_at": _leaf(d.last_reading_at),
        "failed_cycles": d.failed_cycles,
        "no_production_streak": d.no_production_streak,
        "peak_production_kw": _leaf(d.peak_production_kw),
        "site_peak_kw": _leaf(d.site_peak_kw),
        "faces_day": d.faces_day,
        "faces": [{"members": list(f.members), "peak_hour": _leaf(f.peak_hour)} for f in d.faces],
        "closed": [[_leaf(v) for v in entry] for entry in d.closed],
        "inverters": {serial: _track(t, place, derived.get(serial, []), leaf) for serial, t in d.inverters.items()},
        "inverters_still_since": _leaf(d.inverters_still_since),
        "meters_still_since": _leaf(d.meters_still_since),
    }
    incidents = {key: _incident(incident) for key, incident in state.incidents.items()}
    carried = {str(key): bin_to_doc(table) for key, table in state.carried.items()}
    document = {"version": VERSION, "detector": detector, "incidents": incidents, "carried": carried}
    return json.dumps(document, separators=(",", ":")).encode("utf-8")


def from_json(data: bytes) -> AlertState:
    """Rebuild the state; ValueError/KeyError/TypeError (EOFError, BadGzipFile) if the document is not one."""
    document = json.loads(gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data)
    if not isinstance(document, dict):
        raise TypeError(f"a JSON {type(document).__name__}, not an object")
    if document.get("version") not in (1, 2, 3, VERSION):  # 1, 2 lack the learned normal: it starts afresh
        raise ValueError(f"unknown version {document.get('version')!r}")
    d = document["detector"]
    faces = [Face(tuple(f["members"]), f["peak_hour"]) for f in d.get("faces", [])]
    members = [serial for face in faces for serial in face.members]
    derived = _derived(faces)
    seen: dict[str, datetime | None] = {}  # 200 inverters share a handful of times

    def time(value: Any) -> datetime | None:
        return remembered(seen, value, _time) if isinstance(value, str) else None

    # Version 3 as first written (no "closed"): gaps as they are, and each inverter's daily shares in its track
    first_v3 = document.get("version") == 3 and "closed" not in d
    gap_unit = 1.0 if first_v3 else 1000.0  # thousandths since
    inverters = {
        serial: _read_track(t, members, derived.get(serial, []), time, gap_unit) for serial, t in d["inverters"].items()
    }
    closed = [list(entry) for entry in d.get("closed", [])]
    if first_v3:
        for serial, t in d["inverters"].items():
            *finished, today = t.get("shares") or [[]]
            closed += [[serial, *entry] for entry in finished]  # filed into alerts-shares.json on the next cycle
            inverters[serial].today = list(today)
    detector = DetectorState(
        last_reading_at=_time(d["last_reading_at"]),
        failed_cycles=int(d["failed_cycles"]),
        no_production_streak=int(d["no_production_streak"]),
        peak_production_kw=float(d["peak_production_kw"]),
        site_peak_kw=float(d.get("site_peak_kw", 0.0)),
        faces_day=str(d.get("faces_day", "")),
        faces=faces,
        closed=closed,
        inverters=inverters,
        inverters_still_since=_time(d.get("inverters_still_since")),
        meters_still_since=_time(d.get("meters_still_since")),
    )
    incidents = {}
    for key, i in document["incidents"].items():
        i = dict(i)
        i["raised_at"], i["notified_at"] = _time(i["raised_at"]), _time(i["notified_at"])
        incidents[key] = Incident(**i)
    carried = {int(key): bin_from_doc(table) for key, table in document.get("carried", {}).items()}
    return AlertState(detector, incidents, carried)


def load(data_dir: Path) -> AlertState:
    """The saved state, or a fresh one (a damaged file is set aside with one warning)."""
    state = load_state(data_dir / STATE_FILE, from_json, "alert state", "detection started afresh", data_dir)
    return state or AlertState()


def save(data_dir: Path, state: AlertState) -> None:
    # Rewritten every cycle: gzip's fastest level (1 ms less than level 6 at 200 inverters, a few KB more).
    atomic_write(data_dir / STATE_FILE, gzip.compress(to_json(state), compresslevel=1, mtime=0))


def queue_email(data_dir: Path, message: EmailMessage, when: datetime, number: int) -> Path:
    """Keep an email in the outbox until it is sent; names sort in the order they were queued."""
    path = data_dir / OUTBOX_DIR / f"{file_stamp(when)}-{number:03d}.eml"
    atomic_write(path, bytes(message))
    waiting = queued_emails(data_dir)
    for old in waiting[: max(0, len(waiting) - MAX_QUEUED)]:
        old.unlink()
        log.warning("alert outbox full: dropped the oldest unsent email %s", old.name)
    return path


def queued_at(path: Path, now: datetime) -> datetime:
    """When a queued email was queued: from its name (to the second, UTC), or for one put there by hand, its
    file's time; `now` if it has gone meanwhile (then nothing of it waits)."""
    from datetime import timezone

    named = stamp_time(path.name)
    if named is not None:
        return named
    try:
        return datetime.fromtimestamp(path.stat().st_mtime, timezone.utc)
    except OSError:
        return now


def queued_emails(data_dir: Path) -> list[Path]:
    folder = data_dir / OUTBOX_DIR
    if os.path.lexists(folder) and not folder.is_dir():  # a file where the folder should be
        heal(folder, data_dir, "alert outbox", "a new outbox is made", None)
    return sorted(folder.glob("*.eml")) if folder.is_dir() else []


def parse_email(data: bytes) -> EmailMessage:
    """A queued email; ValueError when the bytes are not one this program queued (no sender or recipient)."""
    from email.message import EmailMessage  # the email package only when there is an email
    from email.parser import BytesParser
    from email.policy import default as default_policy

    message = BytesParser(policy=default_policy).parsebytes(data)
    if not isinstance(message, EmailMessage) or not message["From"] or not message["To"]:
        raise ValueError("no sender or recipient")
    return message


def read_email(path: Path, data_dir: Path) -> EmailMessage | None:
    """A queued email, or None when it was damaged or unreadable (then set aside with one warning)."""
    return load_state(path, parse_email, "queued alert email", "it will not be sent", data_dir)
