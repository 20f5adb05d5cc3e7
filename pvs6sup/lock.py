"""An exclusive, non-blocking lock on the data folder, so overlapping cron runs never collide."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import LockHeldError
from .files import PRIVATE_FILE, private_dir


@contextmanager
def data_dir_lock(data_dir: Path) -> Iterator[None]:
    """Hold DATA_DIR/.lock (flock) for the block; LockHeldError at once if another run has it."""
    private_dir(data_dir)
    path = data_dir / ".lock"
    fd = os.open(path, os.O_RDWR | os.O_CREAT, PRIVATE_FILE)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as err:
            raise LockHeldError(f"another run is using the PVS ({path} is locked); try again shortly") from err
        yield
    finally:
        os.close(fd)  # closing releases the flock
