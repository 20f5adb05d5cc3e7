"""An exclusive, non-blocking lock on the data folder, so overlapping cron runs never collide.

A lock file this user cannot open (left by a `sudo … run`) or a folder in its place is set aside and made
again: its content never mattered, only the flock on it.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pvs6sup.errors import LockHeldError
from pvs6sup.store.files import PRIVATE_FILE, private_dir
from pvs6sup.store.statefile import heal


@contextmanager
def data_dir_lock(data_dir: Path) -> Iterator[None]:
    """Hold DATA_DIR/.lock (flock) for the block; LockHeldError at once if another run has it."""
    private_dir(data_dir)
    path = data_dir / ".lock"
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, PRIVATE_FILE)
    except OSError as err:  # another user's, or a folder: set aside (StorageError with the fix if impossible)
        if not os.path.lexists(path):
            raise  # nothing to heal: the folder itself refuses (cli explains it, exit 4)
        heal(path, data_dir, "lock file", "made again", err)
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as err:
            raise LockHeldError(f"another run is using the PVS ({path} is locked); try again shortly") from err
        yield
    finally:
        os.close(fd)  # closing releases the flock
