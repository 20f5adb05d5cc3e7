"""The raw archive packed a day per cycle: one tar.gz a finished day, exact bytes, replay on packed, loose and
mixed days, duplicates a kill leaves, late captures, retention, and a day that cannot be packed."""

from __future__ import annotations

import gzip
import json
import logging
import shutil
import subprocess
import tarfile
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from pvs6sup.commands.replay import Replayer, find_captures, replay_files
from pvs6sup.sim.legacy_pvs import SiteModel
from pvs6sup.store import archive, packing
from pvs6sup.store.retention import prune_raw
from tests.support.sim.month import month_scenario, write_archive

DAY = date(2026, 6, 21)
DAY_START = datetime(2026, 6, 21, tzinfo=timezone.utc)
NEXT_DAY = datetime(2026, 6, 22, 0, 5, tzinfo=timezone.utc)
ODD_BODIES = [b'{"devices": []}', b"", b"<html>502 Bad Gateway</html>", bytes(range(256)), b'{"devices": [{"trunc']


def store_day(data_dir: Path, day: date = DAY, count: int = 12) -> dict[str, bytes]:
    """count captures of arbitrary bytes every 5 minutes of `day`; {packed name (….json): the bytes the PVS sent}."""
    stored = {}
    start = datetime(day.year, day.month, day.day, tzinfo=timezone.utc)
    for i in range(count):
        body = ODD_BODIES[i % len(ODD_BODIES)] + b"%d" % i
        path = archive.store_raw(data_dir, start + timedelta(minutes=5 * i), body)
        stored[packing.capture_key(path.name)] = gzip.decompress(path.read_bytes())
    return stored


def captures_found(data_dir: Path) -> list[tuple[str, bytes]]:
    """(name, bytes as the PVS sent them) of every capture replay finds under raw/, in replay's order."""
    with packing.PackedReader() as reader:
        return [(packing.capture_key(path.name), reader.read(path)) for _, path in find_captures([data_dir / "raw"])]


def test_a_finished_day_becomes_one_tar_gz_of_the_exact_answers(tmp_path):
    stored = store_day(tmp_path)
    store_day(tmp_path, DAY + timedelta(days=1), count=2)  # today: stays loose
    assert packing.pack_finished_day(tmp_path, NEXT_DAY) == DAY
    packed = packing.packed_path(tmp_path, DAY)
    assert packed == tmp_path / "raw/2026/06/2026-06-21.tar.gz"
    assert sorted(p.name for p in packed.parent.iterdir()) == ["2026-06-21.tar.gz", "22"]  # the day: one file
    assert packing.read_packed(packed) == stored
    with tarfile.open(packed) as tar:
        first = tar.getmembers()[0]
        assert (first.name, first.mode, first.mtime) == ("20260621T000000Z.json", 0o600, DAY_START.timestamp())
    assert packed.stat().st_mode & 0o777 == 0o600
    assert packing.pack_finished_day(tmp_path, NEXT_DAY) is None  # today is not finished
    assert len(list((tmp_path / "raw/2026/06/22").iterdir())) == 2


def test_a_damaged_gzip_is_packed_byte_for_byte_and_still_counts_as_a_failed_cycle(tmp_path):
    stored = store_day(tmp_path, count=3)
    damaged = archive.raw_path(tmp_path, DAY_START + timedelta(hours=1))
    damaged.write_bytes(b"\x1f\x8b\x08 cut short")
    packing.pack_finished_day(tmp_path, NEXT_DAY)
    kept_as_it_is = {damaged.name: b"\x1f\x8b\x08 cut short"}
    assert packing.read_packed(packing.packed_path(tmp_path, DAY)) == {**stored, **kept_as_it_is}
    replayer = Replayer()
    list(replay_files(replayer, find_captures([tmp_path / "raw"])))
    assert (replayer.captures, replayer.unusable) == (4, 4)  # ODD_BODIES[:3] are no device list either


@pytest.mark.skipif(shutil.which("tar") is None, reason="needs a tar command")
def test_standard_tar_lists_and_shows_the_answers(tmp_path):
    stored = store_day(tmp_path)
    packing.pack_finished_day(tmp_path, NEXT_DAY)
    packed = str(packing.packed_path(tmp_path, DAY))
    listed = subprocess.run(["tar", "-tzf", packed], capture_output=True, text=True, check=True).stdout
    assert listed.split() == sorted(stored)
    for name in sorted(stored)[:5]:
        shown = subprocess.run(["tar", "-xzOf", packed, name], capture_output=True, check=True).stdout
        assert shown == stored[name]


def test_days_are_packed_oldest_first_one_a_call(tmp_path):
    for offset in (3, 1, 2):
        store_day(tmp_path, DAY - timedelta(days=offset), count=3)
    assert [packing.pack_finished_day(tmp_path, NEXT_DAY) for _ in range(4)] == [
        DAY - timedelta(days=3),
        DAY - timedelta(days=2),
        DAY - timedelta(days=1),
        None,
    ]
    assert sorted(p.name for p in (tmp_path / "raw/2026/06").iterdir()) == [
        "2026-06-18.tar.gz",
        "2026-06-19.tar.gz",
        "2026-06-20.tar.gz",
    ]


def replayed_alerts(data_dir: Path) -> tuple[list[str], int]:
    model = SiteModel()
    replayer = Replayer(latitude=model.latitude, longitude=model.longitude)
    events = replay_files(replayer, find_captures([data_dir / "raw"]))
    return [json.dumps(e.as_json()) for e in events if e.event in ("raised", "resolved")], replayer.captures


