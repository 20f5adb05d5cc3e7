"""The store's edges (mutation testing: bench/mutation.py): the retention cutoff, the archive's names and
the pending captures it lists, a damaged state file's new name."""

import errno
import gzip
import logging
import os
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from pvs6sup.errors import StorageError
from pvs6sup.store import archive, files, retention, statefile

T0 = datetime(2026, 6, 21, 20, 0, 5, tzinfo=timezone.utc)


def _days(root, *days):
    for day in days:
        (root / "raw" / day).mkdir(parents=True)


def _left(root):
    return sorted(p.relative_to(root / "raw").as_posix() for p in (root / "raw").glob("*/*/*"))


def test_the_cutoff_counts_from_the_earlier_of_today_and_the_trusted_date():
    today = date(2026, 6, 21)
    assert retention.prune_cutoff(today, None, 10) == date(2026, 6, 11)
    assert retention.prune_cutoff(today, date(2026, 6, 1), 10) == date(2026, 5, 22)
    assert retention.prune_cutoff(today, date(2027, 6, 1), 10) == date(2026, 6, 11)  # a clock a year ahead


def test_one_day_kept_is_the_day_a_day_old_and_today(tmp_path):
    _days(tmp_path, "2026/06/19", "2026/06/20", "2026/06/21")
    assert retention.prune_raw(tmp_path, date(2026, 6, 21), 1, trusted=None) == 1
    assert _left(tmp_path) == ["2026/06/20", "2026/06/21"]
    assert retention.prune_raw(tmp_path, date(2026, 6, 21), -1, trusted=None) == 0


def test_later_months_and_years_are_not_looked_into_and_odd_names_are_left(tmp_path):
    _days(tmp_path, "2026/05/31", "2026/06/01", "2026/06/30", "2026/07/01", "2027/01/01", "2026/02/30", "2026/06/xx")
    assert retention.prune_raw(tmp_path, date(2026, 6, 21), 10, trusted=None) == 2  # cutoff 2026-06-11
    assert _left(tmp_path) == ["2026/02/30", "2026/06/30", "2026/06/xx", "2026/07/01", "2027/01/01"]
    assert not (tmp_path / "raw" / "2026" / "05").exists()


def test_an_emptied_year_goes_and_a_year_with_a_month_left_stays(tmp_path):
    _days(tmp_path, "2025/12/31", "2026/01/01", "2026/06/20")
    assert retention.prune_raw(tmp_path, date(2026, 6, 21), 10, trusted=None) == 2
    assert not (tmp_path / "raw" / "2025").exists()
    assert (tmp_path / "raw" / "2026").exists() and not (tmp_path / "raw" / "2026" / "01").exists()


def test_the_raw_path_is_the_utc_second(tmp_path):
    local = T0.astimezone(timezone(timedelta(hours=-7)))
    assert archive.raw_path(tmp_path, local).relative_to(tmp_path).as_posix() == (
        "raw/2026/06/21/20260621T200005Z.json.gz"
    )
    assert archive.raw_path(tmp_path, T0, "-2").name == "20260621T200005Z-2.json.gz"


def test_twins_are_numbered_from_one(tmp_path):
    names = [archive.store_raw(tmp_path, T0, b"x").name for _ in range(3)]
    assert names == ["20260621T200005Z.json.gz", "20260621T200005Z-1.json.gz", "20260621T200005Z-2.json.gz"]


def test_pending_captures_leave_out_set_aside_hidden_and_other_files(tmp_path):
    assert archive.pending_captures(tmp_path) == []
    folder = tmp_path / "raw" / "pending"
    folder.mkdir(parents=True)
    for name in ("b.json.gz", "a.json.gz", ".c.json.gz", "d.clock-skew.json.gz", "e.json", "f.txt"):
        (folder / name).write_bytes(b"")
    assert [p.name for p in archive.pending_captures(tmp_path)] == ["a.json.gz", "b.json.gz"]


