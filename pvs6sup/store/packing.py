"""Packing of the raw archive: each finished UTC day's captures into one tar.gz, a day per cycle, crash-safely.

raw/YYYY/MM/DD/*.json.gz (a file per capture) becomes raw/YYYY/MM/YYYY-MM-DD.tar.gz: a tar of the day's
answers, exactly the bytes the PVS sent, each under its capture's name without the .gz (YYYYMMDDTHHMMSSZ.json)
and with its time as the member's, in one gzip stream. One stream compresses a day about three times smaller
than a gzip per answer (consecutive answers repeat each other), `tar -tzf` lists it and
`tar -xzOf DAY.tar.gz NAME | less` shows one answer, on any system. A .json.gz that does not decompress is
kept as it is, under its own name.

Crash safety: the file is written as raw/.YYYY-MM-DD.tar.gz.<pid>.tmp (tempfiles.clean removes one a kill
left), fsync'd and renamed into place; only then are the loose files deleted. A kill between the rename and
the last delete leaves the packed day and loose copies of some of its answers: replay skips a copy whose bytes
the packed day has, and the next packing folds the day in again, skipping them the same way. A capture filed
later into a day already packed (one a wrong clock held back) is merged into it by the next cycle.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
from collections.abc import Iterator
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

from pvs6sup.core.values import stamp_time
from pvs6sup.store import files, tempfiles
from pvs6sup.store.archive import RAW_DIR

log = logging.getLogger(__name__)

PACKED = ".tar.gz"
FAILED_FILE = ".packing-failed.json"  # in raw/: the days that could not be packed, and why (each logged once)
CAPTURE_ENDINGS = (".json.gz", ".json")


def packed_path(data_dir: Path, day: date) -> Path:
    """DATA_DIR/raw/YYYY/MM/YYYY-MM-DD.tar.gz: where a day's captures are kept once it is packed."""
    return data_dir / RAW_DIR / f"{day:%Y}" / f"{day:%m}" / f"{day.isoformat()}{PACKED}"


def packed_day(name: str) -> date | None:
    """The day of a packed file's name (YYYY-MM-DD.tar.gz), or None for any other name."""
    if not name.endswith(PACKED) or name.startswith("."):
        return None
    try:
        return date.fromisoformat(name.removesuffix(PACKED))
    except ValueError:
        return None


def is_capture(name: str) -> bool:
    """A capture's file name (not a temporary file's)."""
    return name.endswith(CAPTURE_ENDINGS) and not name.startswith(".")


def capture_key(name: str) -> str:
    """What a capture is known by, loose (….json.gz) or packed (….json): its name without .gz."""
    return name.removesuffix(".gz")


def _numbered(folder: Path) -> list[str]:
    try:
        return sorted(e.name for e in os.scandir(folder) if e.name.isdigit() and e.is_dir(follow_symlinks=False))
    except OSError:
        return []


def loose_days(data_dir: Path, before: date) -> Iterator[tuple[date, Path]]:
    """The day folders before `before` that still hold captures, oldest first (an empty one is removed).

    Only folders are looked into, and a packed day has none: the cost is a few listings, whatever the years kept.
    """
    raw = data_dir / RAW_DIR
    for year in _numbered(raw):
        if int(year) > before.year:
            return
        for month in _numbered(raw / year):
            for day in _numbered(raw / year / month):
                try:
                    when = date(int(year), int(month), int(day))
                except ValueError:
                    continue
                if when >= before:
                    return
                folder = raw / year / month / day
                with contextlib.suppress(OSError):
                    if any(is_capture(e.name) for e in os.scandir(folder)):
                        yield when, folder
                    else:
                        folder.rmdir()  # emptied by a packing killed before its last step; kept if not empty


def pack_finished_day(data_dir: Path, now: datetime) -> date | None:
    """Pack the oldest UTC day before `now`'s that is still loose (one a call); the day packed, or None.

    A day that cannot be packed is one warning (again only if the reason changes) and stays loose, whole; it is
    tried again every cycle, after the days that can be packed.
    """
    if not (data_dir / RAW_DIR).is_dir():
        return None
    failed = _load_failed(data_dir)
    chosen = retry = None
    for day, folder in loose_days(data_dir, now.astimezone(timezone.utc).date()):
        if day.isoformat() not in failed:
            chosen = day, folder
            break
        retry = retry or (day, folder)
    chosen = chosen or retry
    if chosen is None:
        if failed:
            _save_failed(data_dir, {})
        return None
    day, folder = chosen
    try:
        pack_day(data_dir, day, folder)
    except (OSError, ValueError) as err:
        reason = f"{err} ({_fix(err)})" if isinstance(err, OSError) else str(err)
        if failed.get(day.isoformat()) != reason:
            log.warning(
                "raw archive: cannot pack %s into one file: %s; its captures stay as they are, tried again each cycle",
                folder,
                reason,
            )
            failed[day.isoformat()] = reason
            _save_failed(data_dir, failed)
        return None
    if failed.pop(day.isoformat(), None) is not None:
        _save_failed(data_dir, failed)
    return day


def _fix(err: OSError) -> str:
    from pvs6sup.store.os_errors import fix_for

    return fix_for(err)