@pytest.mark.slow
def test_replay_gives_the_same_alerts_on_packed_mixed_and_loose_days(tmp_path):
    count = write_archive(month_scenario(days=8), tmp_path)  # faults, gaps and garbled answers
    loose, replayed = replayed_alerts(tmp_path)
    assert replayed == count and any('"raised"' in line for line in loose)
    now = datetime(2026, 6, 10, 0, 5, tzinfo=timezone.utc)  # the last capture is on 06-09
    for _ in range(4):
        assert packing.pack_finished_day(tmp_path, now) is not None
    assert replayed_alerts(tmp_path) == (loose, count)  # four days packed, four loose
    while packing.pack_finished_day(tmp_path, now):
        pass
    assert not [p for p in (tmp_path / "raw").rglob("*.json.gz")]  # every day packed
    assert replayed_alerts(tmp_path) == (loose, count)


def test_replay_takes_a_packed_day_given_as_a_file(tmp_path):
    stored = store_day(tmp_path)
    packing.pack_finished_day(tmp_path, NEXT_DAY)
    found = find_captures([packing.packed_path(tmp_path, DAY)])
    assert [p.name for _, p in found] == sorted(stored)
    assert {p.parent for _, p in found} == {packing.packed_path(tmp_path, DAY)}
    assert [when for when, _ in found] == sorted(when for when, _ in found)


def test_loose_copies_a_kill_left_beside_the_packed_day_are_replayed_once_and_packed_away(tmp_path):
    stored = store_day(tmp_path)
    before = captures_found(tmp_path)
    day_folder = archive.raw_path(tmp_path, datetime(2026, 6, 21, tzinfo=timezone.utc)).parent
    kept = {p.name: p.read_bytes() for p in sorted(day_folder.iterdir())[:5]}
    packing.pack_finished_day(tmp_path, NEXT_DAY)
    day_folder.mkdir()
    for name, data in kept.items():  # as if the kill came after the rename, before these deletes
        (day_folder / name).write_bytes(data)
    assert captures_found(tmp_path) == before
    assert packing.pack_finished_day(tmp_path, NEXT_DAY) == DAY
    assert not day_folder.exists()
    assert packing.read_packed(packing.packed_path(tmp_path, DAY)) == stored


def test_a_capture_filed_later_into_a_packed_day_joins_it_and_a_namesake_keeps_both(tmp_path):
    stored = store_day(tmp_path)
    packing.pack_finished_day(tmp_path, NEXT_DAY)
    late = archive.store_raw(tmp_path, datetime(2026, 6, 21, 23, 58, tzinfo=timezone.utc), b"held back by the clock")
    namesake = archive.store_raw(tmp_path, datetime(2026, 6, 21, tzinfo=timezone.utc), b"another answer, same name")
    assert packing.capture_key(namesake.name) == sorted(stored)[0]  # the archive cannot see the packed day
    both = captures_found(tmp_path)
    namesakes = [body for name, body in both if name == packing.capture_key(namesake.name)]
    assert namesakes == [ODD_BODIES[0] + b"0", b"another answer, same name"]
    assert packing.pack_finished_day(tmp_path, NEXT_DAY) == DAY
    packed = packing.read_packed(packing.packed_path(tmp_path, DAY))
    assert set(packed) == {*stored, packing.capture_key(late.name), "20260621T000000Z-1.json"}
    assert packed["20260621T000000Z-1.json"] == b"another answer, same name"
    assert sorted(body for _, body in captures_found(tmp_path)) == sorted(body for _, body in both)


def test_retention_removes_a_packed_day_whole(tmp_path):
    store_day(tmp_path, date(2026, 5, 1), count=2)
    store_day(tmp_path, date(2026, 6, 10), count=2)
    store_day(tmp_path, date(2026, 6, 11), count=2)
    while packing.pack_finished_day(tmp_path, NEXT_DAY):
        pass
    store_day(tmp_path, date(2026, 6, 10), count=1)  # a late loose capture beside its packed day
    assert prune_raw(tmp_path, date(2026, 6, 21), keep_days=10, trusted=None) == 2  # cutoff 2026-06-11
    assert sorted(str(p.relative_to(tmp_path / "raw")) for p in (tmp_path / "raw").rglob("*")) == [
        "2026",
        "2026/06",
        "2026/06/2026-06-11.tar.gz",
    ]


def test_a_day_that_cannot_be_packed_is_one_warning_stays_whole_and_does_not_hold_up_the_rest(tmp_path, caplog):
    broken = store_day(tmp_path, date(2026, 6, 19), count=3)
    store_day(tmp_path, date(2026, 6, 20), count=3)
    blocker = packing.packed_path(tmp_path, date(2026, 6, 19))
    blocker.write_bytes(b"not a tar.gz")  # a damaged packed file: never overwritten
    with caplog.at_level(logging.WARNING, logger="pvs6sup"):
        assert packing.pack_finished_day(tmp_path, NEXT_DAY) is None
        assert packing.pack_finished_day(tmp_path, NEXT_DAY) == date(2026, 6, 20)  # the next day still goes
        assert packing.pack_finished_day(tmp_path, NEXT_DAY) is None  # retried every cycle: not said again
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "2026/06/19" in warnings[0] and "not a gzip file" in warnings[0], warnings
    assert f"mv {blocker} {blocker}.damaged" in warnings[0]
    assert blocker.read_bytes() == b"not a tar.gz"
    assert {p.name for p in (tmp_path / "raw/2026/06/19").iterdir()} == {f"{name}.gz" for name in broken}
    blocker.unlink()  # the owner moved it away
    assert packing.pack_finished_day(tmp_path, NEXT_DAY) == date(2026, 6, 19)
    assert not (tmp_path / "raw" / packing.FAILED_FILE).exists()
