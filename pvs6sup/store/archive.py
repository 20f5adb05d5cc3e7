"""The raw archive: the exact bytes each cycle received, gzipped, one file per fetch, by UTC time."""

from __future__ import annotations

import gzip
import os
from datetime import datetime, timezone
from pathlib import Path

from pvs6sup.core.values import file_stamp
from pvs6sup.store.files import atomic_write, private_dir

RAW_DIR = "raw"
CLOCK_SKEW = "clock-skew"  # the mark of a capture kept out of the record because the clock was wrong
PENDING_DIR = "pending"  # raw/pending: answers waiting for a right clock, recorded by a later cycle


def raw_path(data_dir: Path, fetched_at: datetime, suffix: str = "") -> Path:
    """DATA_DIR/raw/YYYY/MM/DD/YYYYMMDDTHHMMSSZ.json.gz for a fetch time (UTC)."""
    utc = fetched_at.astimezone(timezone.utc)
    name = file_stamp(utc) + suffix + ".json.gz"
    return data_dir / RAW_DIR / utc.strftime("%Y/%m/%d") / name


def store_raw(data_dir: Path, fetched_at: datetime, body: bytes) -> Path:
    """Archive body gzipped under its fetch time; never overwrites (a same-second twin gets -1, -2…)."""
    # Level 6 (zlib's default): a real 30-inverter answer comes out 4 % larger than at 9, in 40 % of the time.
    data = gzip.compress(body, compresslevel=6, mtime=0)
    for attempt in range(100):
        path = raw_path(data_dir, fetched_at, f"-{attempt}" if attempt else "")
        try:
            atomic_write(path, data, exclusive=True)
            return path
        except FileExistsError:
            continue
    raise FileExistsError(path)


def keep_pending(data_dir: Path, path: Path) -> Path:
    """Move a capture no clock could stamp to raw/pending (under its name), where the next cycle looks."""
    folder = private_dir(data_dir / RAW_DIR / PENDING_DIR)
    target = folder / path.name
    os.replace(path, target)
    return target


def pending_captures(data_dir: Path) -> list[Path]:
    """The captures waiting in raw/pending, by name (the system clock's order)."""
    folder = data_dir / RAW_DIR / PENDING_DIR
    if not folder.is_dir():
        return []
    return sorted(
        p
        for p in folder.iterdir()
        if p.name.endswith(".json.gz") and not p.name.startswith(".") and f".{CLOCK_SKEW}." not in p.name
    )


def refile(data_dir: Path, path: Path, fetched_at: datetime) -> Path:
    """Move a capture to where the archive keeps an answer fetched at this moment (a re-stamped reading)."""
    stored = store_raw(data_dir, fetched_at, read_raw(path))
    path.unlink()
    return stored


def set_aside(path: Path, reason: str) -> Path:
    """Rename a capture so its name says why it was not recorded (replay skips such names)."""
    target = path.with_name(path.name.replace(".json", f".{reason}.json", 1))
    path.rename(target)
    return target


def read_raw(path: Path) -> bytes:
    """The archived bytes of a .json.gz (or plain .json) capture."""
    data = path.read_bytes()
    return gzip.decompress(data) if path.suffix == ".gz" else data
