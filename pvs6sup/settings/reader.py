"""Reader: each setting's value read and checked by the table (settings/table.py), every problem collected
instead of stopping at the first, and the effective values kept for the log."""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import tzinfo
from pathlib import Path
from urllib.parse import urlsplit

from pvs6sup.settings.schema import Setting, allowed
from pvs6sup.settings.system_zone import system_timezone
from pvs6sup.settings.table import BY_NAME

Rows = tuple[tuple[str, ...], ...]


def inverter_groups(text: str) -> Rows:
    """INVERTER_GROUPS, INVERTER_LAYOUT: groups split by ';', serials (or their endings) by ','; ValueError if empty."""
    groups = []
    for part in text.split(";"):
        members = tuple(m.strip() for m in part.split(",") if m.strip())
        if not members:
            raise ValueError("an empty group")
        groups.append(members)
    return tuple(groups)


class Reader:
    """Reads settings by the table, collecting every problem instead of stopping at the first.

    Each method returns its type; an invalid value is one problem line and gives the default.
    """

    def __init__(self, values: Mapping[str, str | None]) -> None:
        self.values = values
        self.problems: list[str] = []
        self.effective: dict[str, str] = {}

    def _raw(self, name: str, *kinds: str) -> tuple[Setting, str | None]:
        setting = BY_NAME[name]
        assert setting.kind in kinds, f"{name} is a {setting.kind} setting"
        value = self.values.get(name)
        raw = value.strip() if value is not None and value.strip() else None
        shown = raw if raw is not None else setting.default
        if shown:
            self.effective[name] = shown
        return setting, raw

    def problem(self, name: str, text: str) -> None:
        self.problems.append(f"{name}: {text}")

    def _bad(self, setting: Setting, raw: str) -> None:
        self.problem(setting.name, f"expected {allowed(setting)}, got {raw!r}")

    def default(self, name: str, value: object) -> None:
        """Note a default that is computed (a port by the security mode, the host name)."""
        self.effective.setdefault(name, str(value))

    def text(self, name: str) -> str | None:
        setting, raw = self._raw(name, "text")
        return raw if raw is not None else setting.default or None

    def whole(self, name: str) -> int | None:
        setting, raw = self._raw(name, "whole")
        text = raw if raw is not None else setting.default
        if not text:
            return None
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or not setting.low <= value <= setting.high:  # type: ignore[operator]
            self._bad(setting, text)
            return int(setting.default) if setting.default else None
        return value

    def number(self, name: str) -> float | None:
        setting, raw = self._raw(name, "number")
        text = raw if raw is not None else setting.default
        if not text:
            return None
        try:
            value = float(text)
        except ValueError:
            value = float("nan")
        if not setting.low <= value <= setting.high:  # type: ignore[operator]  # also rejects nan
            self._bad(setting, text)
            return float(setting.default) if setting.default else None
        return value

    def choice(self, name: str) -> str:
        setting, raw = self._raw(name, "choice")
        value = (raw or setting.default).lower()
        if value not in setting.choices:
            self._bad(setting, raw or "")
            return setting.default
        return value

    def flag(self, name: str) -> bool:
        setting, raw = self._raw(name, "flag")
        if raw is not None and raw not in ("0", "1"):
            self._bad(setting, raw)
            raw = None
        return (raw or setting.default) == "1"

    def path(self, name: str, base: Path) -> Path | None:
        setting, raw = self._raw(name, "path")
        text = raw or setting.default
        if not text:
            return None
        path = Path(os.path.expanduser(text))
        path = path if path.is_absolute() else base / path
        self.effective[name] = str(path)
        return path

    def url(self, name: str) -> str | None:
        setting, raw = self._raw(name, "url")
        text = raw or setting.default or None
        if text is not None and (urlsplit(text).scheme not in ("http", "https") or not urlsplit(text).netloc):
            self._bad(setting, text)
            return None
        return text

    def items(self, name: str) -> tuple[str, ...]:
        _, raw = self._raw(name, "list")
        return tuple(item.strip() for item in (raw or "").split(",") if item.strip())

    def rows(self, name: str, example: str) -> Rows:
        _, raw = self._raw(name, "rows")
        if raw is None:
            return ()
        try:
            return inverter_groups(raw)
        except ValueError as err:
            self.problem(name, f"{err}; expected e.g. {example!r} (serials or their endings)")
            return ()

    def zone(self, name: str) -> tzinfo:
        _, raw = self._raw(name, "zone")
        if raw is None:
            return system_timezone()
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError  # 2 ms (it imports sysconfig): only when set

        try:
            return ZoneInfo(raw)
        except (ZoneInfoNotFoundError, ValueError):
            self.problem(name, f"unknown time zone {raw!r} (use e.g. America/Los_Angeles)")
            return system_timezone()