def test_set_aside_names_the_reason_once_and_read_raw_reads_both_forms(tmp_path):
    path = tmp_path / "x.json.json.gz"
    path.write_bytes(gzip.compress(b"body"))
    aside = archive.set_aside(path, "clock-skew")
    assert aside.name == "x.clock-skew.json.json.gz"
    assert archive.read_raw(aside) == b"body"
    plain = tmp_path / "y.json"
    plain.write_bytes(b"plain")
    assert archive.read_raw(plain) == b"plain"


def test_a_pending_capture_is_moved_and_refiled_under_its_time(tmp_path):
    stored = archive.store_raw(tmp_path, T0, b"answer")
    pending = archive.keep_pending(tmp_path, stored)
    assert pending.parent == tmp_path / "raw" / "pending" and not stored.exists()
    refiled = archive.refile(tmp_path, pending, T0 + timedelta(days=1))
    assert refiled.name == "20260622T200005Z.json.gz" and not pending.exists()
    assert archive.read_raw(refiled) == b"answer"


def test_damaged_files_are_kept_as_damaged_then_damaged_2_and_3(tmp_path):
    names = []
    for _ in range(3):
        path = tmp_path / "state.json"
        path.write_bytes(b"{")
        names.append(statefile.set_aside(path).name)
    assert names == ["state.json.damaged", "state.json.damaged-2", "state.json.damaged-3"]


def test_load_state_missing_good_and_damaged(tmp_path, caplog):
    path = tmp_path / "s.json"
    assert statefile.load_state(path, bytes.decode, "test state", "fresh", tmp_path) is None
    path.write_bytes(b"ok")
    assert statefile.load_state(path, bytes.decode, "test state", "fresh", tmp_path) == "ok"

    def decode(data):
        raise ValueError("x" * 100)

    with caplog.at_level(logging.WARNING):
        assert statefile.load_state(path, decode, "test state", "it starts afresh", tmp_path) is None
    assert f"test state {path} is damaged (ValueError: {'x' * 80}); kept as s.json.damaged and it starts afresh" in (
        caplog.text
    )
    assert not path.exists()


def test_a_folder_where_a_state_file_should_be_is_set_aside(tmp_path, caplog):
    path = tmp_path / "s.json"
    path.mkdir()
    with caplog.at_level(logging.WARNING):
        assert statefile.load_state(path, bytes.decode, "test state", "fresh", tmp_path) is None
    assert "is a folder, not a file; kept as s.json.damaged" in caplog.text


def test_pruning_leaves_the_pending_folder_and_stray_files(tmp_path):
    _days(tmp_path, "2026/01/01")
    (tmp_path / "raw" / "pending").mkdir()
    (tmp_path / "raw" / "2025").write_bytes(b"a file named like a year")
    assert retention.prune_raw(tmp_path, date(2026, 6, 21), 10, trusted=None) == 1
    assert (tmp_path / "raw" / "pending").is_dir() and (tmp_path / "raw" / "2025").is_file()


def test_a_packed_day_goes_before_the_cutoff_and_other_names_in_a_month_are_left(tmp_path):
    month = tmp_path / "raw" / "2026" / "06"
    month.mkdir(parents=True)
    for name in ("2026-06-10.tar.gz", "2026-06-11.tar.gz", "notes.txt", "2026-06-12.tar.gz.tmp"):
        (month / name).write_bytes(b"x")
    (month / "2026-06-01.tar.gz").mkdir()  # a folder named like a packed day: not one
    assert retention.prune_raw(tmp_path, date(2026, 6, 21), 10, trusted=None) == 1  # cutoff 2026-06-11
    assert sorted(p.name for p in month.iterdir()) == [
        "2026-06-01.tar.gz",
        "2026-06-11.tar.gz",
        "2026-06-12.tar.gz.tmp",
        "notes.txt",
    ]


def test_the_archive_is_the_same_bytes_for_the_same_answer(tmp_path):
    first = archive.store_raw(tmp_path, T0, b"answer").read_bytes()
    assert first[4:8] == b"\0\0\0\0"  # no time in the gzip header
    assert archive.store_raw(tmp_path, T0, b"answer").read_bytes() == first


