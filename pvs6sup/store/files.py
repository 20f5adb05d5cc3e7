"""File primitives for state that must survive power cuts: private dirs, atomic writes, safe appends."""

from __future__ import annotations

import contextlib
import errno
import os
from pathlib import Path

from pvs6sup.errors import StorageError

PRIVATE_FILE = 0o600
PRIVATE_DIR = 0o700
DURABLE = True  # False only inside the demo: a simulation needs no power-cut safety, and fsync was most of its time


def _sync(fd: int) -> None:
    if DURABLE:
        os.fsync(fd)


def _storage_error(action: str, path: Path, err: OSError) -> StorageError:
    reason = "the disk is full" if err.errno == errno.ENOSPC else (err.strerror or str(err))
    return StorageError(f"cannot {action} {path}: {reason}")


def private_dir(path: Path) -> Path:
    """Create a directory (and its parents) readable only by this user."""
    try:
        try:
            path.mkdir(mode=PRIVATE_DIR, exist_ok=True)
        except FileNotFoundError:
            if path.parent == path:
                raise
            private_dir(path.parent)  # mkdir(parents=True) would make the parents 0755, not private
            path.mkdir(mode=PRIVATE_DIR, exist_ok=True)
    except OSError as err:
        raise _storage_error("create folder", path, err) from err
    return path


def atomic_write(path: Path, data: bytes, *, exclusive: bool = False, mode: int = PRIVATE_FILE) -> None:
    """Write data to path so that a crash leaves either the old file or the new one, never a mix.

    With exclusive=True an existing file is an error (FileExistsError), so nothing is overwritten. The file
    is this user's only unless `mode` says otherwise (a file another program reads, such as node_exporter).
    """
    private_dir(path.parent)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE)
        try:
            if mode != PRIVATE_FILE:
                os.fchmod(fd, mode)  # exact, whatever cron's umask
            _write_all(fd, data)
            _sync(fd)
        finally:
            os.close(fd)
        if exclusive:
            os.link(tmp, path)  # fails if path exists; rename would silently replace it
            os.unlink(tmp)
        else:
            os.replace(tmp, path)
    except FileExistsError:
        _unlink_quietly(tmp)
        raise
    except OSError as err:
        _unlink_quietly(tmp)
        raise _storage_error("write", path, err) from err


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _unlink_quietly(path: Path) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)


def append_lines(path: Path, header: bytes, lines: bytes) -> None:
    """Append complete lines to a text file, writing the header first if the file is new.

    A line torn by an earlier crash (no final newline) is cut off first, so every line stays whole.
    The file is only ever appended to or trimmed at its torn end, never rewritten.
    """
    private_dir(path.parent)
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND, PRIVATE_FILE)
    except OSError as err:
        raise _storage_error("open", path, err) from err
    try:
        size = os.fstat(fd).st_size
        if size:
            size = _trim_torn_line(fd, size)
        try:
            _write_all(fd, lines if size else header + lines)
            _sync(fd)
        except OSError:
            with contextlib.suppress(OSError):  # a full disk may have taken half a line: give it back
                os.ftruncate(fd, size)
            raise
    except OSError as err:
        raise _storage_error("append to", path, err) from err
    finally:
        os.close(fd)


def _trim_torn_line(fd: int, size: int) -> int:
    if os.pread(fd, 1, size - 1) == b"\n":
        return size
    window = min(size, 1 << 16)
    tail = os.pread(fd, window, size - window)
    new_size = size - window + tail.rfind(b"\n") + 1  # no newline at all: the whole window goes
    os.ftruncate(fd, new_size)
    return new_size
