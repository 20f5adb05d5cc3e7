"""A DATA_DIR that vanished since the last run: one warning, not a silent new history.

The folder cannot remember itself once it is gone, so the path of the DATA_DIR in use is noted beside the
script, in its logs/ folder (where cron's own log and the fallback log file live): `.data-dir`, written by the
first run that finds DATA_DIR there (and again only when DATA_DIR changes). A run that finds DATA_DIR missing
while that note names it says so.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from pvs6sup.errors import StorageError
from pvs6sup.store.files import atomic_write

NOTE = ".data-dir"


def vanished(data_dir: Path, note_dir: Path) -> str | None:
    """The warning when DATA_DIR is gone though an earlier run used it; notes DATA_DIR when it is there."""
    note = note_dir / NOTE
    try:
        noted = note.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        noted = ""
    here = str(data_dir.absolute())
    if os.path.isdir(data_dir):
        if noted != here:  # noted once it is there (so runs started together never see it noted and missing)
            with contextlib.suppress(OSError, StorageError):  # a script folder we cannot write: no note, no harm
                atomic_write(note, (here + "\n").encode("utf-8"))
        return None
    if noted != here:  # a first run, or a new DATA_DIR: nothing was lost
        return None
    return (
        f"DATA_DIR {data_dir} is gone (an earlier run used it): it is made again, empty; the readings, queues "
        "and alert state recorded before are not in it (restore it from a backup unless this was meant)"
    )