def test_atomic_write_syncs_and_sets_the_mode_asked_for(tmp_path, monkeypatch):
    synced = []
    real = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: synced.append(fd) or real(fd))
    files.atomic_write(tmp_path / "shared.prom", b"x", mode=0o644)
    assert (tmp_path / "shared.prom").stat().st_mode & 0o777 == 0o644
    assert synced
    files.atomic_write(tmp_path / "private", b"x")
    assert (tmp_path / "private").stat().st_mode & 0o777 == 0o600


def test_a_storage_error_says_the_reason():
    assert str(files._storage_error("write", Path("/d/f"), OSError(errno.ENOSPC, "No space"))) == (
        "cannot write /d/f: the disk is full"
    )
    assert str(files._storage_error("write", Path("/d/f"), OSError(errno.EACCES, "Permission denied"))) == (
        "cannot write /d/f: Permission denied"
    )
    assert str(files._storage_error("write", Path("/d/f"), OSError("odd"))) == "cannot write /d/f: odd"


def test_a_torn_last_line_is_trimmed_before_the_next_append(tmp_path):
    path = tmp_path / "log.csv"
    path.write_bytes(b"h\na\nb")  # the last line torn after its first byte
    files.append_lines(path, b"h\n", b"c\n")
    assert path.read_bytes() == b"h\na\nc\n"
    path.write_bytes(b"h\na\n")
    files.append_lines(path, b"h\n", b"d\n")
    assert path.read_bytes() == b"h\na\nd\n"


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a file to another user needs root")
def test_a_file_of_another_user_is_told_with_the_fix(tmp_path, caplog):
    path = tmp_path / "s.json"
    path.write_bytes(b"{")
    os.chown(path, 4321, 4321)
    assert statefile._foreign_owner(path) == 4321
    assert statefile._problem(path, PermissionError(13, "denied")) == (
        "belongs to another user (uid 4321) and cannot be read"
    )
    with caplog.at_level(logging.WARNING):
        statefile.heal(path, tmp_path, "test state", "fresh", ValueError("bad"))
    assert "; to stop this after a `sudo … run`: sudo chown -R" in caplog.text
    mine = tmp_path / "m.json"
    mine.write_bytes(b"{")
    assert statefile._foreign_owner(mine) is None
    assert statefile._problem(mine, PermissionError(13, "denied")) == "cannot be read"
    assert statefile._problem(mine, OSError(5, "I/O error")) == "cannot be read (I/O error)"
    assert statefile._problem(mine, None) == "is not a folder"
    assert statefile._foreign_owner(tmp_path / "none") is None
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        statefile.heal(mine, tmp_path, "test state", "fresh", ValueError("bad"))
    assert "sudo chown" not in caplog.text


def test_a_file_that_cannot_be_set_aside_is_a_storage_error_with_the_fix(tmp_path, monkeypatch):
    path = tmp_path / "s.json"
    path.write_bytes(b"{")
    for code, fix in (
        (errno.EROFS, "the file system is read-only"),
        (errno.EACCES, "run: sudo chown -R"),
        (errno.EPERM, "run: sudo chown -R"),
        (errno.EBUSY, f"run: sudo mv {path} {path}.damaged"),
    ):

        def refuse(p, code=code):
            raise OSError(code, os.strerror(code))

        monkeypatch.setattr(statefile, "set_aside", refuse)
        damage = ValueError("bad")
        with pytest.raises(StorageError) as raised:
            statefile.heal(path, tmp_path, "test state", "fresh", damage)
        assert fix in str(raised.value)
        assert raised.value.__cause__ is damage  # the damage, not the failed rename, is the cause
        with pytest.raises(StorageError) as raised:
            statefile.heal(path, tmp_path, "test state", "fresh", None)
        assert isinstance(raised.value.__cause__, OSError) and raised.value.__cause__.errno == code
