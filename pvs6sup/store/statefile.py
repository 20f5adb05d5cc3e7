"""Reading state files that may be damaged: one warning naming the file and the fix, the file set aside, a fresh start.

Every state file (alert state and outbox, Sheets queue and cache, PVS session, pin, firmware cache, known
inverters, lock) is read through load_state(). A power cut, an SD card, a `sudo … run` that left a file owned
by root, or a folder where a file should be must never stop a cycle: the file is renamed to `<name>.damaged`
(renaming needs write permission on the folder only, so even a root-owned file usually goes) and the caller
starts with a fresh state. Only when even that is impossible is it a StorageError (exit 4) naming the fix.
"""

from __future__ import annotations

import errno
import gzip
import logging
import os
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from pvs6sup.errors import StorageError
from pvs6sup.store.os_errors import chown_command

log = logging.getLogger(__name__)

T = TypeVar("T")
DAMAGED = ".damaged"
# What a pure decoder raises on bytes that are not its document (BadGzipFile is an OSError; EOFError is a
# truncated gzip; RecursionError is JSON nested too deep).
DECODE_ERRORS = (ValueError, KeyError, TypeError, AttributeError, IndexError, EOFError, zlib.error, RecursionError)


def _foreign_owner(path: Path) -> int | None:
    """The uid owning path when it is not this user, else None."""
    try:
        uid = path.lstat().st_uid
    except OSError:
        return None
    return uid if uid != os.geteuid() else None


def set_aside(path: Path) -> Path:
    """Rename path to <name>.damaged (or .damaged-2, -3 … when that exists already); OSError if impossible."""
    aside = path.with_name(path.name + DAMAGED)
    number = 1
    while os.path.lexists(aside):
        number += 1
        aside = path.with_name(f"{path.name}{DAMAGED}-{number}")
    os.rename(path, aside)
    return aside


def _problem(path: Path, err: BaseException | None) -> str:
    if path.is_dir():
        return "is a folder, not a file"
    if isinstance(err, PermissionError):
        uid = _foreign_owner(path)
        return f"belongs to another user (uid {uid}) and cannot be read" if uid is not None else "cannot be read"
    if isinstance(err, OSError) and not isinstance(err, gzip.BadGzipFile):
        return f"cannot be read ({err.strerror or err})"
    if err is None:
        return "is not a folder"
    return f"is damaged ({type(err).__name__}: {str(err)[:80]})"


def heal(path: Path, data_dir: Path, what: str, fresh: str, err: BaseException | None) -> None:
    """Set a state file aside with one warning; StorageError (one line, with the fix) when it cannot be."""
    problem = _problem(path, err)
    foreign = isinstance(err, PermissionError) or _foreign_owner(path) is not None
    owner_fix = f"; to stop this after a `sudo … run`: {chown_command(data_dir)}" if foreign else ""
    try:
        aside = set_aside(path)
    except OSError as rename_err:
        if rename_err.errno == errno.EROFS:  # no command of ours can write there: say what it is
            raise StorageError(
                f"{what} {path} {problem} and cannot be set aside: the file system is read-only; remount it "
                "read-write (a failing SD card turns read-only; see dmesg)"
            ) from (err or rename_err)
        fix = (
            chown_command(data_dir)
            if foreign or rename_err.errno in (errno.EACCES, errno.EPERM)
            else f"sudo mv {path} {path}{DAMAGED}"
        )
        raise StorageError(
            f"{what} {path} {problem} and cannot be set aside ({rename_err.strerror}); run: {fix}"
        ) from (err or rename_err)
    log.warning("%s %s %s; kept as %s and %s%s", what, path, problem, aside.name, fresh, owner_fix)


def load_state(path: Path, decode: Callable[[bytes], T], what: str, fresh: str, data_dir: Path) -> T | None:
    """decode(the file's bytes), or None when there is no file or it was damaged (then set aside, warned once).

    `what` names the file for a person ("alert state"); `fresh` says what happens instead ("the alerts
    start afresh"). decode must be pure and raise one of DECODE_ERRORS on bytes that are not its document.
    """
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as err:
        heal(path, data_dir, what, fresh, err)
        return None
    try:
        return decode(data)
    except (*DECODE_ERRORS, gzip.BadGzipFile) as err:
        heal(path, data_dir, what, fresh, err)
        return None


def reclaim(path: Path, data_dir: Path, what: str) -> None:
    """An append-only file we can read but not write (another user's): rewrite it as ours, same content."""
    from pvs6sup.store.files import atomic_write

    if not os.path.isfile(path) or os.access(path, os.W_OK):
        return
    try:
        data = path.read_bytes()
    except OSError as err:
        heal(path, data_dir, what, "started anew", err)
        return
    atomic_write(path, data)  # a new file owned by us replaces the old one (needs the folder only)
    log.warning(
        "%s %s could not be written (another user's); copied into a file of ours; to stop this: %s",
        what,
        path,
        chown_command(data_dir),
    )
