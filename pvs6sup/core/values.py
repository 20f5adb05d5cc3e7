"""Coercion of the PVS's loosely typed values: numbers as strings, odd timestamps. Pure."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Hashable
from datetime import datetime, timezone
from typing import Any, TypeVar

_BUILD_IN_SWVER = re.compile(r"Build\s*(\d+)", re.IGNORECASE)


def number(value: Any, low: float = -math.inf, high: float = math.inf) -> float | None:
    """A finite float within [low, high], or None for missing, empty, 'nan', garbage or absurd values."""
    if value is None or value.__class__ is bool:
        return None
    try:
        result = float(value)  # as str.strip() would, float() ignores surrounding whitespace
    except (TypeError, ValueError, OverflowError):
        return None
    # NaN fails the comparison; result - result is NaN for an infinity (math.isfinite, without the call: a
    # replay reads millions of numbers)
    if low <= result <= high and result - result == 0.0:
        return result
    return None


def integer(value: Any) -> int | None:
    """A whole number (from '12', 12 or '12.0'), or None."""
    result = number(value)
    if result is None or result != int(result):
        return None
    return int(result)


MEMO_LIMIT = 4096  # distinct strings remembered by text() and parse_pvs_time(): a bound against a hostile PVS
_known_times: dict[str, datetime | None] = {}
_known_texts: dict[str, str | None] = {}
_UNKNOWN: Any = object()  # not asked yet (None is an answer)
K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


def remembered(memo: dict[K, V], key: K, convert: Callable[[K], V]) -> V:
    """convert(key), from `memo` when it was asked before; the memo is emptied when it holds MEMO_LIMIT answers."""
    try:
        return memo[key]
    except KeyError:
        pass
    if len(memo) >= MEMO_LIMIT:
        memo.clear()
    found = memo[key] = convert(key)
    return found


def parse_pvs_time(value: Any) -> datetime | None:
    """Parse DATATIME/CURTIME 'YYYY,MM,DD,HH,MM,SS' (UTC) into an aware datetime, or None.

    A capture lists the same few times on every device, and replay reads thousands of captures: each distinct
    string is parsed once (datetimes are immutable, so sharing one is safe)."""
    if not isinstance(value, str):
        return None
    return remembered(_known_times, value, _parse_pvs_time)


def _parse_pvs_time(value: str) -> datetime | None:
    parts = value.split(",")
    if len(parts) != 6:
        return None
    try:
        year, month, day, hour, minute, second = map(int, parts)
        return datetime(year, month, day, hour, minute, second, tzinfo=timezone.utc)
    except ValueError:
        return None


FILE_STAMP = "%Y%m%dT%H%M%SZ"  # the UTC time in the name of a raw capture, a packed member or a queued email
_FILE_STAMP = re.compile(r"\d{8}T\d{6}Z")


def file_stamp(moment: datetime) -> str:
    """A moment as a file name carries it: YYYYMMDDTHHMMSSZ, in UTC."""
    return moment.astimezone(timezone.utc).strftime(FILE_STAMP)


def stamp_time(name: str) -> datetime | None:
    """The UTC time a file name carries (YYYYMMDDTHHMMSSZ, anywhere in it), or None if it carries none that is
    a real time."""
    match = _FILE_STAMP.search(name)
    if match is None:
        return None
    try:
        return datetime.strptime(match.group(), FILE_STAMP).replace(tzinfo=timezone.utc)
    except ValueError:  # 20261340T…: shaped like a time, but none
        return None


def iso_time(value: Any) -> datetime | None:
    """Parse an ISO 8601 time such as the varserver's msmtEps '2025-09-30T15:50:00Z', or None."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)


def build_number(build: Any, swver: Any) -> int | None:
    """The firmware build: BUILD when present, else 'Build N' from SWVER (a PVS5 has no BUILD)."""
    direct = integer(build)
    if direct is not None:
        return direct
    if isinstance(swver, str):
        match = _BUILD_IN_SWVER.search(swver)
        if match:
            return int(match.group(1))
    return None


FORMULA_START = ("=", "+", "-", "@")  # a spreadsheet takes a cell starting so for a formula


def text(value: Any) -> str | None:
    """A non-empty stripped string, or None: every string the PVS sends (serial, model, state…) passes here.

    Control and format characters (NUL, ESC, CR, U+202E…) are removed, and a string a spreadsheet would take for
    a formula gets a leading apostrophe (as Google Sheets is sent it), so no CSV, sink, report or terminal ever
    gets them. Numbers do not pass here (number(), integer()): "-1.2" stays a negative number.
    """
    if not isinstance(value, str):
        return None
    found = _known_texts.get(value, _UNKNOWN)  # models, states and serials repeat in every capture
    return remembered(_known_texts, value, _clean_text) if found is _UNKNOWN else found


def _clean_text(value: str) -> str | None:
    found = (value if value.isprintable() else "".join(c for c in value if c.isprintable())).strip()
    if found.startswith(FORMULA_START):
        return "'" + found
    return found or None


def printable(value: str) -> str:
    """value for a terminal: control and format characters other than newline shown escaped (\\x1b, \\u202e)."""
    if value.isprintable():
        return value
    return "".join(c if c.isprintable() or c == "\n" else ascii(c)[1:-1] for c in value)


def mask_serial(serial: str | None) -> str:
    """Shorten an inverter or meter serial for logs and subjects: 'E00…1392'."""
    if not serial:
        return "?"
    if len(serial) <= 8:
        return serial[:2] + "…"
    return f"{serial[:3]}…{serial[-4:]}"


def mask_pvs_serial(serial: str | None) -> str:
    """Show only the start of a PVS serial: on new firmware its last 5 characters are the password."""
    if not serial:
        return "?"
    return serial[:4] + "…"
