"""Temporary files a killed run left behind, removed by the next run: only this program's own.

atomic_write (files.py) writes `.<name>.<pid>.tmp` beside its target, then renames it; a SIGKILL or a power cut
in between leaves it. Under the lock, the next run removes every file of exactly that pattern whose process is
gone, in DATA_DIR's folders and in the newest day of the raw archive (where a kill during an archive write
leaves one; the older days are not walked, so the cost stays the same over years).
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
from collections.abc import Iterator
from pathlib import Path

from pvs6sup.store.archive import RAW_DIR

log = logging.getLogger(__name__)

PATTERN = re.compile(r"^\..+\.(\d+)\.tmp$")  # files.atomic_write's temporary name


def clean(data_dir: Path) -> int:
    """Remove the temporary files of runs that are gone; how many."""
    removed = 0
    for folder in _folders(data_dir):
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            found = PATTERN.match(entry.name)
            if found and entry.is_file(follow_symlinks=False) and not _alive(int(found.group(1))):
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)
                    removed += 1
    if removed:
        log.info("removed %d temporary file(s) left by a run that was killed", removed)
    return removed


def stale(name: str) -> bool:
    """A temporary file's name (atomic_write's) whose process is gone."""
    found = PATTERN.match(name)
    return found is not None and not _alive(int(found.group(1)))


def _folders(data_dir: Path) -> Iterator[str]:
    for top, folders, _ in os.walk(data_dir):
        if top == str(data_dir) and RAW_DIR in folders:
            folders.remove(RAW_DIR)
            yield from _raw_folders(data_dir / RAW_DIR)
        yield top


def _raw_folders(raw: Path) -> Iterator[str]:
    """raw/, raw/pending/ and the newest year, month and day: where an archive write can have been cut."""
    yield str(raw)
    yield str(raw / "pending")
    folder = raw
    for _ in range(3):
        try:
            names = sorted(name for name in os.listdir(folder) if name.isdigit())
        except OSError:
            return
        if not names:
            return
        folder = folder / names[-1]
        yield str(folder)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's process: alive
        return True
    return True
