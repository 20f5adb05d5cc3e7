"""Replay: archived raw captures, oldest first, through the same parser, detectors and alert lifecycle.

Never sends email or touches Sheets. A capture that cannot be parsed is a warning and counts as a
failed cycle. Work per capture is O(inverters): the detector state is carried along, history is
never re-read. Captures a wrong clock kept out of the record (`….clock-skew.json.gz`, raw/pending)
are found too, at the time in their name, and so are packed days (YYYY-MM-DD.tar.gz, store/packing.py): an
answer in one is addressed as DAY.tar.gz/NAME, and a loose copy of a packed answer (a kill during packing) is
replayed once.
"""

from __future__ import annotations

import json
import logging
import tarfile
import zlib
from collections.abc import Iterable, Iterator
from datetime import datetime, timezone, tzinfo
from pathlib import Path
from typing import TextIO

from pvs6sup.alerts import detectors
from pvs6sup.alerts.incidents import Event, Incident, update
from pvs6sup.alerts.normal import MemoryBook
from pvs6sup.core.records import Record, field
from pvs6sup.core.values import stamp_time
from pvs6sup.errors import ConfigError, SupervisorError
from pvs6sup.pvs.parse import reading_from_capture
from pvs6sup.settings.config import Config
from pvs6sup.store import csvlog
from pvs6sup.store.packing import PACKED, PackedReader, capture_key, is_capture, packed_day

log = logging.getLogger(__name__)


class Replayer(Record):
    """Carries the detector state and active incidents from one capture to the next."""

    groups: tuple[tuple[str, ...], ...] = ()
    latitude: float | None = None
    longitude: float | None = None
    mode: str = "auto"
    thresholds: detectors.Thresholds = field(default_factory=detectors.Thresholds)
    state: detectors.DetectorState = field(default_factory=detectors.DetectorState)
    incidents: dict[str, Incident] = field(default_factory=dict)
    book: MemoryBook = field(default_factory=MemoryBook)  # the learned normal, carried like the state
    csv_dir: Path | None = None
    layout_file: Path | None = None  # LAYOUT_FILE: its azimuths seed the faces, as in the cron cycle
    zone: tzinfo = timezone.utc
    captures: int = 0
    unusable: int = 0

    def feed(self, fetched_at: datetime, body: bytes | None, name: str = "") -> list[Event]:
        """Process one capture (None: no answer) and return the alert events it caused."""
        self.captures += 1
        reading = None
        if body is not None:
            try:
                reading = reading_from_capture(body, fetched_at, self.mode, name or None)
            except SupervisorError as err:
                log.warning("%s: unusable capture, counted as a failed cycle: %s", name or fetched_at.isoformat(), err)
        if reading is None:
            self.unusable += 1
            judgements = detectors.observe_failure(self.state, self.thresholds)
        else:
            if self.csv_dir is not None:
                csvlog.append_reading(self.csv_dir, reading, self.zone)
            seeds = None
            if self.layout_file is not None:
                from pvs6sup.alerts.step import layout_seeds

                seeds = layout_seeds(self.layout_file, self.state.inverters.keys())
            judgements = detectors.observe_reading(
                self.state,
                reading,
                self.groups,
                self.latitude,
                self.longitude,
                self.thresholds,
                self.book,
                zone=self.zone,
                seeds=seeds,
            )
        return update(self.incidents, judgements, fetched_at)


def find_captures(paths: Iterable[Path]) -> list[tuple[datetime, Path]]:
    """Every .json / .json.gz capture under the given files and folders, loose or in a packed day (as
    DAY.tar.gz/NAME), oldest first by its name's time; a capture found twice with the same bytes counts once."""
    found: list[tuple[datetime, Path]] = []
    with PackedReader() as reader:
        for path in paths:
            if path.is_dir():
                candidates = [p for p in path.rglob("*") if (is_capture(p.name) or packed_day(p.name)) and p.is_file()]
            elif path.is_file():
                candidates = [path]
            else:
                raise ConfigError([f"replay: no such file or folder: {path}"])
            for candidate in candidates:
                if path.is_dir() and candidate.name.startswith("."):
                    continue  # a temporary file
                for capture in _members(reader, candidate) if candidate.name.endswith(PACKED) else [candidate]:
                    when = stamp_time(capture.name)
                    if when is None:
                        log.warning("%s: skipped, its name has no UTC time (YYYYMMDDTHHMMSSZ)", capture)
                        continue
                    found.append((when, capture))
        found.sort(key=lambda item: (item[0], capture_key(item[1].name), str(item[1])))
        return _once(reader, found)


