import gzip
import stat
from datetime import datetime, timezone

import pytest

from pvs6sup.errors import LockHeldError
from pvs6sup.store.archive import read_raw, store_raw
from pvs6sup.store.files import append_lines, atomic_write
from pvs6sup.store.lock import data_dir_lock

WHEN = datetime(2026, 6, 21, 19, 5, 7, tzinfo=timezone.utc)


def mode(path):
    return stat.S_IMODE(path.stat().st_mode)


def test_raw_archive_keeps_the_exact_bytes_gzipped_under_the_utc_time(tmp_path):
    body = b'{"devices":\t[]}\n\xff raw'
    path = store_raw(tmp_path, WHEN, body)
    assert path == tmp_path / "raw/2026/06/21/20260621T190507Z.json.gz"
    assert gzip.decompress(path.read_bytes()) == body
    assert read_raw(path) == body
    assert mode(path) == 0o600
    assert mode(path.parent) == 0o700


def test_raw_archive_never_overwrites_a_same_second_twin(tmp_path):
    first = store_raw(tmp_path, WHEN, b"one")
    second = store_raw(tmp_path, WHEN, b"two")
    assert second.name == "20260621T190507Z-1.json.gz"
    assert (read_raw(first), read_raw(second)) == (b"one", b"two")


def test_atomic_write_replaces_whole_and_leaves_no_temp_file(tmp_path):
    target = tmp_path / "state.json"
    atomic_write(target, b"old")
    atomic_write(target, b"new")
    assert target.read_bytes() == b"new"
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]
    assert mode(target) == 0o600


def test_append_writes_the_header_once(tmp_path):
    target = tmp_path / "x.csv"
    append_lines(target, b"a,b\n", b"1,2\n")
    append_lines(target, b"a,b\n", b"3,4\n")
    assert target.read_bytes() == b"a,b\n1,2\n3,4\n"
    assert mode(target) == 0o600


def test_append_cuts_a_line_torn_by_a_crash_before_appending(tmp_path):
    target = tmp_path / "x.csv"
    target.write_bytes(b"a,b\n1,2\n3,")
    append_lines(target, b"a,b\n", b"5,6\n")
    assert target.read_bytes() == b"a,b\n1,2\n5,6\n"


def test_a_torn_header_alone_is_rewritten_whole(tmp_path):
    target = tmp_path / "x.csv"
    target.write_bytes(b"a,")
    append_lines(target, b"a,b\n", b"5,6\n")
    assert target.read_bytes() == b"a,b\n5,6\n"


def test_the_lock_refuses_a_second_holder_at_once(tmp_path):
    with data_dir_lock(tmp_path), pytest.raises(LockHeldError, match="another run"), data_dir_lock(tmp_path):
        pass
    with data_dir_lock(tmp_path):  # released on exit
        pass


def test_an_append_that_fails_midway_leaves_the_file_as_it_was(tmp_path, monkeypatch):
    import errno

    from pvs6sup.errors import StorageError
    from pvs6sup.store import files

    target = tmp_path / "x.csv"
    append_lines(target, b"a,b\n", b"1,2\n")
    real_write = files.os.write

    def half_then_full(fd, data):
        if len(data) > 2:
            return real_write(fd, bytes(data[:2]))
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(files.os, "write", half_then_full)
    with pytest.raises(StorageError, match="the disk is full"):
        append_lines(target, b"a,b\n", b"3,4\n")
    monkeypatch.undo()
    assert target.read_bytes() == b"a,b\n1,2\n"
