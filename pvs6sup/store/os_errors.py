"""Storage problems told as such: who owns what and the exact fix, a full disk, a held lock."""

from __future__ import annotations

import errno
import os
import shutil
from pathlib import Path

from pvs6sup.errors import StorageError
from pvs6sup.settings.load import user_name

LOW_SPACE_BYTES = 100_000_000  # under this free, a month of raw answers and logs no longer fits

# OSErrors that the disk, the permissions or a person's hand caused, never this program.
_ENVIRONMENTAL = {
    errno.EACCES,
    errno.EPERM,
    errno.EROFS,
    errno.ENOSPC,
    errno.EDQUOT,
    errno.EISDIR,
    errno.ENOTDIR,
    errno.EEXIST,
    errno.EIO,
    errno.ENAMETOOLONG,
    errno.ELOOP,
}


def chown_command(data_dir: Path) -> str:
    """The one command that gives the data folder back to this user (after a `sudo … run`)."""
    return f"sudo chown -R {user_name()}: {data_dir}"


def _existing(path: Path) -> Path:
    """The path itself or its nearest ancestor that exists (lstat: a dangling link counts)."""
    while not os.path.lexists(path) and path != path.parent:
        path = path.parent
    return path


def _file_in_the_way(path: Path) -> Path | None:
    """The first component of path that is a file where a folder is needed."""
    for ancestor in reversed([path, *path.parents]):
        if ancestor.exists() and not ancestor.is_dir():
            return ancestor if ancestor != path else None
    return None


def fix_for(err: OSError) -> str:
    """What to do about an OSError on a file: one clause, with the exact command where there is one."""
    path = Path(err.filename) if err.filename else None
    code = err.errno
    if code in (errno.ENOSPC, errno.EDQUOT):
        return "the disk is full: free some space (a smaller RAW_RETENTION_DAYS prunes the raw archive)"
    if code == errno.EROFS:
        return "the file system is read-only: remount it read-write (a failing SD card turns read-only; see dmesg)"
    if code == errno.EIO:
        return "input/output error: the SD card may be failing; copy DATA_DIR off it"
    if path is None:
        return "check the data folder's permissions and free space"
    if code == errno.EISDIR:
        return f"{path} is a folder where a file should be: move it aside (mv {path} {path}.damaged)"
    if code in (errno.ENOTDIR, errno.EEXIST):
        blocker = _file_in_the_way(path) or path
        return f"{blocker} is a file where a folder should be: move it aside or set DATA_DIR to a folder"
    if code in (errno.EACCES, errno.EPERM):
        return ownership_fix(path)
    return "check the data folder's permissions and free space"


def ownership_fix(path: Path) -> str:
    """'owned by root: run sudo chown -R pi: PATH', or a chmod when this user owns it but may not write."""
    existing = _existing(path)
    me = os.geteuid()
    for candidate in (existing, *existing.parents):
        try:
            owner = candidate.stat().st_uid
        except OSError:
            continue
        if owner != me:
            return f"{candidate} is owned by {user_name(owner)}: run: {chown_command(candidate)}"
        if os.access(candidate, os.W_OK | os.X_OK if candidate.is_dir() else os.W_OK):
            break
        return f"{candidate} is not writable by its owner: run: chmod u+rwX {candidate}"
    return f"check the permissions of {existing}"


def storage_error(err: OSError) -> StorageError | None:
    """A StorageError naming the file and the fix when the environment caused err, else None (a bug)."""
    if err.errno not in _ENVIRONMENTAL or not err.filename:
        return None
    reason = os.strerror(err.errno).lower() if err.errno else str(err)
    return StorageError(f"cannot use {err.filename}: {reason}; {fix_for(err)}")


def lock_holder(lock_path: Path) -> int | None:
    """The process id holding an flock on lock_path, from /proc/locks (Linux); None if unknown."""
    try:
        inode = lock_path.stat().st_ino
        lines = Path("/proc/locks").read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        fields = line.split()
        if "->" in fields or len(fields) < 6:  # a process waiting for a lock, not holding it
            continue
        if fields[1] == "FLOCK" and fields[5].rsplit(":", 1)[-1] == str(inode):
            return int(fields[4])
    return None


def free_space(path: Path) -> tuple[int, int] | None:
    """(free bytes, total bytes) of the file system holding path, or None if it cannot be asked."""
    try:
        usage = shutil.disk_usage(_existing(path))
    except OSError:
        return None
    return usage.free, usage.total