def pack_day(data_dir: Path, day: date, folder: Path) -> int:
    """Fold the captures of a day folder into the day's tar.gz (made or rewritten whole), then delete them; how
    many captures it gained. Raises OSError, or ValueError for a packed file that cannot be read, with the loose
    files untouched."""
    import tarfile
    import zlib

    target = packed_path(data_dir, day)
    try:
        members = read_packed(target) if target.exists() else {}
    except (OSError, EOFError, zlib.error, tarfile.TarError) as err:
        raise ValueError(
            f"{target} cannot be read ({err}): move it aside (mv {target} {target}.damaged; tar can still read what "
            "it holds) and the next cycle packs the day's loose answers anew"
        ) from err
    loose = sorted(e.path for e in os.scandir(folder) if is_capture(e.name) and e.is_file(follow_symlinks=False))
    gained = 0
    for path in loose:
        name, data = _unwrapped(Path(path))
        if name in members:
            if members[name] == data:
                continue  # packed already: a kill came between the rename and this file's delete
            name = _free_name(name, members)  # another capture under the same name: kept under a new one
        members[name] = data
        gained += 1
    _write_packed(data_dir / RAW_DIR, target, members)
    for path in loose:
        os.unlink(path)
    for entry in os.scandir(folder):
        if tempfiles.stale(entry.name):
            with contextlib.suppress(OSError):
                os.unlink(entry.path)
    with contextlib.suppress(OSError):
        folder.rmdir()  # a file of someone else's there keeps the folder, never the day loose
    return gained


def _unwrapped(path: Path) -> tuple[str, bytes]:
    """(member name, bytes) of a loose capture: the answer itself, or the file as it is if it does not gunzip."""
    import gzip
    import zlib

    data = path.read_bytes()
    if not path.name.endswith(".gz"):
        return path.name, data
    try:
        return capture_key(path.name), gzip.decompress(data)
    except (OSError, EOFError, zlib.error):
        return path.name, data  # damaged: kept byte for byte, replay counts it as a failed cycle as before


def _free_name(name: str, taken: dict[str, bytes]) -> str:
    """name with the stamp's next free -N (the archive's own way of naming same-second twins)."""
    stem, dot, rest = name.partition(".")
    base = stem.split("-")[0]
    number = 1
    while f"{base}-{number}{dot}{rest}" in taken:
        number += 1
    return f"{base}-{number}{dot}{rest}"


def read_packed(path: Path) -> dict[str, bytes]:
    """{member name: bytes} of a packed day, in its order. Raises OSError, EOFError or tarfile.TarError."""
    import tarfile

    members: dict[str, bytes] = {}
    with tarfile.open(path, "r:gz") as packed:
        for info in packed:
            handle = packed.extractfile(info) if info.isfile() else None
            if handle is not None:
                members[info.name] = handle.read()
    return members


def _write_packed(raw: Path, target: Path, members: dict[str, bytes]) -> None:
    """Write the day whole beside raw/ (temporary name), fsync it, rename it into place, fsync its folder."""
    import io
    import tarfile

    tmp = raw / f".{target.name}.{os.getpid()}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, files.PRIVATE_FILE)
    try:
        with os.fdopen(fd, "wb") as handle:
            # USTAR, the format every tar reads; level 6, as the loose files (the day in ~0.1 s on a PC).
            with tarfile.open(fileobj=handle, mode="w:gz", format=tarfile.USTAR_FORMAT, compresslevel=6) as packed:
                for name in sorted(members):
                    packed.addfile(_member(name, len(members[name])), io.BytesIO(members[name]))
            handle.flush()
            if files.DURABLE:
                os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _sync_folder(target.parent)  # the rename is on disk before any loose file goes


def _member(name: str, size: int) -> Any:
    import tarfile

    info = tarfile.TarInfo(name)
    info.size = size
    info.mode = files.PRIVATE_FILE
    stamped = stamp_time(name)
    if stamped is not None:
        info.mtime = int(stamped.timestamp())
    return info


def _sync_folder(folder: Path) -> None:
    if not files.DURABLE:
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _load_failed(data_dir: Path) -> dict[str, str]:
    try:
        with open(data_dir / RAW_DIR / FAILED_FILE, "rb") as handle:
            loaded = json.load(handle)
    except (OSError, ValueError):
        return {}  # none, or damaged: at worst a warning is given again
    return {str(k): str(v) for k, v in loaded.items()} if isinstance(loaded, dict) else {}


def _save_failed(data_dir: Path, failed: dict[str, str]) -> None:
    path = data_dir / RAW_DIR / FAILED_FILE
    if failed:
        files.atomic_write(path, json.dumps(failed, indent=1, sort_keys=True).encode())
    else:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


class PackedReader:
    """Reads captures for replay, loose or packed (a packed answer is addressed as DAY.tar.gz/NAME); keeps the
    answers of one packed day in memory, the one being read."""

    def __init__(self) -> None:
        self._path: Path | None = None
        self._members: dict[str, bytes] = {}

    def read(self, path: Path) -> bytes:
        """The capture's bytes as the PVS sent them. KeyError: no such answer in the packed day."""
        import gzip

        if packed_day(path.parent.name) is not None and path.parent.is_file():
            data = self._open(path.parent)[path.name]
        else:
            data = path.read_bytes()
        return gzip.decompress(data) if path.name.endswith(".gz") else data

    def members(self, packed: Path) -> list[str]:
        """The names of a packed day's captures."""
        return [name for name in self._open(packed) if is_capture(name)]

    def _open(self, packed: Path) -> dict[str, bytes]:
        if packed != self._path:
            self._path, self._members = None, {}
            self._members = read_packed(packed)
            self._path = packed
        return self._members

    def __enter__(self) -> PackedReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self._path, self._members = None, {}
