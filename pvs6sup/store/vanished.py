"""A DATA_DIR that vanished since the last run: one warning, not a silent new history.

The folder cannot remember itself once it is gone, so the path of the DATA_DIR in use is noted beside the
script, in its logs/ folder (where cron's own log and the fallback log file live): `.data-dir`, written once
(and again only when DATA_DIR changes). A run that finds DATA_DIR missing while that note names it says so.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from pvs6sup.errors import StorageError
from pvs6sup.store.files import atomic_write

NOTE = ".data-dir"


def vanished(data_dir: Path, note_dir: Path) -> str | None:
    """The warning when DATA_DIR is gone though an earlier run used it; notes a DATA_DIR not noted yet."""
    note = note_dir / NOTE
    try:
        noted = note.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        noted = ""
    here = str(data_dir.absolute())
    if noted != here:  # a first run (it makes DATA_DIR) or a new DATA_DIR: noted, nothing to say
        with contextlib.suppress(OSError, StorageError):  # a script folder we cannot write: no note, no harm
            atomic_write(note, (here + "\n").encode("utf-8"))
        return None
    if os.path.isdir(data_dir):
        return None
    return (
        f"DATA_DIR {data_dir} is gone (an earlier run used it): it is made again, empty; the readings, queues "
        "and alert state recorded before are not in it (restore it from a backup unless this was meant)"
    )