def _members(reader: PackedReader, packed: Path) -> list[Path]:
    try:
        return [packed / name for name in reader.members(packed)]
    except (OSError, ValueError, EOFError, tarfile.TarError) as err:
        log.warning("%s: unreadable packed day, skipped: %s", packed, err)
        return []


def _once(reader: PackedReader, found: list[tuple[datetime, Path]]) -> list[tuple[datetime, Path]]:
    """Without the second of two captures of the same name and bytes (a kill between packing a day and deleting
    its loose files leaves both); two different captures that share a name both stay."""
    kept: list[tuple[datetime, Path]] = []
    for when, path in found:
        key = capture_key(path.name)
        twins = [other for _, other in kept[-8:] if capture_key(other.name) == key]  # sorted: twins are neighbours
        if twins and any(_same(reader, path, twin) for twin in twins):
            continue
        kept.append((when, path))
    return kept


def _same(reader: PackedReader, one: Path, other: Path) -> bool:
    try:
        return reader.read(one) == reader.read(other)
    except (OSError, ValueError, EOFError, zlib.error, tarfile.TarError):
        return False


def replay_files(replayer: Replayer, captures: list[tuple[datetime, Path]]) -> Iterator[Event]:
    """Feed archived captures to the replayer; a file that cannot be read counts as a failed cycle."""
    with PackedReader() as reader:
        for when, path in captures:
            try:
                body: bytes | None = reader.read(path)
            except (OSError, EOFError, zlib.error, tarfile.TarError, KeyError) as err:
                log.warning("%s: unreadable, counted as a failed cycle: %s", path, err)
                body = None
            yield from replayer.feed(when, body, str(path))


def keep_learned(data_dir: Path, replayer: Replayer) -> None:
    """Keep what the replay learned (the detector's memory and the learned normal) in DATA_DIR, for the cron
    cycle; the live incidents stay as they are, so no alert is raised or resolved by this."""
    from pvs6sup.alerts import normal_files
    from pvs6sup.alerts.state import AlertState, load, save

    live = load(data_dir)
    save(data_dir, AlertState(replayer.state, live.incidents))
    book = normal_files.FileBook(data_dir)
    book.tables = replayer.book.tables
    book.save()
    normal_files.file_finished_days(data_dir, replayer.state)
    log.info(
        "kept the learned roof of %d inverters in %s: alerts judge from the next cycle",
        len(replayer.state.inverters),
        data_dir,
    )


def run_replay(
    config: Config, paths: list[Path], alerts_out: Path | None, csv_dir: Path | None, stdout: TextIO
) -> Replayer:
    """The replay command: JSON lines of raised/resolved events to alerts_out (or stdout). Returns the replayer,
    with what it learned."""
    found = find_captures(paths)
    if not found:
        raise ConfigError(["replay: no .json or .json.gz capture with a UTC time in its name was found"])
    replayer = Replayer(
        groups=config.alerts.inverter_groups,
        latitude=config.alerts.latitude,
        longitude=config.alerts.longitude,
        mode=config.pvs.consumption_meter_mode,
        csv_dir=csv_dir,
        layout_file=config.alerts.layout_file,
        zone=config.timezone,
    )
    out = alerts_out.open("w", encoding="utf-8") if alerts_out else stdout
    written = 0
    try:
        for event in replay_files(replayer, found):
            if event.event in ("raised", "resolved"):
                out.write(json.dumps(event.as_json(), ensure_ascii=False) + "\n")
                written += 1
    finally:
        if alerts_out:
            out.close()
    log.info("replayed %d captures (%d unusable): %d alert events", replayer.captures, replayer.unusable, written)
    return replayer
