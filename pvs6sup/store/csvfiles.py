"""Where the CSV logs are (readings.csv, inverters-YYYY-MM.csv, and the single inverters.csv of earlier
versions), the month a row is filed under, and how a log this user cannot write, or one with other columns,
is healed or set aside rather than mixed. Used by csvlog (appending) and legacy (splitting the old file).
"""

from __future__ import annotations

import csv
import logging
import os
import re
from datetime import datetime, tzinfo
from pathlib import Path

from pvs6sup.core.records import FrozenRecord
from pvs6sup.errors import StorageError
from pvs6sup.settings.load import user_name
from pvs6sup.store.files import atomic_write

log = logging.getLogger(__name__)

READINGS_FILE = "readings.csv"
INVERTERS_FILE = "inverters.csv"  # the single file of earlier versions: split into months on the next append
_MONTH_FILE = re.compile(r"inverters-\d{4}-\d{2}\.csv")


def month_of(moment: datetime, zone: tzinfo) -> str:
    """YYYY-MM of a moment in the site's time zone: the month its inverter rows are filed under."""
    return moment.astimezone(zone).strftime("%Y-%m")


def inverters_path(data_dir: Path, month: str) -> Path:
    return data_dir / f"inverters-{month}.csv"


def inverter_files(data_dir: Path) -> list[Path]:
    """The monthly inverter files, oldest first (files set aside, inverters-….until-….csv, are not among them)."""
    try:
        names = sorted(name for name in os.listdir(data_dir) if _MONTH_FILE.fullmatch(name))
    except (FileNotFoundError, NotADirectoryError):
        return []
    return [data_dir / name for name in names]


_BOM = b"\xef\xbb\xbf"


class _Layout(FrozenRecord):
    columns: tuple[str, ...]  # as named in the file's header, in its order
    newline: str  # the file's own line end, kept when appending


def read_layout(path: Path) -> _Layout | None:
    """The header of an existing CSV (BOM, quotes and CRLF tolerated), or None if it is missing or empty."""
    try:
        with path.open("rb") as handle:
            first = handle.readline(64 * 1024)
    except OSError:  # missing, or unreadable (append_csv heals that): nothing to judge by
        return None
    if not first.strip():
        return None
    newline = "\r\n" if first.endswith(b"\r\n") else "\n"
    text = first.removeprefix(_BOM).decode("utf-8", "replace").strip("\r\n")
    names = next(csv.reader([text]), [])
    return _Layout(tuple(name.strip() for name in names), newline)


def _aside_name(path: Path, now: datetime) -> Path:
    return path.with_name(f"{path.stem}.until-{now.strftime('%Y%m%dT%H%M%S')}{path.suffix}")


def heal_ownership(path: Path, now: datetime) -> None:
    """A CSV this user cannot write (left by one `sudo ... run`) is replaced by a copy this user owns.

    The folder is ours, so the copy is written beside it and renamed over it atomically. A file this
    user cannot even read is renamed aside instead, so that recording goes on in a fresh file.
    """
    try:
        owner = path.stat().st_uid
    except FileNotFoundError:
        return
    if os.access(path, os.W_OK):
        return
    me, them = user_name(), user_name(owner)
    fix = f"sudo chown {me}: {path}"
    try:
        try:
            data = path.read_bytes()
        except PermissionError:
            aside = _aside_name(path, now)
            os.replace(path, aside)
            log.warning(
                "%s is owned by %s and unreadable by %s (a run with sudo?); kept as %s and started anew "
                "(to read it: sudo chown %s: %s)",
                path,
                them,
                me,
                aside.name,
                me,
                aside,
            )
            return
        atomic_write(path, data)
    except (OSError, StorageError) as err:
        raise StorageError(f"cannot write {path}: it is owned by {them} (a run with sudo?); fix: {fix}") from err
    log.warning("%s was owned by %s (a run with sudo?); replaced by a copy owned by %s", path, them, me)


def set_aside_if_other_columns(path: Path, columns: tuple[str, ...], now: datetime) -> _Layout | None:
    """A file with other columns (an older version, a person's edit) is renamed aside, never mixed.

    The same columns behind a BOM, in quotes, with CRLF line ends or in another order are the same file.
    """
    layout = read_layout(path)
    if layout is None or sorted(layout.columns) == sorted(columns):
        return layout
    missing = [name for name in columns if name not in layout.columns]
    extra = [name for name in layout.columns if name not in columns]
    parts = [f"missing {', '.join(missing)}"] if missing else []
    parts += [f"extra {', '.join(name or '(unnamed)' for name in extra)}"] if extra else []
    what = "; ".join(parts) or "a column named twice"
    aside = _aside_name(path, now)
    os.replace(path, aside)
    log.warning("%s had other columns (%s); kept as %s and started anew", path, what, aside.name)
    return None
